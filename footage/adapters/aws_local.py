"""The serverless resources on any AWS-compatible endpoint, for local runs and tests.

``vms up --backend aws-local`` and the integration tests create, on a moto
server, what the CDK data stack creates in AWS: the versioned footage bucket
(Object Lock on, for evidence holds) whose ObjectCreated events under
``segments/`` go to the ingest queue, the queue with its dead-letter queue, and
the index table. They also poll that queue the way Lambda's event source
mapping does. Creation is idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from footage.adapters.dynamodb import DynamoCatalog
from footage.adapters.s3 import make_s3_client
from footage.errors import StorageError
from footage.keys import announcement_filter

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import FilterRuleTypeDef, QueueConfigurationTypeDef
    from mypy_boto3_sqs.client import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

#: As in the CDK data stack: five tries, then the DLQ.
MAX_RECEIVE_COUNT = 5


@dataclass(frozen=True, slots=True)
class ServerlessNames:
    bucket: str
    table: str
    queue: str

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.queue}-dlq"


@dataclass(frozen=True, slots=True)
class Provisioned:
    queue_url: str
    queue_arn: str
    dlq_url: str


def provision(
    names: ServerlessNames, endpoint_url: str, region: str, visibility_timeout_s: int = 60,
    *, segment_events: bool = False,
) -> Provisioned:  # fmt: skip
    """The bucket, queues and table of a deployment; the bucket announces what
    ``segment_events`` says (footage.keys.announcement_filter), as the CDK stack."""
    s3 = make_s3_client(endpoint_url, region)
    sqs: SQSClient = boto3.client("sqs", endpoint_url=endpoint_url, region_name=region)
    try:
        dlq_url, dlq_arn = _queue(sqs, names.dead_letter_queue, {})
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
        attributes: dict[QueueAttributeNameType, str] = {
            "VisibilityTimeout": str(visibility_timeout_s),
            "RedrivePolicy": json.dumps(redrive),
        }
        queue_url, queue_arn = _queue(sqs, names.queue, attributes)
        _bucket(s3, names.bucket, region, queue_arn, announcement_filter(segment_events))
    except (ClientError, BotoCoreError) as exc:
        raise StorageError(f"cannot create the serverless resources: {exc}") from exc
    DynamoCatalog(names.table, region, endpoint_url).initialize()
    return Provisioned(queue_url, queue_arn, dlq_url)


def _queue(
    sqs: SQSClient, name: str, attributes: Mapping[QueueAttributeNameType, str]
) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, got["Attributes"]["QueueArn"]


def _bucket(
    s3: S3Client, name: str, region: str, queue_arn: str, announced: tuple[str, str]
) -> None:
    try:
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
            )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            raise
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    # Object Lock with no default retention, as the data stack: evidence holds are
    # legal holds (footage.services.evidence). A versioned bucket can take it later.
    s3.put_object_lock_configuration(
        Bucket=name, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}
    )
    to_queue: QueueConfigurationTypeDef = {
        "QueueArn": queue_arn,
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": _rules(*announced)}},
    }
    s3.put_bucket_notification_configuration(
        Bucket=name, NotificationConfiguration={"QueueConfigurations": [to_queue]}
    )


def _rules(prefix: str, suffix: str) -> list[FilterRuleTypeDef]:
    rules: list[FilterRuleTypeDef] = [{"Name": "prefix", "Value": prefix}]
    return [*rules, {"Name": "suffix", "Value": suffix}] if suffix else rules


class QueuePoller:
    """Receive and delete like Lambda's SQS event source mapping."""

    def __init__(self, endpoint_url: str, region: str, queue_url: str) -> None:
        self.queue_url = queue_url
        self._sqs: SQSClient = boto3.client("sqs", endpoint_url=endpoint_url, region_name=region)

    def receive(self, max_messages: int, wait_s: int) -> list[dict[str, Any]]:
        try:
            got = self._sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=max_messages,
                WaitTimeSeconds=wait_s,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot receive from {self.queue_url}: {exc}") from exc
        return [dict(message) for message in got.get("Messages", [])]

    def delete(self, receipt_handles: list[str]) -> None:
        for handle in receipt_handles:
            try:
                self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=handle)
            except (ClientError, BotoCoreError) as exc:
                raise StorageError(f"cannot delete a message: {exc}") from exc
