"""The stateful stack: footage bucket, ingest queue, the catalog table and each site's
live key (all RETAIN)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cctv_infra.catalog_table import CatalogTable
from cctv_infra.edge_access import logical_suffix
from cctv_infra.footage_bucket import FootageBucket
from cctv_infra.ingest_queue import IngestQueue
from cctv_infra.live_keys import LiveKeys
from cctv_infra.settings import INGEST_TIMEOUT_S, DeploySettings


class DataStack(Stack):
    """Outlives the compute stack, which can be destroyed and redeployed freely.

    The ingest queue lives here, beside the bucket: the bucket notification needs
    the queue's ARN and the queue policy needs the bucket's, so splitting them
    across stacks would make the two stacks depend on each other.
    """

    def __init__(
        self, scope: Construct, construct_id: str, settings: DeploySettings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        footage = FootageBucket(self, "Footage", settings)
        ingest = IngestQueue(self, "Ingest", ingest_timeout_s=INGEST_TIMEOUT_S)
        footage.notify(ingest.queue)
        self.bucket: s3.Bucket = footage.bucket
        self.log_bucket: s3.Bucket = footage.log_bucket
        self.queue: sqs.Queue = ingest.queue
        self.dlq: sqs.Queue = ingest.dlq
        self.table: dynamodb.Table = CatalogTable(self, "Catalog").table
        self.live_keys = LiveKeys(
            self, "LiveKeys", site_ids=settings.site_ids, stack_prefix=settings.aws.stack_prefix
        )
        self._build_outputs()

    def _build_outputs(self) -> None:
        CfnOutput(self, "FootageBucketName", value=self.bucket.bucket_name)
        CfnOutput(self, "CatalogTableName", value=self.table.table_name)
        CfnOutput(self, "IngestQueueUrl", value=self.queue.queue_url)
        CfnOutput(self, "IngestDeadLetterQueueUrl", value=self.dlq.queue_url)
        # Names, not values: an admin reads a site's key with
        # `aws secretsmanager get-secret-value --secret-id <name>` for that edge only.
        for site_id in self.live_keys.secrets:
            CfnOutput(
                self, f"LiveKeySecret{logical_suffix(site_id)}", value=self.live_keys.name(site_id)
            )
