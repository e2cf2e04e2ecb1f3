"""cfn-lint and cdk-nag over the synthesized templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Annotations, Match, Template
from cctv_infra.application import Deployment
from cfnlint.api import ManualArgs, lint_file

#: W3005 (an explicit DependsOn that a GetAtt already implies) is emitted by
#: aws-cdk-lib itself for function roles and the bucket-notification handler;
#: the redundancy is harmless and not ours to change.
ALLOWED_WARNINGS = {"W3005"}
NAG_FINDING = Match.string_like_regexp("AwsSolutions-.*")


def stacks(deployment: Deployment) -> list[Stack]:
    """Both stacks and the sites' nested stacks in them (site_stacks.py)."""
    nested = [*deployment.data.live_key_stacks, *deployment.compute.sites]
    return [deployment.data, deployment.compute, *nested]


#: data, compute, and the example's two sites' nested stacks under each
STACKS = 6


def test_every_stack_is_checked(deployment: Deployment) -> None:
    assert len(stacks(deployment)) == STACKS


@pytest.mark.parametrize("index", range(STACKS))
def test_cfn_lint_finds_no_errors(deployment: Deployment, outdir: Path, index: int) -> None:
    template = outdir / stacks(deployment)[index].template_file
    assert template.is_file()
    matches = lint_file(template, ManualArgs(regions=["ap-southeast-3"]))
    errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]
    assert errors == []
    unexpected = {m.rule.id for m in matches} - ALLOWED_WARNINGS
    assert unexpected == set(), [m.message for m in matches if m.rule.id in unexpected]


@pytest.mark.parametrize("index", [0, 1])
def test_no_unsuppressed_cdk_nag_findings(deployment: Deployment, index: int) -> None:
    """A nested stack's findings are its parent's annotations (it has no artifact)."""
    annotations = Annotations.from_stack(stacks(deployment)[index])
    findings = [
        *annotations.find_error("*", NAG_FINDING),
        *annotations.find_warning("*", NAG_FINDING),
    ]
    assert [f"{f.id}: {str(f.entry.data)[:120]}" for f in findings] == []


def suppressions(template: Template) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for resource in template.to_json()["Resources"].values():
        nag = resource.get("Metadata", {}).get("cdk_nag", {})
        found.extend(nag.get("rules_to_suppress", []))
    return found


def test_every_suppression_gives_a_specific_reason(deployment: Deployment) -> None:
    found = [s for stack in stacks(deployment) for s in suppressions(Template.from_stack(stack))]
    assert len(found) >= 10  # the suppressions in nag.py really are applied
    for suppression in found:
        assert suppression["id"].startswith("AwsSolutions-")
        assert len(suppression["reason"]) >= 20, suppression


def test_wildcard_suppressions_are_scoped(deployment: Deployment) -> None:
    """IAM5 is only ever waived for listed patterns, so a new wildcard still fails."""
    found = [s for stack in stacks(deployment) for s in suppressions(Template.from_stack(stack))]
    iam5 = [s for s in found if s["id"] == "AwsSolutions-IAM5"]
    assert iam5 and all(s.get("applies_to") for s in iam5)
