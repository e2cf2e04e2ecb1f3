"""The optional WAF web ACL (aws.waf): its own stack in us-east-1, wired into the
viewer's distribution by a cross-region reference; off by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk.assertions import Annotations, Template
from cctv_infra.application import Deployment
from cctv_infra.waf import MANAGED_RULE_GROUPS, RATE_RULE
from cfnlint.api import ManualArgs, lint_file

from footage.config import AwsDeployment
from tests.infra.conftest import WAF_RATE_LIMIT
from tests.infra.template_helpers import logical_id, only, resources
from tests.infra.test_template_checks import ALLOWED_WARNINGS, NAG_FINDING, suppressions


def distribution(template: Template) -> dict[str, Any]:
    config: dict[str, Any] = only(template, "AWS::CloudFront::Distribution")["Properties"][
        "DistributionConfig"
    ]
    return config


def test_waf_is_off_by_default(deployment: Deployment) -> None:
    assert AwsDeployment().waf is False
    assert deployment.waf is None
    compute = Template.from_stack(deployment.compute)
    assert "WebACLId" not in distribution(compute)
    reasons = {s["id"] for s in suppressions(compute)}
    assert "AwsSolutions-CFR2" in reasons  # the missing WAF is a written decision


def test_the_web_acl_is_cloudfront_scope_in_us_east_1(waf_deployment: Deployment) -> None:
    assert waf_deployment.waf is not None
    assert waf_deployment.waf.region == "us-east-1"
    assert waf_deployment.compute.region == "ap-southeast-3"
    acl = only(Template.from_stack(waf_deployment.waf), "AWS::WAFv2::WebACL")["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}
    assert acl["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True


def test_rules_rate_limit_first_then_the_managed_groups(waf_deployment: Deployment) -> None:
    assert waf_deployment.waf is not None
    acl = only(Template.from_stack(waf_deployment.waf), "AWS::WAFv2::WebACL")["Properties"]
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    assert sorted(rules, key=lambda name: rules[name]["Priority"]) == [
        RATE_RULE,
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesCommonRuleSet",
    ]
    rate = rules[RATE_RULE]
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"] == {
        "AggregateKeyType": "IP", "Limit": WAF_RATE_LIMIT, "EvaluationWindowSec": 300
    }  # fmt: skip
    for group in MANAGED_RULE_GROUPS:
        statement = rules[group]["Statement"]["ManagedRuleGroupStatement"]
        assert statement == {"VendorName": "AWS", "Name": group}  # no rule switched off
        assert rules[group]["OverrideAction"] == {"None": {}}  # the groups' own blocks stand
    assert len({rule["Priority"] for rule in acl["Rules"]}) == len(acl["Rules"])


def test_the_distribution_uses_the_acl_through_a_cross_region_reference(
    waf_deployment: Deployment,
) -> None:
    assert waf_deployment.waf is not None
    waf = Template.from_stack(waf_deployment.waf)
    acl_id = logical_id(waf, "AWS::WAFv2::WebACL")
    writer = only(waf, "Custom::CrossRegionExportWriter")["Properties"]["WriterProps"]
    assert writer["region"] == "ap-southeast-3"
    (parameter,) = [name for name, value in writer["exports"].items()
                    if value == {"Fn::GetAtt": [acl_id, "Arn"]}]  # fmt: skip
    compute = Template.from_stack(waf_deployment.compute)
    reader = logical_id(compute, "Custom::CrossRegionExportReader")
    assert distribution(compute)["WebACLId"] == {"Fn::GetAtt": [reader, parameter]}


def waf_stacks(deployment: Deployment) -> list[tuple[Any, str]]:
    """What the WAF changes (the data stack is the same as without it)."""
    assert deployment.waf is not None
    return [(deployment.compute, "ap-southeast-3"), (deployment.waf, "us-east-1")]


def test_nag_and_cfn_lint_stay_clean_with_the_waf(waf_deployment: Deployment) -> None:
    outdir = Path(waf_deployment.app.outdir)
    for stack, region in waf_stacks(waf_deployment):
        annotations = Annotations.from_stack(stack)
        findings = [*annotations.find_error("*", NAG_FINDING),
                    *annotations.find_warning("*", NAG_FINDING)]  # fmt: skip
        assert [f"{f.id}: {str(f.entry.data)[:120]}" for f in findings] == []
        matches = lint_file(outdir / stack.template_file, ManualArgs(regions=[region]))
        assert {m.rule.id for m in matches} - ALLOWED_WARNINGS == set(), stack.stack_name
    compute = Template.from_stack(waf_deployment.compute)
    assert "AwsSolutions-CFR2" not in {s["id"] for s in suppressions(compute)}


def test_outputs_name_the_acl(waf_deployment: Deployment) -> None:
    assert waf_deployment.waf is not None
    waf = Template.from_stack(waf_deployment.waf)
    assert "ViewerWebAclArn" in waf.to_json()["Outputs"]
    assert resources(waf, "AWS::WAFv2::WebACL")
