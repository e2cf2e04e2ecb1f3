"""The footage bucket policy makes segments, signed manifests and the edge's sprites
write-once, checked by the policy gate
(tests/support/bucket_policy.py, policy_gate.py): its evaluator, the policy as
synthesized, and the gate in front of a real moto server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from aws_cdk.assertions import Template
from botocore.config import Config
from botocore.exceptions import ClientError
from cctv_infra.footage_bucket import WRITE_ONCE_SID

from footage.keys import build_sprite_key, build_thumbnail_key
from tests.support import servers
from tests.support.bucket_policy import (
    PolicyGate,
    S3Request,
    UnsupportedPolicy,
    classify,
    footage_bucket_policy,
    operator_test,
    shipped_footage_policy,
)
from tests.support.policy_gate import moto_behind_policy, read_decisions

BUCKET = "footage-bucket"
SEGMENT = "segments/HO/ho-lobby/2026/12/05/ho-lobby_20261205T010000Z.mp4"
#: the edge's sprite of that hour (write-once) and ingest's thumbnail of a segment (not)
SPRITE = "thumbnails/retention=180/HO/ho-lobby/2026/12/05/ho-lobby_20261205T010000Z.sprite.jpg"
THUMBNAIL = SPRITE.replace(".sprite.jpg", "-0123456789abcdef.jpg")
INM = {"If-None-Match": "*"}
COPY = {"x-amz-copy-source": f"/{BUCKET}/quarantine/x.mp4"}


def request(method: str, key: str, query: str = "", headers: dict[str, str] | None = None,
            secure: bool = True, bucket: str = BUCKET) -> S3Request:  # fmt: skip
    params = {name: [""] for name in query.split("&") if name}
    found = classify(method, f"/{bucket}/{key}", params, headers or {}, secure)
    assert found is not None
    return found


# -- the request model --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "query", "headers", "operation", "action", "creates"),
    [
        ("PUT", "", {}, "PutObject", "s3:PutObject", "true"),
        ("PUT", "", COPY, "CopyObject", "s3:PutObject", "true"),
        ("POST", "uploads", {}, "CreateMultipartUpload", "s3:PutObject", "false"),
        ("PUT", "partNumber&uploadId", {}, "UploadPart", "s3:PutObject", "false"),
        ("PUT", "partNumber&uploadId", COPY, "UploadPartCopy", "s3:PutObject", "false"),
        ("POST", "uploadId", {}, "CompleteMultipartUpload", "s3:PutObject", "true"),
        ("DELETE", "uploadId", {}, "AbortMultipartUpload", "s3:AbortMultipartUpload", None),
        ("DELETE", "", {}, "DeleteObject", "s3:DeleteObject", None),
        ("DELETE", "versionId", {}, "DeleteObject", "s3:DeleteObjectVersion", None),
        ("PUT", "legal-hold", {}, "PutObjectLegalHold", "s3:PutObjectLegalHold", None),
        ("PUT", "retention", {}, "PutObjectRetention", "s3:PutObjectRetention", None),
        ("PUT", "tagging", {}, "PutObjectTagging", "s3:PutObjectTagging", None),
    ],
)
def test_each_write_maps_to_its_iam_action_and_creation_flag(
    method: str, query: str, headers: dict[str, str], operation: str, action: str,
    creates: str | None,
) -> None:  # fmt: skip
    found = request(method, SEGMENT, query, headers)
    assert (found.operation, found.action) == (operation, action)
    assert found.context.get("s3:objectcreationoperation") == creates
    assert found.resource == f"arn:aws:s3:::{BUCKET}/{SEGMENT}"


def test_headers_become_condition_keys() -> None:
    found = request("PUT", SEGMENT, headers={"IF-NONE-MATCH": "*", "If-Match": '"abc"'})
    assert found.context["s3:if-none-match"] == "*"
    assert found.context["s3:if-match"] == '"abc"'
    assert found.context["aws:securetransport"] == "true"
    assert "s3:if-none-match" not in request("PUT", SEGMENT).context
    assert request("PUT", SEGMENT, secure=False).context["aws:securetransport"] == "false"


def test_key_is_url_decoded() -> None:
    found = classify("PUT", f"/{BUCKET}/segments/a%20b/c%2Bd.mp4", {}, {})
    assert found is not None and found.key == "segments/a b/c+d.mp4"


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("GET", f"/{BUCKET}/{SEGMENT}", {}),
        ("HEAD", f"/{BUCKET}/{SEGMENT}", {}),
        ("GET", f"/{BUCKET}", {"list-type": ["2"]}),
        ("PUT", f"/{BUCKET}", {}),  # CreateBucket
        ("POST", f"/{BUCKET}", {"delete": [""]}),  # DeleteObjects: not modelled
        ("PUT", f"/{BUCKET}/", {}),
    ],
)
def test_reads_and_bucket_calls_are_not_evaluated(
    method: str, path: str, query: dict[str, list[str]]
) -> None:
    assert classify(method, path, query, {}) is None


# -- the evaluator ------------------------------------------------------------


def deny(condition: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    statement = {"Sid": "T", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                 "Resource": f"arn:aws:s3:::{BUCKET}/segments/*", **fields}  # fmt: skip
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def denied(policy: dict[str, Any], found: S3Request) -> bool:
    return PolicyGate(policy).denied_by(found) is not None


def test_null_matches_an_absent_key_or_a_present_one() -> None:
    absent = deny({"Null": {"s3:if-none-match": "true"}})
    assert denied(absent, request("PUT", SEGMENT))
    assert not denied(absent, request("PUT", SEGMENT, headers=INM))
    present = deny({"Null": {"s3:if-none-match": "false"}})
    assert denied(present, request("PUT", SEGMENT, headers=INM))
    assert not denied(present, request("PUT", SEGMENT))


def test_every_operator_and_key_of_a_statement_must_match() -> None:
    policy = deny({"Null": {"s3:if-none-match": "true"},
                   "Bool": {"s3:ObjectCreationOperation": "true"}})  # fmt: skip
    assert denied(policy, request("PUT", SEGMENT))
    assert not denied(policy, request("PUT", SEGMENT, "partNumber&uploadId"))
    assert not denied(policy, request("POST", SEGMENT, "uploads"))
    assert denied(policy, request("POST", SEGMENT, "uploadId"))


def test_negated_operators_and_if_exists_match_an_absent_key() -> None:
    policy = deny({"StringNotEquals": {"s3:if-none-match": "*"}})
    assert denied(policy, request("PUT", SEGMENT))  # absent: "not equal"
    assert denied(policy, request("PUT", SEGMENT, headers={"If-None-Match": '"etag"'}))
    assert not denied(policy, request("PUT", SEGMENT, headers=INM))
    if_exists = deny({"StringEqualsIfExists": {"s3:if-match": '"etag"'}})
    assert denied(if_exists, request("PUT", SEGMENT))  # absent: the condition holds
    assert denied(if_exists, request("PUT", SEGMENT, headers={"If-Match": '"etag"'}))
    assert not denied(if_exists, request("PUT", SEGMENT, headers={"If-Match": '"other"'}))


@pytest.mark.parametrize(
    ("operator", "value", "wanted", "expected"),
    [
        ("StringEquals", "abc", ["abc"], True),
        ("StringEquals", "ABC", ["abc"], False),
        ("StringEqualsIgnoreCase", "ABC", ["abc"], True),
        ("StringLike", "segments/HO/x", ["segments/*"], True),
        ("StringLike", "segments.x", ["segments?x"], True),
        ("StringLike", "segmentsXx", ["segments.x"], False),  # "." is literal
        ("StringNotLike", "renditions/x", ["segments/*"], True),
        ("StringEquals", None, ["abc"], False),
        ("Bool", "TRUE", ["true"], True),
        ("Bool", None, ["false"], False),
        ("StringEqualsIfExists", None, ["abc"], True),
        ("ArnLike", f"arn:aws:s3:::{BUCKET}/a", [f"arn:aws:s3:::{BUCKET}/*"], True),
    ],
)
def test_condition_operators(
    operator: str, value: str | None, wanted: list[str], expected: bool
) -> None:
    assert operator_test(operator)(value, wanted) is expected


def test_resource_and_action_wildcards() -> None:
    policy = deny(Action="S3:Put*")  # actions compare case-insensitively
    assert denied(policy, request("PUT", SEGMENT))
    assert denied(policy, request("PUT", SEGMENT, "legal-hold"))
    assert not denied(policy, request("DELETE", SEGMENT))
    assert not denied(policy, request("PUT", f"renditions/{SEGMENT}"))  # resource anchored
    assert not denied(policy, request("PUT", SEGMENT, bucket="other-bucket"))
    not_action = deny()
    del not_action["Statement"][0]["Action"]
    not_action["Statement"][0]["NotAction"] = "s3:DeleteObject"
    assert denied(not_action, request("PUT", SEGMENT))
    assert not denied(not_action, request("DELETE", SEGMENT))


def test_allow_statements_are_not_evaluated() -> None:
    policy = deny()
    policy["Statement"][0]["Effect"] = "Allow"
    assert PolicyGate(policy).statements == []


@pytest.mark.parametrize(
    "fields",
    [
        {"Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01"}}},
        {"Condition": {"ForAnyValue:StringEquals": {"s3:if-none-match": "*"}}},
        {"Condition": {"NullIfExists": {"s3:if-none-match": "true"}}},
        {"Principal": {"AWS": "arn:aws:iam::123456789012:user/edge"}},
        {"Principal": {"Service": "logging.s3.amazonaws.com"}},
        {"NotPrincipal": {"AWS": "*"}},
    ],
)
def test_what_cannot_be_evaluated_faithfully_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedPolicy):
        PolicyGate(deny(**fields))


# -- the policy we ship -------------------------------------------------------


@pytest.fixture(scope="module")
def shipped(data_template: Template) -> PolicyGate:
    return PolicyGate(footage_bucket_policy(data_template.to_json(), BUCKET))


def test_the_write_once_statement_is_the_documented_form(data_template: Template) -> None:
    policy = footage_bucket_policy(data_template.to_json(), BUCKET)
    (statement,) = [s for s in policy["Statement"] if s.get("Sid") == WRITE_ONCE_SID]
    assert statement == {
        "Sid": WRITE_ONCE_SID,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:PutObject",
        "Resource": [
            f"arn:aws:s3:::{BUCKET}/segments/*",
            f"arn:aws:s3:::{BUCKET}/manifests/*",
            f"arn:aws:s3:::{BUCKET}/thumbnails/*.sprite.jpg",
        ],
        "Condition": {
            "Null": {"s3:if-none-match": "true"},
            "Bool": {"s3:ObjectCreationOperation": "true"},
        },
    }


@pytest.mark.parametrize(
    ("method", "query", "headers"),
    [
        ("PUT", "", {}),
        ("POST", "uploadId", {}),
        ("PUT", "", COPY),
        ("PUT", "", {"If-Match": '"etag"'}),
    ],
)
def test_a_segment_write_without_if_none_match_is_denied(
    shipped: PolicyGate, method: str, query: str, headers: dict[str, str]
) -> None:
    assert shipped.denied_by(request(method, SEGMENT, query, headers)) == WRITE_ONCE_SID


@pytest.mark.parametrize(
    "key",
    [
        "segments/retention=180/HO/ho-lobby/2026/12/05/ho-lobby_20261205T010000Z.mp4",
        "segments/retention=7/HO/ho-lobby/2026/12/05/ho-lobby_20261205T010000Z-0123456789abcdef.mp4",
        "segments/retention=3650/HO/ho-lobby/2026/12/05/ho-lobby_20261205T010000Z.original.avi",
        "manifests/retention=180/HO/2026/12/05/HO_20261205T010000Z.json",  # signed manifests
        "manifests/retention=180/HO/2026/12/05/HO_20261205T010000Z.sig",
        "manifests/retention=180/HO/2026/12/05/HO_20261205T010000Z.tsr",
        SPRITE,  # the edge's sprites
        "thumbnails/retention=7/B2/b2-door/2027/01/31/b2-door_20270131T235000Z.sprite.jpg",
    ],
)
def test_every_retention_class_of_segments_is_write_once(shipped: PolicyGate, key: str) -> None:
    assert shipped.denied_by(request("PUT", key)) == WRITE_ONCE_SID
    assert shipped.denied_by(request("PUT", key, "", INM)) is None


@pytest.mark.parametrize(
    ("method", "query"),
    [("PUT", ""), ("POST", "uploads"), ("PUT", "partNumber&uploadId"), ("POST", "uploadId")],
)
def test_a_conditional_segment_write_and_its_parts_are_allowed(
    shipped: PolicyGate, method: str, query: str
) -> None:
    assert shipped.denied_by(request(method, SEGMENT, query, INM)) is None
    if query in ("uploads", "partNumber&uploadId"):  # these accept no conditional header
        assert shipped.denied_by(request(method, SEGMENT, query)) is None


@pytest.mark.parametrize(
    "key",
    [
        SEGMENT.replace("segments/", "renditions/", 1),
        SEGMENT.replace("segments/", "thumbnails/", 1).replace(".mp4", ".jpg"),
        THUMBNAIL,  # ingest's FFmpeg path, in the segment's class
        f"evidence/{SPRITE}",
        SEGMENT.replace("segments/", "quarantine/", 1),
        f"evidence/{SEGMENT}",
        "exports/abc/job.json",
        "status/HO.json",
    ],
)
def test_what_ingest_the_api_and_the_edge_write_elsewhere_needs_no_header(
    shipped: PolicyGate, key: str
) -> None:
    assert shipped.denied_by(request("PUT", key)) is None


@pytest.mark.parametrize("variant", [None, "0123456789abcdef"])
@pytest.mark.parametrize("days", [None, 7, 3650])
def test_the_keys_ingest_and_the_edge_build_fall_on_their_side(
    shipped: PolicyGate, variant: str | None, days: int | None
) -> None:
    """What ingest's FFmpeg path names its JPEG (footage.services.ingest) never ends
    like a sprite (footage.keys.build_sprite_key), whatever its variant or class."""
    start = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    thumbnail = build_thumbnail_key("HO", "ho-lobby", start, variant, retention_days=days)
    assert shipped.denied_by(request("PUT", thumbnail)) is None
    sprite = build_sprite_key("HO", "ho-lobby", start, retention_days=days or 30)
    assert shipped.denied_by(request("PUT", sprite)) == WRITE_ONCE_SID
    assert shipped.denied_by(request("PUT", sprite, "", INM)) is None


def test_deletes_are_left_to_iam(shipped: PolicyGate) -> None:
    """Ingest (quarantine) and the sweep delete segments; no edge key may (IAM)."""
    assert shipped.denied_by(request("DELETE", SEGMENT)) is None


def test_plain_http_is_denied_for_every_write(shipped: PolicyGate) -> None:
    sid = shipped.denied_by(request("PUT", "status/HO.json", secure=False))
    assert sid is not None and sid != WRITE_ONCE_SID


def test_the_standalone_synthesis_ships_the_same_policy(data_template: Template) -> None:
    """What tests/security uses without the whole app: the data stack alone."""
    assert shipped_footage_policy(BUCKET) == footage_bucket_policy(data_template.to_json(), BUCKET)


# -- the gate in front of moto ------------------------------------------------


@pytest.fixture(scope="module")
def gated(data_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    log_dir = tmp_path_factory.mktemp("gate")
    policy = footage_bucket_policy(data_template.to_json(), BUCKET)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in servers.FAKE_AWS_ENV.items():
            patch.setenv(name, value)
        with moto_behind_policy(policy, log_dir) as endpoint_url:
            config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
            s3 = boto3.client("s3", endpoint_url=endpoint_url, config=config)
            s3.create_bucket(Bucket=BUCKET)
            yield s3, log_dir


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = exc.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


@pytest.mark.integration
def test_over_moto_a_segment_cannot_be_replaced(gated: Any) -> None:
    s3, log_dir = gated
    key = SEGMENT.replace("010000", "020000")
    with pytest.raises(ClientError) as plain:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"forged")
    assert error_code(plain) == (403, "AccessDenied")
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"recorded", IfNoneMatch="*")
    with pytest.raises(ClientError) as again:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"forged", IfNoneMatch="*")
    assert error_code(again) == (412, "PreconditionFailed")
    with pytest.raises(ClientError):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"forged")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"recorded"
    denials = [d for d in read_decisions(log_dir) if d["key"] == key and d["decision"] == "deny"]
    assert [d["statement"] for d in denials] == [WRITE_ONCE_SID, WRITE_ONCE_SID]


@pytest.mark.integration
def test_over_moto_a_multipart_segment_needs_the_header_on_completion(gated: Any) -> None:
    s3, _ = gated
    key = SEGMENT.replace("010000", "030000")
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=1, Body=b"p" * 10)
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    with pytest.raises(ClientError) as plain:
        s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload,
                                     MultipartUpload=parts)  # fmt: skip
    assert error_code(plain) == (403, "AccessDenied")
    s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload,
                                 MultipartUpload=parts, IfNoneMatch="*")  # fmt: skip
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"p" * 10


@pytest.mark.integration
def test_over_moto_other_prefixes_take_plain_writes_and_copies(gated: Any) -> None:
    s3, _ = gated
    s3.put_object(Bucket=BUCKET, Key=f"renditions/{SEGMENT}", Body=b"r")
    s3.put_object(Bucket=BUCKET, Key=f"renditions/{SEGMENT}", Body=b"r2")  # re-ingest
    source = {"Bucket": BUCKET, "Key": f"renditions/{SEGMENT}"}
    s3.copy_object(Bucket=BUCKET, Key=f"quarantine/{SEGMENT}", CopySource=source)
    s3.delete_object(Bucket=BUCKET, Key=f"renditions/{SEGMENT}")
    assert s3.get_object(Bucket=BUCKET, Key=f"quarantine/{SEGMENT}")["Body"].read() == b"r2"
    with pytest.raises(ClientError) as copy:
        s3.copy_object(Bucket=BUCKET, Key=SEGMENT.replace("010000", "040000"), CopySource=source)
    assert error_code(copy) == (403, "AccessDenied")


@pytest.mark.integration
def test_over_moto_a_sprite_is_write_once_and_an_ingest_thumbnail_is_not(gated: Any) -> None:
    s3, log_dir = gated
    with pytest.raises(ClientError) as plain:
        s3.put_object(Bucket=BUCKET, Key=SPRITE, Body=b"forged", ContentType="image/jpeg")
    assert error_code(plain) == (403, "AccessDenied")
    s3.put_object(Bucket=BUCKET, Key=SPRITE, Body=b"tiles", IfNoneMatch="*")  # as the edge
    with pytest.raises(ClientError) as again:
        s3.put_object(Bucket=BUCKET, Key=SPRITE, Body=b"forged", IfNoneMatch="*")
    assert error_code(again) == (412, "PreconditionFailed")
    assert s3.get_object(Bucket=BUCKET, Key=SPRITE)["Body"].read() == b"tiles"
    s3.put_object(Bucket=BUCKET, Key=THUMBNAIL, Body=b"jpeg", ContentType="image/jpeg")
    s3.put_object(Bucket=BUCKET, Key=THUMBNAIL, Body=b"jpeg2", ContentType="image/jpeg")
    assert s3.get_object(Bucket=BUCKET, Key=THUMBNAIL)["Body"].read() == b"jpeg2"
    decisions = [d for d in read_decisions(log_dir) if d["key"] in (SPRITE, THUMBNAIL)]
    assert [(d["key"], d["statement"]) for d in decisions if d["decision"] == "deny"] == [
        (SPRITE, WRITE_ONCE_SID)
    ]
