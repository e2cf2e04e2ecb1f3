"""Ingest Lambda: an SQS batch of S3 ObjectCreated notifications -> the ingest service.

A notification announces a site manifest (its segments of 10 minutes, the
default) or one segment (``aws.segment_events``, and the sweep's net):
footage.services.ingest_manifest.ingest_announced takes either.

Each SQS message is one record of a partial batch response: a message whose
objects all ingest (or are skipped, or quarantined as corrupt) is deleted; one
that fails on a transient error returns to the queue and, after the queue's
maxReceiveCount, goes to the DLQ. Idempotency lives in the service: the key
names one index row, and an object whose SHA-256 (or eTag) is already indexed
is a DUPLICATE that costs one HEAD and one read.

Quiet: one log line per batch (functions.ingest.tally: a count per outcome, and
the keys of what was not indexed as footage), plus one per record that failed,
with its key.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from footage.services.ingest_manifest import ingest_announced
from functions.ingest.events import MalformedNotification, created_objects
from functions.ingest.tally import BatchTally, where
from functions.runtime import build_runtime
from functions.settings import IngestSettings

logger = Logger()
metrics = Metrics()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.SQS)
settings = IngestSettings()  # from the environment
context = build_runtime(settings).ingest_context()
tally = BatchTally()  # the batch being handled (one invocation at a time)


def record_handler(record: SQSRecord) -> None:
    tally.records += 1
    try:
        objects = created_objects(record.body)
    except MalformedNotification as exc:  # retrying cannot help: drop it, loudly
        logger.error("dropped a message that is not an S3 notification: %s", exc)
        metrics.add_metric(name="MalformedMessages", unit=MetricUnit.Count, value=1)
        return
    for obj in objects:
        if obj.bucket != settings.bucket:
            tally.ignore(obj.key, obj.bucket)
            continue
        try:
            for result in ingest_announced(context, obj.key):
                tally.add(result)
        except Exception as exc:  # the message goes back to the queue: say which object
            logger.error("ingest failed: %s", exc, extra=where(obj.key))
            raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> PartialItemFailureResponse:
    global tally
    tally = BatchTally()
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=lambda_context
    )
    failed = len(response.get("batchItemFailures", []))
    logger.info("batch ingested", extra={**tally.fields(), "failed": failed})
    for outcome, count in tally.outcomes.items():
        metrics.add_metric(name=f"Segments{outcome.title()}", unit=MetricUnit.Count, value=count)
    return response
