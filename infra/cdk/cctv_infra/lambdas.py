"""The Lambda functions (ingest, sweep, API, export, totals; rendition, the restore
drill and the alerts in their own modules), their layers, permissions and triggers.
Only the functions that run ffmpeg (ingest, export, rendition, drill) carry its layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from cctv_infra import artifacts
from cctv_infra.alerts import alert_secret_prefix, alert_secrets_read, build_alerts_function
from cctv_infra.drill import build_drill_function
from cctv_infra.lambda_factory import RUNTIME, RUNTIME_PYTHON, FunctionSpec, LambdaFactory
from cctv_infra.live_keys import live_key_prefix, live_keys_read_statement
from cctv_infra.renditions import allow_renditions, build_rendition_function
from cctv_infra.settings import (
    INGEST_TIMEOUT_S,
    METRICS_NAMESPACE,
    SERVICE_NAME,
    DeploySettings,
)
from footage.adapters.dynamodb_models import segment_pk
from footage.keys import EVIDENCE_PREFIX, EXPORTS_PREFIX, MANIFESTS_PREFIX, KeyKind

#: Where handlers find the deployed config: the config layer is mounted at /opt.
CONFIG_PATH_IN_LAMBDA = "/opt/vms/config.yaml"
INGEST_HANDLER = "functions.ingest.handler.handler"
SWEEP_HANDLER = "functions.sweep.handler.handler"
API_HANDLER = "functions.api.handler.handler"
EXPORT_HANDLER = "functions.export.handler.handler"
TOTALS_HANDLER = "functions.totals.handler.handler"
#: The totals Lambda's stream batches: up to this many records (a stream mapping's
#: maximum, so the batching window, aws.totals_window_s, or Lambda's 6 MB payload
#: cuts a batch, not the count: a fleet's 1,000 cameras at 60 s segments write 5,000
#: rows in 300 s), retried this often (each failed batch split in two) before it goes
#: to the failure queue.
TOTALS_BATCH_SIZE = 10_000
TOTALS_RETRY_ATTEMPTS = 10
#: What an export reads: the footage the catalog points at (originals, renditions,
#: held evidence) and its own job and parts; not thumbnails, status or quarantine.
EXPORT_SOURCES = (
    f"{KeyKind.SEGMENT.value}/",
    f"{KeyKind.RENDITION.value}/",
    EVIDENCE_PREFIX,
    MANIFESTS_PREFIX,  # an evidence package carries the signed manifests of its range
    EXPORTS_PREFIX,
)


@dataclass(frozen=True, slots=True)
class DataResources:
    """What the compute stack uses from the data stack."""

    bucket: s3.IBucket
    table: dynamodb.ITable
    queue: sqs.IQueue
    dlq: sqs.IQueue


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: DeploySettings,
        data: DataResources,
        api_environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self._settings = settings
        self._data = data
        self._factory = self._build_factory()
        self.ingest = self._build_ingest()
        self.sweep = self._build_sweep()
        self.export = self._build_export()
        self.rendition = build_rendition_function(self, self._factory, data.bucket)
        self.api = self._build_api(api_environment)
        allow_renditions(self.api, self.rendition)
        self.totals, self.totals_failures = self._build_totals()
        self.drill = build_drill_function(self, self._factory, data.bucket, data.table,
                                          settings.config.drills)  # fmt: skip
        self.alerts = build_alerts_function(self, self._factory, data.bucket, data.table,
                                            settings.aws.stack_prefix)  # fmt: skip

    @property
    def all(self) -> list[lambda_.Function]:
        return [self.ingest, self.sweep, self.api, self.export, self.totals, self.rendition,
                self.drill, self.alerts]  # fmt: skip

    def _build_factory(self) -> LambdaFactory:
        arch = self._settings.lambda_arch
        architecture = (
            lambda_.Architecture.ARM_64 if arch == "aarch64" else lambda_.Architecture.X86_64
        )
        return LambdaFactory(
            code_dir=artifacts.lambda_bundle(arch, RUNTIME_PYTHON),
            architecture=architecture,
            layers=[self._build_config_layer()],
            ffmpeg_layers=[self._build_ffmpeg_layer(architecture)],
            tracing=self._settings.aws.tracing,
            environment={
                "VMS_BUCKET": self._data.bucket.bucket_name,
                "VMS_TABLE": self._data.table.table_name,
                "VMS_CONFIG_PATH": CONFIG_PATH_IN_LAMBDA,
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": "INFO",
            },
            log_retention_days=self._settings.aws.log_retention_days,
        )

    def _build_ffmpeg_layer(self, architecture: lambda_.Architecture) -> lambda_.ILayerVersion:
        return lambda_.LayerVersion(
            self,
            "FfmpegLayer",
            code=lambda_.Code.from_asset(str(artifacts.ffmpeg_layer(self._settings.lambda_arch))),
            compatible_architectures=[architecture],
            compatible_runtimes=[RUNTIME],
            description=f"static ffmpeg {artifacts.FFMPEG_VERSION} at /opt/bin/ffmpeg",
        )

    def _build_config_layer(self) -> lambda_.ILayerVersion:
        return lambda_.LayerVersion(
            self,
            "ConfigLayer",
            code=lambda_.Code.from_asset(str(artifacts.config_layer(self._settings.config_path))),
            compatible_runtimes=[RUNTIME],
            description=f"cctv-vms config at {CONFIG_PATH_IN_LAMBDA}",
        )

    def _build_ingest(self) -> lambda_.Function:
        aws = self._settings.aws
        memory_mb = self._settings.config.ingest_memory_mb  # 512 MB unless a camera re-encodes
        spec = FunctionSpec(
            "Ingest", INGEST_HANDLER, memory_mb, INGEST_TIMEOUT_S, ephemeral_mb=2048,
            ffmpeg=True,  # the FFmpeg path: objects without a trustworthy description
        )  # fmt: skip
        function = self._factory.build(self, spec)
        bucket = self._data.bucket
        bucket.grant_read(function)
        bucket.grant_delete(function)  # quarantine is a copy then a delete
        # Not grant_put: it also allows PutObjectLegalHold/PutObjectRetention, and
        # placing or lifting evidence holds is not ingest's business.
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[bucket.arn_for_objects("*")],
            )
        )
        self._data.table.grant_read_write_data(function)
        function.add_event_source(
            sources.SqsEventSource(
                self._data.queue,
                batch_size=aws.ingest_batch_size,
                max_batching_window=Duration.seconds(5),
                report_batch_item_failures=True,
            )
        )
        return function

    def _build_sweep(self) -> lambda_.Function:
        # The net re-indexes an upload whose row is gone by sending its notification
        # to the ingest queue: no ffmpeg layer and no right to write footage here.
        spec = FunctionSpec("Sweep", SWEEP_HANDLER, 1024, 900)
        function = self._factory.build(self, spec)
        self._data.bucket.grant_read(function)  # includes s3:List*
        self._data.bucket.grant_delete(function)
        self._data.table.grant_read_write_data(function)
        self._data.queue.grant_send_messages(function)
        function.add_environment("VMS_INGEST_QUEUE_URL", self._data.queue.queue_url)
        run_at = self._settings.config.retention.run_at
        events.Rule(
            self,
            "SweepSchedule",
            description="daily retention sweep (UTC)",
            schedule=events.Schedule.cron(minute=str(run_at.minute), hour=str(run_at.hour)),
            targets=[targets.LambdaFunction(function, retry_attempts=2)],
        )
        self._allow_self_invoke(function, "SweepContinuation")  # hands on the cameras left
        return function

    def _allow_self_invoke(self, function: lambda_.Function, policy_id: str) -> None:
        """The sweep invokes itself with what it had no time for; a separate policy
        for the reason _allow_continuation gives."""
        role = function.role
        assert role is not None  # the factory lets Lambda create one
        iam.Policy(self, policy_id, roles=[role], statements=[iam.PolicyStatement(
            actions=["lambda:InvokeFunction"], resources=[function.function_arn]
        )])  # fmt: skip

    def _build_export(self) -> lambda_.Function:
        # 1769 MB is one full vCPU: stream copy is I/O bound, more buys nothing.
        # 10 GB of /tmp holds the parts of up to 2 h of footage and the joined file.
        # A shared clip is sent through the alert channels once cut (their secrets).
        secrets = alert_secret_prefix(self._settings.aws.stack_prefix)
        spec = FunctionSpec("Export", EXPORT_HANDLER, 1769, 900, ephemeral_mb=10240, ffmpeg=True,
                            environment={"VMS_ALERT_SECRET_PREFIX": secrets})  # fmt: skip
        function = self._factory.build(self, spec)
        function.add_to_role_policy(alert_secrets_read(self, secrets))
        bucket = self._data.bucket
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in EXPORT_SOURCES],
            )
        )
        # Parts and the result (multipart above 64 MB), and the parts' deletion
        # after the join. Not grant_put/grant_delete: no legal holds, no versions.
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"],
                resources=[bucket.arn_for_objects(f"{EXPORTS_PREFIX}*")],
            )
        )
        self._data.table.grant_read_data(function)  # queries the camera's segments
        function.add_to_role_policy(_list_bucket(self._data.bucket))
        self._allow_continuation(function)
        return function

    def _allow_continuation(self, function: lambda_.Function) -> None:
        """A long export invokes itself again before its timeout. Not in the role's
        default policy (what grant_invoke does): the function waits for that policy
        (DependsOn) while this statement needs the function's ARN, a cycle that
        CloudFormation rejects. A separate policy depends on the function instead."""
        role = function.role
        assert role is not None  # the factory lets Lambda create one
        iam.Policy(
            self,
            "ExportContinuation",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"], resources=[function.function_arn]
                )
            ],
        )

    def _build_api(self, extra_environment: Mapping[str, str]) -> lambda_.Function:
        # Live URLs are signed with the camera's site key (live_keys.py, data stack),
        # read by name on first use: <prefix><SITE>.
        stack_prefix = self._settings.aws.stack_prefix
        environment = {
            "VMS_EXPORT_FUNCTION": self.export.function_name,
            "VMS_LIVE_KEY_PREFIX": live_key_prefix(stack_prefix),
            **extra_environment,
        }
        spec = FunctionSpec("Api", API_HANDLER, 1024, 29, environment=environment)
        function = self._factory.build(self, spec)
        function.add_to_role_policy(live_keys_read_statement(self, stack_prefix))
        bucket = self._data.bucket
        # Presigned GETs are signed with this role, so it needs s3:GetObject, and
        # nothing more: not grant_read, which adds List* and GetBucket*.
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects("*")])
        )
        function.add_to_role_policy(_list_bucket(bucket))
        # Creating an export writes its job.json; the export function does the rest.
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{EXPORTS_PREFIX}*")]
            )
        )
        # The unqualified ARN only (grant_invoke adds <arn>:* for versions and aliases,
        # which nothing here uses): the API starts exports by function name.
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[self.export.function_arn]
            )
        )
        for statement in _evidence_holds(bucket):
            function.add_to_role_policy(statement)
        self._data.table.grant_read_write_data(function)  # the audit trail
        return function

    def _build_totals(self) -> tuple[lambda_.Function, sqs.Queue]:
        """Camera totals from the table's stream (segment rows only: the filter keeps
        the totals' own updates from invoking it again). A batch that keeps failing
        is split until the bad record stands alone; its metadata then goes to the
        failure queue instead of blocking the shard."""
        function = self._factory.build(self, FunctionSpec("Totals", TOTALS_HANDLER, 256, 60))
        self._data.table.grant_read_write_data(function)  # writes only the totals items
        failures = sqs.Queue(
            self, "TotalsFailures", encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True, retention_period=Duration.days(14),
        )  # fmt: skip
        NagSuppressions.add_resource_suppressions(failures, [NagPackSuppression(
            id="AwsSolutions-SQS3",
            reason="This queue is the stream mapping's on-failure destination: it holds the "
            "shard and sequence range of a batch that failed every retry, for an operator; "
            "nothing consumes it, so it needs no dead-letter queue of its own.",
        )])  # fmt: skip
        function.add_event_source(
            sources.DynamoEventSource(
                self._data.table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=TOTALS_BATCH_SIZE,
                max_batching_window=Duration.seconds(self._settings.aws.totals_window_s),
                bisect_batch_on_error=True,
                retry_attempts=TOTALS_RETRY_ATTEMPTS,
                on_failure=sources.SqsDlq(failures),
                filters=[_segment_rows_only()],
            )
        )
        return function, failures


def _segment_rows_only() -> Mapping[str, Any]:
    """An event filter: stream records of segment rows (pk ``CAM#...``) only."""
    rule = lambda_.FilterRule.begins_with(segment_pk(""))
    return lambda_.FilterCriteria.filter({"dynamodb": {"Keys": {"pk": {"S": rule}}}})


def _evidence_holds(bucket: s3.IBucket) -> list[iam.PolicyStatement]:
    """What POST/DELETE /api/evidence/holds (admins only) do in S3: copy footage under
    evidence/ (PutObject there; the source is read with GetObject) and delete the
    original (a delete marker: its versions expire with their class), then set or
    lift the legal hold of the copies; a release lists the copy's versions (a held
    version under a delete marker is released too). Legal holds on evidence/ only.
    Signed manifests are copied, never deleted (footage.services.evidence_manifests):
    a release deletes only its copies under evidence/manifests/ once no hold covers
    them (held footage copies are the sweep's to delete once past retention)."""
    evidence = bucket.arn_for_objects(f"{EVIDENCE_PREFIX}*")
    footage = [bucket.arn_for_objects(f"{kind}/*") for kind in KeyKind]
    held_manifests = bucket.arn_for_objects(f"{EVIDENCE_PREFIX}{MANIFESTS_PREFIX}*")
    return [
        iam.PolicyStatement(actions=["s3:PutObject"], resources=[evidence]),
        iam.PolicyStatement(actions=["s3:DeleteObject"], resources=[*footage, held_manifests]),
        iam.PolicyStatement(
            actions=["s3:PutObjectLegalHold", "s3:GetObjectLegalHold"], resources=[evidence]
        ),
        iam.PolicyStatement(
            actions=["s3:ListBucketVersions"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{EVIDENCE_PREFIX}*"]}},
        ),
    ]


def _list_bucket(bucket: s3.IBucket) -> iam.PolicyStatement:
    """Without s3:ListBucket, S3 answers 403 instead of 404 for a missing object, and
    "not there yet" (a site's first status report, a deleted segment, an unknown
    export id) would look like "access denied". Key names only: the index names
    every object anyway."""
    return iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
