"""The optional WAF web ACL of the viewer's CloudFront distribution (``aws.waf``).

A CloudFront-scope web ACL must be created in us-east-1, so it has its own stack
there; the compute stack gets its ARN through a CDK cross-region reference (an SSM
parameter in us-east-1 written at deploy time and read by a custom resource), which
synthesizes offline like everything else.

Rules, cheapest first: a per-IP rate limit, then AWS's managed IP reputation list,
known bad inputs (Log4j, Java deserialization...) and the common rule set (the
OWASP-style core). The three managed groups have no subscription fee; each rule is
$1/month, the web ACL $5/month and requests $0.60 per million (README).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from cctv_infra.settings import DeploySettings

#: A CloudFront web ACL lives here, whatever the deployment's region.
WAF_REGION = "us-east-1"
#: name -> priority; the rate limit comes first so a flood is dropped before the rest.
MANAGED_RULE_GROUPS = {
    "AWSManagedRulesAmazonIpReputationList": 1,
    "AWSManagedRulesKnownBadInputsRuleSet": 2,
    "AWSManagedRulesCommonRuleSet": 3,
}
RATE_RULE = "RateLimitPerIp"


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


class ViewerWebAcl(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, name: str, rate_limit: int) -> None:
        super().__init__(scope, construct_id)
        rules = [self._build_rate_rule(rate_limit), *self._build_managed_rules()]
        self.acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(name),
            rules=rules,
        )

    def _build_rate_rule(self, limit: int) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=RATE_RULE,
            priority=0,
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    aggregate_key_type="IP", limit=limit, evaluation_window_sec=300
                )
            ),
            visibility_config=_visibility(RATE_RULE),
        )

    def _build_managed_rules(self) -> list[wafv2.CfnWebACL.RuleProperty]:
        return [
            wafv2.CfnWebACL.RuleProperty(
                name=group,
                priority=priority,
                # none: keep each group's own actions (block)
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=group
                    )
                ),
                visibility_config=_visibility(group),
            )
            for group, priority in MANAGED_RULE_GROUPS.items()
        ]


class WafStack(Stack):
    """Only the web ACL, in us-east-1; deployed before the compute stack that uses it."""

    def __init__(
        self, scope: Construct, construct_id: str, settings: DeploySettings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        aws = settings.aws
        self.web_acl = ViewerWebAcl(
            self, "Viewer", name=f"{aws.stack_prefix}-viewer", rate_limit=aws.waf_rate_limit
        )
        CfnOutput(self, "ViewerWebAclArn", value=self.web_acl.acl.attr_arn)

    @property
    def web_acl_arn(self) -> str:
        return self.web_acl.acl.attr_arn
