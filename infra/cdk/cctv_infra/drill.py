"""The restore drill Lambda (footage.services.drill, functions/drill/handler.py):
daily at drills.run_at, it reads sampled footage and the manifests that vouch for
it, decodes it (ffmpeg), and records the run in the footage table. It may read
footage and write drill items, nothing more; an alarm on the topic fires when a
run finds a segment that does not hold what was recorded."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from cctv_infra.alarms import service_metric_alarm
from cctv_infra.lambda_factory import FunctionSpec, LambdaFactory
from footage.adapters.dynamodb_models import DRILLS_PK
from footage.config import DrillsConfig
from footage.keys import EVIDENCE_PREFIX, MANIFESTS_PREFIX, KeyKind

DRILL_HANDLER = "functions.drill.handler.handler"
#: 1.7 vCPU for the decode; the run stops fetching 2 min before the timeout
#: (footage.services.drill.RESERVE_S) and records what it checked.
DRILL_MEMORY_MB = 3008
DRILL_TIMEOUT_S = 900
#: room for one segment at a time (a 5 min 4K segment is ~300 MB)
DRILL_EPHEMERAL_MB = 1024
#: what a drill reads: the footage the catalog points at and the signed manifests
DRILL_SOURCES = (
    f"{KeyKind.SEGMENT.value}/",
    f"{KeyKind.RENDITION.value}/",
    EVIDENCE_PREFIX,
    MANIFESTS_PREFIX,
)
FAILED_METRIC = "DrillFailed"


def build_drill_function(
    scope: Construct,
    factory: LambdaFactory,
    bucket: s3.IBucket,
    table: dynamodb.ITable,
    drills: DrillsConfig,
) -> lambda_.Function:
    spec = FunctionSpec("Drill", DRILL_HANDLER, DRILL_MEMORY_MB, DRILL_TIMEOUT_S,
                        ephemeral_mb=DRILL_EPHEMERAL_MB, ffmpeg=True)  # fmt: skip
    function = factory.build(scope, spec)
    function.add_to_role_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject"],
            resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in DRILL_SOURCES],
        )
    )
    # Manifests are found by listing a site's day; a missing segment is then a 404
    # (reported as missing), not a 403.
    function.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
    )
    table.grant_read_data(function)  # the index: totals and a camera's rows
    function.add_to_role_policy(
        iam.PolicyStatement(
            actions=["dynamodb:PutItem"],
            resources=[table.table_arn],
            conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [DRILLS_PK]}},
        )
    )
    at = drills.run_at
    events.Rule(
        scope,
        "DrillSchedule",
        description="daily restore drill (UTC)",
        enabled=drills.enabled,
        schedule=events.Schedule.cron(minute=str(at.minute), hour=str(at.hour)),
        targets=[targets.LambdaFunction(function, retry_attempts=2)],
    )
    return function


def drill_failure_alarm(scope: Construct, topic: sns.ITopic) -> cloudwatch.Alarm:
    """A drill found a segment missing, altered or undecodable (the log line and
    the status page name it)."""
    return service_metric_alarm(
        scope, "DrillFailures", topic, (FAILED_METRIC, "Sum", Duration.hours(1)),
        "a restore drill found footage that does not hold what was recorded (missing, "
        "altered or undecodable): see the status page",
        evaluation_periods=1, missing=cloudwatch.TreatMissingData.NOT_BREACHING,
    )  # fmt: skip
