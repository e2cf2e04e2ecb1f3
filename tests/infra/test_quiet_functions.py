"""Quiet by default: X-Ray behind aws.tracing; the totals Lambda reads the table's stream."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template
from cctv_infra.lambda_factory import FunctionSpec, LambdaFactory
from cctv_infra.lambdas import SWEEP_HANDLER, TOTALS_BATCH_SIZE, TOTALS_HANDLER

from footage.config import AwsDeployment
from tests.infra.template_helpers import logical_id, only, resources


def _function(tmp_path: Path, *, tracing: bool) -> dict[str, object]:
    (tmp_path / "handler.py").write_text("def handler(event, context):\n    return None\n")
    stack = Stack(App(), "S")
    factory = LambdaFactory(tmp_path, lambda_.Architecture.ARM_64, [], {}, 7, tracing=tracing)
    factory.build(stack, FunctionSpec("F", "handler.handler", 128, 3))
    return dict(only(Template.from_stack(stack), "AWS::Lambda::Function")["Properties"])


def test_tracing_is_off_unless_the_deploy_config_turns_it_on(tmp_path: Path) -> None:
    assert AwsDeployment().tracing is False
    off = _function(tmp_path, tracing=False)
    assert "TracingConfig" not in off
    assert off["Environment"] == {"Variables": {"POWERTOOLS_TRACE_DISABLED": "true"}}
    on = _function(tmp_path, tracing=True)
    assert on["TracingConfig"] == {"Mode": "Active"}
    assert "POWERTOOLS_TRACE_DISABLED" not in str(on.get("Environment"))


def test_deployed_functions_carry_no_xray_by_default(compute_template: Template) -> None:
    for function in resources(compute_template, "AWS::Lambda::Function").values():
        props = function["Properties"]
        if props["Handler"].startswith("functions."):
            assert "TracingConfig" not in props
            assert props["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == "true"


def test_totals_reads_segment_rows_from_the_stream_in_batches(
    compute_template: Template,
) -> None:
    totals = logical_id(compute_template, "AWS::Lambda::Function",
                        {"Properties": {"Handler": TOTALS_HANDLER}})  # fmt: skip
    mapping = only(compute_template, "AWS::Lambda::EventSourceMapping",
                   {"Properties": {"FunctionName": {"Ref": totals}}})["Properties"]  # fmt: skip
    assert "StreamArn" in str(mapping["EventSourceArn"])
    # a batch is cut by its window (AWS's longest), not by its count: one totals write
    # per camera per 5 minutes, however many cameras the fleet has (issue 17)
    assert mapping["BatchSize"] == TOTALS_BATCH_SIZE == 10_000
    assert mapping["MaximumBatchingWindowInSeconds"] == AwsDeployment().totals_window_s == 300
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert "OnFailure" in mapping["DestinationConfig"]
    (pattern,) = [f["Pattern"] for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern == '{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"CAM#"}]}}}}'


def test_the_sweep_may_invoke_itself_to_hand_on_what_is_left(compute_template: Template) -> None:
    sweep = logical_id(compute_template, "AWS::Lambda::Function",
                       {"Properties": {"Handler": SWEEP_HANDLER}})  # fmt: skip
    policies = [p["Properties"] for p in resources(compute_template, "AWS::IAM::Policy").values()
                if "SweepContinuation" in p["Properties"]["PolicyName"]]  # fmt: skip
    (statement,) = policies[0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == {"Fn::GetAtt": [sweep, "Arn"]}
