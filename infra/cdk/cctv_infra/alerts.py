"""The fleet's alerts in AWS (functions/alerts/handler.py): every minute one small
Lambda reads the sites' status reports (only those that changed since its last
run), evaluates the alert rules (footage.alerts), records alerts and their
deliveries in the footage table and sends them through the configured channels
(Telegram, e-mail, webhooks, web push), their secrets read from Secrets Manager
by name (``<stack_prefix>/alerts/<name>``, created by the admin).

It replaces one CloudWatch metric and one alarm per site (about $0.40 a site a
month, $0.08 a camera-month at five cameras a site) with one metric and one
alarm for the fleet: ``SitesSilent``, the number of sites whose edge has not
reported within the rule's threshold, so the alarm topic's e-mail still says
when a site goes silent even before any channel is set up.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, Stack
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
from footage.keys import STATUS_PREFIX

ALERTS_HANDLER = "functions.alerts.handler.handler"
ALERTS_MEMORY_MB = 256
ALERTS_TIMEOUT_S = 50  # within the minute: runs never overlap
SILENT_METRIC = "SitesSilent"
ALERT_TABLE_ACTIONS = [
    "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
]  # fmt: skip
#: The alert items' partition keys (footage.adapters.dynamodb_alerts).
ALERT_KEYS_PATTERN = "ALERTS#*"


def alert_secret_prefix(stack_prefix: str) -> str:
    return f"{stack_prefix}/alerts/"


def build_alerts_function(
    scope: Construct,
    factory: LambdaFactory,
    bucket: s3.IBucket,
    table: dynamodb.ITable,
    stack_prefix: str,
) -> lambda_.Function:
    prefix = alert_secret_prefix(stack_prefix)
    spec = FunctionSpec("Alerts", ALERTS_HANDLER, ALERTS_MEMORY_MB, ALERTS_TIMEOUT_S,
                        environment={"VMS_ALERT_SECRET_PREFIX": prefix})  # fmt: skip
    function = factory.build(scope, spec)
    function.configure_async_invoke(retry_attempts=0)  # the next minute's run is the retry
    function.add_to_role_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"{STATUS_PREFIX}*")]
        )
    )
    function.add_to_role_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{STATUS_PREFIX}*"]}},
        )
    )
    function.add_to_role_policy(
        iam.PolicyStatement(
            actions=ALERT_TABLE_ACTIONS,
            resources=[table.table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [ALERT_KEYS_PATTERN]}},
        )
    )
    function.add_to_role_policy(alert_secrets_read(scope, prefix))
    events.Rule(
        scope,
        "AlertsSchedule",
        description="evaluate the fleet's alert rules and send what is due",
        schedule=events.Schedule.rate(Duration.minutes(1)),
        targets=[targets.LambdaFunction(function, retry_attempts=0)],
    )
    return function


def alert_secrets_read(scope: Construct, prefix: str) -> iam.PolicyStatement:
    """GetSecretValue on the channels' secrets (the alerts Lambda; the export Lambda
    for shared clips)."""
    arn = Stack.of(scope).format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=f"{prefix}*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    return iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[arn])


def silent_sites_alarm(scope: Construct, topic: sns.ITopic) -> cloudwatch.Alarm:
    """Any site silent (the Alerts page and the channels say which), or the
    evaluation itself not running (no datapoint for 10 minutes)."""
    return service_metric_alarm(
        scope, "SilentSites", topic, (SILENT_METRIC, "Maximum", Duration.minutes(5)),
        "a site's edge has not reported for the site_silent threshold (the Alerts page "
        "says which), or the alert evaluation stopped running",
        evaluation_periods=2, missing=cloudwatch.TreatMissingData.BREACHING,
    )  # fmt: skip
