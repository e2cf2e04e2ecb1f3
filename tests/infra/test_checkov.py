"""checkov over the synthesized templates (with and without the WAF): no failed check
without a written, scoped skip (cctv_infra/checkov_skips.py), and no stale skip."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aws_cdk import NestedStack
from cctv_infra.application import Deployment
from cctv_infra.checkov_skips import SKIPS, Skip

from tests.infra.checkov import Report, run_checkov


@pytest.fixture(scope="session")
def report(deployment: Deployment, outdir: Path, waf_deployment: Deployment) -> Report:
    assert waf_deployment.waf is not None
    waf_out = Path(waf_deployment.app.outdir)
    return run_checkov(
        [
            outdir / deployment.data.template_file,
            outdir / deployment.compute.template_file,
            *(outdir / nested.template_file for nested in nested_stacks(deployment)),
            waf_out / waf_deployment.compute.template_file,  # + the cross-region reader
            waf_out / waf_deployment.waf.template_file,
        ]
    )


def nested_stacks(deployment: Deployment) -> list[NestedStack]:
    """The sites' nested stacks (site_stacks.py): live keys, and groups, users, alarms."""
    return [*deployment.data.live_key_stacks, *deployment.compute.sites]


def skipped_by(check: str, resource: str) -> list[Skip]:
    return [skip for skip in SKIPS if skip.covers(check, resource)]


def test_checkov_really_ran(report: Report, deployment: Deployment) -> None:
    assert report.passed > 100
    assert {f.template for f in report.failed} == {
        "cctv-vms-data.template.json",
        "cctv-vms-compute.template.json",
        "cctv-vms-waf.template.json",
        # the edge users' policies (CKV_AWS_40) and the live keys (CKV_AWS_149)
        *(nested.template_file for nested in nested_stacks(deployment)),
    }


def test_every_failed_check_has_a_written_skip(report: Report) -> None:
    unexplained = [
        f"{f.check} {f.resource} ({f.template}): {f.name}"
        for f in report.failed
        if not skipped_by(f.check, f.resource)
    ]
    assert unexplained == []


def test_every_skip_still_covers_a_finding(report: Report) -> None:
    stale = [
        f"{skip.check} {skip.resources}"
        for skip in SKIPS
        if not any(skip.covers(f.check, f.resource) for f in report.failed)
    ]
    assert stale == []


def test_every_skip_is_one_check_on_named_resources_with_a_reason() -> None:
    assert len({(s.check, s.resources) for s in SKIPS}) == len(SKIPS)
    for skip in SKIPS:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip.check), skip
        assert len(skip.reason) >= 60, skip
        assert re.compile(skip.resources).pattern.startswith("AWS::"), skip


@pytest.mark.parametrize(
    ("check", "resource"),
    [
        ("CKV_AWS_117", "AWS::Lambda::Function.SomeNewFunction1234ABCD"),
        ("CKV_AWS_21", "AWS::S3::Bucket.FootageBucket79750E20"),  # the footage bucket
        ("CKV_AWS_40", "AWS::IAM::Policy.FunctionsApiServiceRoleDefaultPolicy12345678"),
        ("CKV_AWS_20", "AWS::S3::Bucket.ViewerLogs44938734"),  # a check never skipped
    ],
)
def test_a_finding_on_another_resource_or_check_is_not_covered(check: str, resource: str) -> None:
    assert skipped_by(check, resource) == []
