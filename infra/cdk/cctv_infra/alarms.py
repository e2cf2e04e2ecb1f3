"""Alarms to one SNS topic: dead letters, function errors, and silent sites."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cctv_infra.settings import METRICS_NAMESPACE, SERVICE_NAME

#: Emitted by the ingest handler (Powertools Metrics adds the service dimension).
SEGMENTS_METRIC = "SegmentsIngested"
PERIOD = Duration.minutes(5)
#: CloudWatch's hard limit of metrics in one metric-math alarm.
SITES_PER_ALARM = 10
#: The fewest segments any of the alarm's sites ingested in a period; a site with
#: no datapoint counts 0 (FILL), so one silent site is enough to breach.
STALE_EXPRESSION = "MIN(FILL(METRICS(), 0))"


def stale_site_metric(site_id: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=SEGMENTS_METRIC,
        dimensions_map={"service": SERVICE_NAME, "site": site_id},
        statistic="Sum",
        period=PERIOD,
    )


class Alarms(Construct):
    """The topic, and the alarms of the compute stack's own resources; each site's
    stale alarm lives with the site's other resources (site_stacks.py)."""

    def __init__(self, scope: Construct, construct_id: str, *, email: str | None) -> None:
        super().__init__(scope, construct_id)
        self.topic = self._build_topic()
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

    def dead_letters(self, dlq: sqs.IQueue) -> None:
        metric = dlq.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic="Maximum"
        )
        self._alarm("DeadLetters", metric, "ingest messages failed 5 times", threshold=0)

    def function_errors(self, functions: Mapping[str, lambda_.IFunction]) -> None:
        for name, function in functions.items():
            metric = function.metric_errors(period=PERIOD, statistic="Sum")
            self._alarm(f"{name}Errors", metric, f"{name} function errors", threshold=0)

    def _alarm(self, name: str, metric: cloudwatch.Metric, text: str, threshold: float) -> None:
        cloudwatch.Alarm(
            self,
            name,
            alarm_description=text,
            metric=metric,
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ).add_alarm_action(actions.SnsAction(self.topic))

    def _build_topic(self) -> sns.Topic:
        # A customer-managed key, not alias/aws/sns: the AWS-managed key's policy
        # cannot be changed to let CloudWatch publish, so alarms would fail silently.
        key = kms.Key(
            self,
            "TopicKey",
            description="alarm topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,  # it protects alarms, not footage
            pending_window=Duration.days(7),
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" means this key
            )
        )
        return sns.Topic(self, "Topic", master_key=key, enforce_ssl=True)


def stale_site_alarms(
    scope: Construct, topic: sns.ITopic, site_ids: Sequence[str], stale_minutes: int
) -> int:
    """One alarm per SITES_PER_ALARM sites (was one per site): it fires when any
    of them ingested no segment for ``stale_minutes`` (the periods it spans),
    and names its sites; the status page says which one is silent. Returns the
    number of alarms. The cost is CloudWatch's per metric, as before."""
    periods = math.ceil(stale_minutes / PERIOD.to_minutes())
    groups = [site_ids[i : i + SITES_PER_ALARM] for i in range(0, len(site_ids), SITES_PER_ALARM)]
    for number, group in enumerate(groups, start=1):
        expression = cloudwatch.MathExpression(
            expression=STALE_EXPRESSION,
            using_metrics={f"s{n}": stale_site_metric(site) for n, site in enumerate(group)},
            period=PERIOD,
            label="fewest segments ingested by one site",
        )
        cloudwatch.Alarm(
            scope,
            f"StaleSites{number}",
            alarm_description=f"a site of {', '.join(group)}: no segment ingested for "
            f"{stale_minutes} minutes (the status page says which)",
            metric=expression,
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=periods,
            # No datapoints at all is exactly the failure: every site silent.
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        ).add_alarm_action(actions.SnsAction(topic))
    return len(groups)
