"""The rendition Lambda: ffmpeg, reads footage, writes tagged parts only; the API may
call it; the bucket expires parts by their tag after a week, nothing else there."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template
from cctv_infra.renditions import (
    RENDITION_HANDLER,
    RENDITION_MEMORY_MB,
    RENDITION_TIMEOUT_S,
    rendition_cache_rule,
)

from footage.services.renditions import RENDITION_CACHE_DAYS, RENDITION_CACHE_TAGS
from tests.infra.template_helpers import as_list, only, resources
from tests.infra.test_compute_stack import (
    API_HANDLER,
    function_id,
    object_arns,
    role_statements,
)


def _rules(template: Template) -> dict[str, dict[str, Any]]:
    bucket = only(template, "AWS::S3::Bucket", {"Properties": {"ObjectLockEnabled": True}})
    return {r["Id"]: r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}


def test_parts_expire_by_their_tag_after_a_week_and_footage_there_does_not(
    data_template: Template,
) -> None:
    rules = _rules(data_template)
    cache = rules["rendition-cache"]
    assert cache["Prefix"] == "renditions/" and cache["Status"] == "Enabled"
    assert cache["TagFilters"] == [{"Key": k, "Value": v} for k, v in RENDITION_CACHE_TAGS.items()]
    assert cache["ExpirationInDays"] == RENDITION_CACHE_DAYS == 7
    assert cache["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    # the prefix-only renditions rule (an ingest policy's footage) keeps its own length
    assert "TagFilters" not in rules["renditions"]
    assert rules["renditions"]["ExpirationInDays"] > RENDITION_CACHE_DAYS
    assert rendition_cache_rule().id == "rendition-cache"


def test_the_rendition_function_runs_ffmpeg_with_room_for_a_part(
    compute_template: Template,
) -> None:
    function = resources(compute_template, "AWS::Lambda::Function")[
        function_id(compute_template, RENDITION_HANDLER)
    ]["Properties"]
    assert function["MemorySize"] == RENDITION_MEMORY_MB
    assert function["Timeout"] == RENDITION_TIMEOUT_S
    assert len(function["Layers"]) == 2  # the config layer and ffmpeg's


def test_the_rendition_function_reads_footage_and_writes_parts_only(
    compute_template: Template,
) -> None:
    statements = role_statements(compute_template, RENDITION_HANDLER)
    found = {tuple(as_list(s["Action"])): s for s in statements}
    s3 = {k: v for k, v in found.items() if any(a.startswith("s3:") for a in k)}
    assert set(s3) == {("s3:GetObject",), ("s3:PutObject", "s3:PutObjectTagging")}
    reads = object_arns(compute_template, s3[("s3:GetObject",)])
    assert reads == ["<bucket>/segments/*", "<bucket>/renditions/*", "<bucket>/evidence/*"]
    writes = object_arns(compute_template, s3[("s3:PutObject", "s3:PutObjectTagging")])
    assert writes == ["<bucket>/renditions/*"]
    assert not any(a.startswith(("dynamodb:", "lambda:")) for k in found for a in k)


def test_the_api_may_invoke_the_rendition_function_and_nothing_more_of_it(
    compute_template: Template,
) -> None:
    rendition = function_id(compute_template, RENDITION_HANDLER)
    invokes = [s for s in role_statements(compute_template, API_HANDLER)
               if "lambda:InvokeFunction" in as_list(s["Action"])]  # fmt: skip
    targets = [r for s in invokes for r in as_list(s["Resource"])]
    assert {"Fn::GetAtt": [rendition, "Arn"]} in targets
    assert all(isinstance(t, dict) and "Fn::GetAtt" in t for t in targets)  # no ":*"
