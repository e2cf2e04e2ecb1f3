"""Alarms to one SNS topic: dead letters and function errors (silent sites: alerts.py)."""

from __future__ import annotations

from collections.abc import Mapping

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

PERIOD = Duration.minutes(5)


class Alarms(Construct):
    """The topic, and the alarms of the compute stack's own resources."""

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


def service_metric_alarm(
    scope: Construct,
    construct_id: str,
    topic: sns.ITopic,
    metric: tuple[str, str, Duration],
    description: str,
    evaluation_periods: int,
    missing: cloudwatch.TreatMissingData,
) -> cloudwatch.Alarm:
    """An alarm to ``topic`` when one of our functions' metrics (``metric``: name,
    statistic, period; the service dimension Powertools adds) goes above 0."""
    name, statistic, period = metric
    alarm = cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_description=description,
        metric=cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=name,
            dimensions_map={"service": SERVICE_NAME},
            statistic=statistic,
            period=period,
        ),
        threshold=0,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=evaluation_periods,
        treat_missing_data=missing,
    )
    alarm.add_alarm_action(actions.SnsAction(topic))
    return alarm
