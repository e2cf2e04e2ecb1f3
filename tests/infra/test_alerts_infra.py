"""The alerts Lambda: every minute, reads status reports only, writes alert items
only, reads its channel secrets by name prefix; one SilentSites alarm for the
fleet (none per site), breaching when the evaluation stops reporting too."""

from __future__ import annotations

from aws_cdk.assertions import Template
from cctv_infra.alerts import (
    ALERT_TABLE_ACTIONS,
    ALERTS_HANDLER,
    ALERTS_MEMORY_MB,
    ALERTS_TIMEOUT_S,
    SILENT_METRIC,
)

from tests.infra.template_helpers import as_list, logical_id, only, resources
from tests.infra.test_compute_stack import by_actions, function_id, object_arns, role_statements


def test_the_alerts_function_runs_every_minute_and_never_overlaps(
    compute_template: Template,
) -> None:
    fid = function_id(compute_template, ALERTS_HANDLER)
    function = resources(compute_template, "AWS::Lambda::Function")[fid]["Properties"]
    assert (function["MemorySize"], function["Timeout"]) == (ALERTS_MEMORY_MB, ALERTS_TIMEOUT_S)
    assert ALERTS_TIMEOUT_S < 60
    assert len(function["Layers"]) == 1  # the config layer; no ffmpeg
    assert function["Environment"]["Variables"]["VMS_ALERT_SECRET_PREFIX"] == "cctv-vms/alerts/"
    rule = only(compute_template, "AWS::Events::Rule",
                {"Properties": {"ScheduleExpression": "rate(1 minute)"}})["Properties"]  # fmt: skip
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": [fid, "Arn"]}
    invoke = only(compute_template, "AWS::Lambda::EventInvokeConfig")["Properties"]
    assert invoke["MaximumRetryAttempts"] == 0  # the next minute is the retry


def test_the_alerts_function_reads_reports_and_writes_alert_items_only(
    compute_template: Template,
) -> None:
    found = by_actions(role_statements(compute_template, ALERTS_HANDLER))
    traces = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
    assert set(found) - {traces} == {
        ("s3:GetObject",), ("s3:ListBucket",), tuple(ALERT_TABLE_ACTIONS),
        ("secretsmanager:GetSecretValue",),
    }  # fmt: skip
    assert object_arns(compute_template, found[("s3:GetObject",)]) == ["<bucket>/status/*"]
    assert found[("s3:ListBucket",)]["Condition"] == {"StringLike": {"s3:prefix": ["status/*"]}}
    table = found[tuple(ALERT_TABLE_ACTIONS)]
    assert table["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["ALERTS#*"]}}
    assert "dynamodb:Scan" not in as_list(table["Action"])
    secret = str(found[("secretsmanager:GetSecretValue",)]["Resource"])
    assert "secret:cctv-vms/alerts/*" in secret


def test_one_silent_sites_alarm_for_the_fleet(compute_template: Template) -> None:
    alarm = only(compute_template, "AWS::CloudWatch::Alarm",
                 {"Properties": {"MetricName": SILENT_METRIC}})["Properties"]  # fmt: skip
    assert (alarm["Namespace"], alarm["Statistic"]) == ("CctvVms", "Maximum")
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
    assert alarm["TreatMissingData"] == "breaching"  # the evaluation itself stopped
    assert alarm["AlarmActions"] == [{"Ref": logical_id(compute_template, "AWS::SNS::Topic")}]
