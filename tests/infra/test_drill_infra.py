"""The restore drill Lambda: ffmpeg, daily at drills.run_at, reads footage and
manifests and writes drill items only (no PutObject, no legal holds, no other
table item); an alarm on the topic when a run fails a segment."""

from __future__ import annotations

from aws_cdk.assertions import Template
from cctv_infra.drill import (
    DRILL_EPHEMERAL_MB,
    DRILL_HANDLER,
    DRILL_MEMORY_MB,
    DRILL_TIMEOUT_S,
    FAILED_METRIC,
)

from tests.infra.template_helpers import as_list, logical_id, only, resources
from tests.infra.test_compute_stack import by_actions, function_id, object_arns, role_statements

READS = ("dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:Scan",
         "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable")  # fmt: skip


def test_the_drill_function_decodes_with_ffmpeg(compute_template: Template) -> None:
    function = resources(compute_template, "AWS::Lambda::Function")[
        function_id(compute_template, DRILL_HANDLER)
    ]["Properties"]
    assert (function["MemorySize"], function["Timeout"]) == (DRILL_MEMORY_MB, DRILL_TIMEOUT_S)
    assert function["EphemeralStorage"] == {"Size": DRILL_EPHEMERAL_MB}
    assert len(function["Layers"]) == 2  # the config layer and ffmpeg's


def test_the_drill_runs_daily_at_drills_run_at(compute_template: Template) -> None:
    drill = {"Properties": {"Description": "daily restore drill (UTC)"}}
    rule = only(compute_template, "AWS::Events::Rule", drill)["Properties"]
    assert rule["ScheduleExpression"] == "cron(0 3 * * ? *)"  # drills.run_at: 03:00 UTC
    assert rule["State"] == "ENABLED"
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id(compute_template, DRILL_HANDLER), "Arn"]}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2}


def test_the_drill_reads_footage_and_writes_drill_items_only(compute_template: Template) -> None:
    found = by_actions(role_statements(compute_template, DRILL_HANDLER))
    assert set(found) == {
        ("s3:GetObject",),
        ("s3:ListBucket",),  # a missing segment is a 404 (missing), not a 403
        READS,  # grant_read_data: totals, a camera's rows, the drill runs
        ("dynamodb:GetRecords", "dynamodb:GetShardIterator"),
        ("dynamodb:PutItem",),
    }
    reads = object_arns(compute_template, found[("s3:GetObject",)])
    assert reads == ["<bucket>/segments/*", "<bucket>/renditions/*", "<bucket>/evidence/*",
                     "<bucket>/manifests/*"]  # fmt: skip
    assert "FootageBucket" in str(found[("s3:ListBucket",)]["Resource"])
    put = found[("dynamodb:PutItem",)]
    assert put["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["DRILLS"]}}
    actions = {a for s in found.values() for a in as_list(s["Action"])}
    assert not {a for a in actions if a.startswith("s3:Put") or a.startswith("s3:Delete")}
    assert not {"s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:*", "dynamodb:*"} & actions
    assert not {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & actions


def test_a_failed_drill_alarms_to_the_topic(compute_template: Template) -> None:
    alarm = only(compute_template, "AWS::CloudWatch::Alarm",
                 {"Properties": {"MetricName": FAILED_METRIC}})["Properties"]  # fmt: skip
    assert (alarm["Namespace"], alarm["Statistic"]) == ("CctvVms", "Sum")
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "cctv-vms"}]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": logical_id(compute_template, "AWS::SNS::Topic")}]
