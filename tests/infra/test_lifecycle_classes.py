"""Lifecycle rules per retention class (not per camera), and a 1,000-camera fleet
whose every stack stays well under CloudFormation's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from cctv_infra.application import Deployment, build_app
from cctv_infra.edge_access import EdgeAccess
from cctv_infra.settings import DEFAULT_CONFIG as EXAMPLE
from cctv_infra.settings import MAX_LIFECYCLE_RULES, RULES_PER_CLASS, SHARED_RULES, load_settings
from cctv_infra.site_stacks import (
    MAX_SITES_PER_STACK,
    SITE_STACKS,
    resources_per_stack,
    site_stack_index,
    site_stacks,
)

from footage.config import MAX_RETENTION_CLASSES, MAX_SITE_RETENTION_CLASSES
from footage.errors import ConfigError
from footage.keys import KeyKind, build_class_prefix, build_key, build_manifest_key
from footage.retention import expiry_schedule
from tests.infra.template_helpers import as_list, resources, statements
from tests.infra.test_data_stack import rules

START = datetime(2026, 12, 5, 22, 40, tzinfo=UTC)
CLASSED = (KeyKind.SEGMENT, KeyKind.THUMBNAIL, KeyKind.QUARANTINE)
#: An IAM user's inline policies may total 2,048 characters (whitespace not counted).
USER_INLINE_POLICY_LIMIT = 2048


def _covering(all_rules: dict[str, dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [r for r in all_rules.values() if "Prefix" in r and key.startswith(r["Prefix"])]


def test_one_rule_per_kind_and_class_in_use_covers_every_camera(data_template: Template) -> None:
    all_rules = rules(data_template)
    config = load_settings(EXAMPLE).config
    classes = sorted({c.retention_days for c in config.cameras})
    assert classes == [90, 180, 365]
    assert len(all_rules) == RULES_PER_CLASS * len(classes) + SHARED_RULES == 17
    for camera in config.cameras:
        schedule = expiry_schedule(camera.retention_days)
        for kind in CLASSED:
            key = build_key(
                kind, camera.site, camera.id, START, retention_days=camera.retention_days
            )
            [rule, *backstop] = _covering(all_rules, key)
            assert rule["Prefix"] == build_class_prefix(kind, camera.retention_days)
            assert rule["Id"] == f"{kind.value}-retention-{camera.retention_days}"
            # bytes gone by the retention: marker at R-2 days, the version a day later
            assert rule["ExpirationInDays"] == schedule.expire_current_after_days
            assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
            assert rule["Status"] == "Enabled" and "TagFilters" not in rule
            # only quarantine keeps its backstop from before classes (the longest retention)
            assert [r["Id"] for r in backstop] == (["quarantine"] if kind.value == "quarantine"
                                                   else [])  # fmt: skip


def test_glacier_ir_only_for_segments_that_stay_its_90_day_minimum(
    data_template: Template,
) -> None:
    all_rules = rules(data_template)
    for days in (90, 180, 365):
        segments = all_rules[f"segments-retention-{days}"]
        if expiry_schedule(days).expire_current_after_days >= 30 + 90:
            assert segments["Transitions"] == [
                {"StorageClass": "GLACIER_IR", "TransitionInDays": 30}
            ]
        else:  # 88 days: 58 in Glacier IR would be billed as 90
            assert "Transitions" not in segments
        for kind in ("thumbnails", "quarantine"):
            assert "Transitions" not in all_rules[f"{kind}-retention-{days}"]


def test_each_sites_manifests_expire_with_their_class(data_template: Template) -> None:
    """The edge writes a site's manifests in its cameras' longest class: one rule
    covers them, expiring no earlier than any segment they vouch for."""
    all_rules = rules(data_template)
    config = load_settings(EXAMPLE).config
    for site in {c.site for c in config.cameras}:
        days = max(c.retention_days for c in config.cameras if c.site == site)
        key = build_manifest_key(site, START, retention_days=days)
        [rule] = _covering(all_rules, key)
        assert rule["Id"] == f"manifests-retention-{days}"
        assert rule["ExpirationInDays"] == expiry_schedule(days).expire_current_after_days
        assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
        assert not _covering(all_rules, "evidence/" + key)  # held evidence stays


def test_renditions_expire_by_the_longest_retention(data_template: Template) -> None:
    rule = rules(data_template)["renditions"]
    assert rule["Prefix"] == "renditions/"
    assert rule["ExpirationInDays"] == expiry_schedule(365).expire_current_after_days


def test_the_class_cap_keeps_rules_far_below_s3s_limit() -> None:
    assert RULES_PER_CLASS * MAX_RETENTION_CLASSES + SHARED_RULES <= MAX_LIFECYCLE_RULES // 4


# -- a fleet: 1,000 cameras in 200 sites ---------------------------------------

LONG_SITE = "L" * 64  # the longest id: its IAM policy is the biggest
FLEET_CLASSES = (30, 90, 180, 365)
LONG_SITE_CLASSES = (3647, 3648, 3649, 3650)  # four digits each, the most a site may use


def _fleet_config() -> dict[str, Any]:
    sites = [f"S{n:03d}" for n in range(199)]
    cameras = [
        {"id": f"{site}-c{n}", "site": site, "name": "c", "rtsp_url": "rtsp://h/x",
         "retention_days": FLEET_CLASSES[(i + n) % len(FLEET_CLASSES)]}
        for i, site in enumerate(sites) for n in range(5)
    ]  # fmt: skip
    cameras += [
        {"id": f"long-c{n}", "site": LONG_SITE, "name": "c", "rtsp_url": "rtsp://h/x",
         "retention_days": LONG_SITE_CLASSES[n % len(LONG_SITE_CLASSES)]}
        for n in range(5)
    ]  # fmt: skip
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["sites"] = [{"id": s, "name": s} for s in [*sites, LONG_SITE]]
    raw["cameras"] = cameras
    return dict(raw)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    """The whole app for 1,000 cameras in 200 sites, synthesized once (~30-60 s)."""
    config = _fleet_config()
    assert (len(config["cameras"]), len(config["sites"])) == (1000, 200)
    folder = tmp_path_factory.mktemp("fleet")
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    deployment = build_app(path, outdir=str(folder / "cdk.out"))
    deployment.app.synth()  # CDK itself refuses a stack of more than 500 resources
    return deployment


def test_a_thousand_cameras_in_two_hundred_sites_need_few_rules(fleet: Deployment) -> None:
    all_rules = rules(Template.from_stack(fleet.data))
    classes = len(FLEET_CLASSES) + len(LONG_SITE_CLASSES)
    assert len(all_rules) == RULES_PER_CLASS * classes + SHARED_RULES == 37
    for camera in _fleet_config()["cameras"]:
        key = build_key(KeyKind.SEGMENT, camera["site"], camera["id"], START,
                        retention_days=camera["retention_days"])  # fmt: skip
        [rule] = _covering(all_rules, key)
        assert rule["Id"] == f"segments-retention-{camera['retention_days']}"


#: What the tests hold every stack to, under CloudFormation's 500 resources.
RESOURCE_HEADROOM = 450
OUTPUT_LIMIT = 200


def test_every_stack_of_the_fleet_stays_well_under_cloudformations_limits(
    fleet: Deployment,
) -> None:
    stacks = [s for s in fleet.app.node.find_all() if isinstance(s, Stack)]
    nested = [s for s in stacks if s.nested]
    assert len(stacks) == 2 + len(nested) and len(nested) == 2 * SITE_STACKS
    counted = {}
    for stack in stacks:
        body = Template.from_stack(stack).to_json()
        counted[stack.node.path] = len(body["Resources"])
        assert len(body.get("Outputs", {})) < OUTPUT_LIMIT, stack.node.path
    assert max(counted.values()) < RESOURCE_HEADROOM, counted
    # every site has its user, group and live key once; no alarm per site: one
    # SilentSites alarm for the fleet, fed by the alerts Lambda (cctv_infra/alerts.py)
    compute = [Template.from_stack(s) for s in fleet.compute.sites]
    users = [u for t in compute for u in resources(t, "AWS::IAM::User").values()]
    groups = [g for t in compute for g in resources(t, "AWS::Cognito::UserPoolGroup").values()]
    assert len(users) == len(groups) == len(fleet.data.live_keys) == 200
    assert not [a for t in compute for a in resources(t, "AWS::CloudWatch::Alarm")]
    silent = [a for a in resources(Template.from_stack(fleet.compute), "AWS::CloudWatch::Alarm")
              .values() if a["Properties"].get("MetricName") == "SitesSilent"]  # fmt: skip
    assert len(silent) == 1


def test_five_hundred_sites_fit_and_a_crowded_stack_is_a_clear_error() -> None:
    sites = [f"BRANCH-{n:04d}" for n in range(500)]
    spread = site_stacks(sites)
    assert sorted(s for group in spread.values() for s in group) == sorted(sites)
    assert max(resources_per_stack(len(g)) for g in spread.values()) < RESOURCE_HEADROOM
    assert resources_per_stack(MAX_SITES_PER_STACK) < RESOURCE_HEADROOM
    # a site's stack is its id's alone: adding or removing others never moves it
    assert site_stacks(sites[:10]) == {
        n: [s for s in group if s in sites[:10]] for n, group in spread.items()
        if any(s in sites[:10] for s in group)
    }  # fmt: skip
    same = [s for s in (f"X{n}" for n in range(5000)) if site_stack_index(s) == 0]
    with pytest.raises(ValueError, match="141 in one nested stack; at most 140"):
        site_stacks(same[: MAX_SITES_PER_STACK + 1])


def _rendered(policy: dict[str, Any], bucket: str, user_arn: str) -> str:
    """The policy as IAM counts it: references resolved, no whitespace."""

    def resolve(resource: Any) -> str:
        if isinstance(resource, dict) and "Fn::Join" in resource:
            return f"arn:aws:s3:::{bucket}{resource['Fn::Join'][1][1]}"
        assert isinstance(resource, dict) and "Fn::GetAtt" in resource
        return user_arn

    document = [
        {**s, "Resource": [resolve(r) for r in as_list(s["Resource"])]} for s in statements(policy)
    ]
    body = {"Version": "2012-10-17", "Statement": document}
    return json.dumps(body, separators=(",", ":"))


def test_the_biggest_edge_policy_fits_an_iam_users_inline_limit() -> None:
    stack = Stack(App(), "edge")
    bucket = s3.Bucket(stack, "Footage")
    classes = list(LONG_SITE_CLASSES)
    EdgeAccess(stack, "Edge", bucket=bucket, site_classes={LONG_SITE: classes},
               name_prefix="cctv-vms")  # fmt: skip
    [policy] = resources(Template.from_stack(stack), "AWS::IAM::Policy").values()
    assert len(LONG_SITE_CLASSES) == MAX_SITE_RETENTION_CLASSES
    name = f"cctv-vms-edge-{LONG_SITE}"
    rendered = _rendered(policy, "b" * 63, f"arn:aws:iam::123456789012:user/{name}")
    assert rendered.count("/retention=") == 2 * MAX_SITE_RETENTION_CLASSES + 1  # + manifests
    assert len(rendered) < USER_INLINE_POLICY_LIMIT, len(rendered)


def _write(tmp_path: Path, sites: list[str], cameras: list[tuple[str, int]]) -> Path:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["sites"] = [{"id": s, "name": s} for s in sites]
    raw["cameras"] = [
        {"id": f"c{n}", "site": site, "name": "c", "rtsp_url": "rtsp://h/x", "retention_days": d}
        for n, (site, d) in enumerate(cameras)
    ]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_too_many_classes_is_a_clear_config_error(tmp_path: Path) -> None:
    sites = [f"S{n}" for n in range(MAX_RETENTION_CLASSES + 1)]
    fine = _write(tmp_path, sites[:-1], [(s, 100 + n) for n, s in enumerate(sites[:-1])])
    assert len(load_settings(fine).retention_classes) == MAX_RETENTION_CLASSES
    path = _write(tmp_path, sites, [(s, 100 + n) for n, s in enumerate(sites)])
    with pytest.raises(ConfigError, match="51 different retention_days values; at most 50"):
        load_settings(path)


def test_too_many_classes_at_one_site_is_a_clear_config_error(tmp_path: Path) -> None:
    days = [7, 30, 90, 180, 365]
    fine = _write(tmp_path, ["HO"], [("HO", d) for d in days[:-1]])
    assert load_settings(fine).site_retention_classes("HO") == [7, 30, 90, 180]
    path = _write(tmp_path, ["HO"], [("HO", d) for d in days])
    with pytest.raises(ConfigError, match=r"site 'HO'.* 5 different retention_days values"):
        load_settings(path)
