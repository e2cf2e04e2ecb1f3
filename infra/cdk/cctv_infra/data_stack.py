"""The stateful stack: footage bucket, ingest queue, the catalog table and each site's
live key (all RETAIN; the keys in nested ``LiveKeys<n>`` stacks, site_stacks.py)."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cctv_infra.catalog_table import CatalogTable
from cctv_infra.footage_bucket import FootageBucket
from cctv_infra.ingest_queue import IngestQueue
from cctv_infra.live_keys import live_key_prefix
from cctv_infra.settings import INGEST_TIMEOUT_S, DeploySettings
from cctv_infra.site_stacks import LiveKeyResources, site_stacks, stack_id


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
        prefix = settings.aws.stack_prefix
        self.live_key_stacks = [
            LiveKeyResources(self, stack_id("LiveKeys", index), site_ids=ids, stack_prefix=prefix)
            for index, ids in site_stacks(settings.site_ids).items()
        ]
        self._build_outputs(prefix)

    @property
    def live_keys(self) -> dict[str, secretsmanager.Secret]:
        """Each site's live key secret, from whichever nested stack holds it."""
        return {k: v for s in self.live_key_stacks for k, v in s.live_keys.secrets.items()}

    def _build_outputs(self, stack_prefix: str) -> None:
        CfnOutput(self, "FootageBucketName", value=self.bucket.bucket_name)
        CfnOutput(self, "CatalogTableName", value=self.table.table_name)
        CfnOutput(self, "IngestQueueUrl", value=self.queue.queue_url)
        CfnOutput(self, "IngestDeadLetterQueueUrl", value=self.dlq.queue_url)
        # The name, not the value: an admin reads a site's key with `aws secretsmanager
        # get-secret-value --secret-id <prefix><SITE>` for that edge only. One
        # output per site would pass CloudFormation's 200 outputs at ~195 sites.
        CfnOutput(self, "LiveKeySecretPrefix", value=live_key_prefix(stack_prefix))
