"""Build the CDK app: the data and compute stacks (and, with ``aws.waf``, the viewer's
web ACL in us-east-1) from one config file, checked by cdk-nag."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import App, Environment

from cctv_infra import nag
from cctv_infra.compute_stack import ComputeStack
from cctv_infra.data_stack import DataStack
from cctv_infra.lambdas import DataResources
from cctv_infra.settings import DeploySettings, config_path_from, load_settings
from cctv_infra.waf import WAF_REGION, WafStack

#: Feature flags are set here, not only in cdk.json, so tests get the same app.
FEATURE_FLAGS = {
    # Grant S3 server-access logging through a bucket policy, so log buckets
    # can keep ACLs disabled (BucketOwnerEnforced).
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
}


@dataclass(frozen=True, slots=True)
class Deployment:
    app: App
    settings: DeploySettings
    data: DataStack
    compute: ComputeStack
    waf: WafStack | None = None


def build_app(config_path: Path | None = None, outdir: str | None = None) -> Deployment:
    """``config_path`` None: ``-c config=...``, then $VMS_CONFIG, then the example."""
    app = App(outdir=outdir, context=FEATURE_FLAGS)
    settings = load_settings(config_path or config_path_from(app.node.try_get_context("config")))
    env = Environment(
        account=settings.aws.account or os.environ.get("CDK_DEFAULT_ACCOUNT"),
        region=settings.aws.region,
    )
    # Construct id = stack name, so `cdk deploy cctv-vms-data` selects it by that name.
    data = DataStack(app, settings.stack_name("data"), settings, env=env)
    resources = DataResources(data.bucket, data.table, data.queue, data.dlq)
    waf = _waf_stack(app, settings, env)
    compute = ComputeStack(
        app, settings.stack_name("compute"), settings, resources,
        web_acl_arn=waf.web_acl_arn if waf else None,
        env=env, cross_region_references=waf is not None,
    )  # fmt: skip
    nag.add_checks(app)
    nag.suppress_data(data)
    nag.suppress_compute(
        compute, has_domain=settings.aws.domain is not None, has_waf=waf is not None
    )
    return Deployment(app, settings, data, compute, waf)


def _waf_stack(app: App, settings: DeploySettings, env: Environment) -> WafStack | None:
    """The web ACL's stack in us-east-1 (CloudFront's scope), when ``aws.waf`` is on."""
    if not settings.aws.waf:
        return None
    waf_env = Environment(account=env.account, region=WAF_REGION)
    return WafStack(
        app, settings.stack_name("waf"), settings, env=waf_env, cross_region_references=True
    )
