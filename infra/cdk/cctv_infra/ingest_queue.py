"""The ingest queue and its dead-letter queue."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

#: Messages that fail this many times move to the DLQ (a corrupt segment is
#: quarantined by ingest; this catches the rest without retrying forever).
MAX_RECEIVE_COUNT = 5
#: AWS's advice for an SQS event source: visibility >= 6x the function timeout,
#: so a message is not redelivered while a batch is still being retried.
VISIBILITY_FACTOR = 6


class IngestQueue(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, ingest_timeout_s: int) -> None:
        super().__init__(scope, construct_id)
        self.dlq = self._build_dlq()
        self.queue = self._build_queue(ingest_timeout_s)

    def _build_dlq(self) -> sqs.Queue:
        return sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),  # the SQS maximum: time to investigate
        )

    def _build_queue(self, ingest_timeout_s: int) -> sqs.Queue:
        # SQS-managed SSE rather than KMS: S3 can publish to it without a key
        # policy, and it costs nothing per request.
        return sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(ingest_timeout_s * VISIBILITY_FACTOR),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dlq, max_receive_count=MAX_RECEIVE_COUNT
            ),
        )
