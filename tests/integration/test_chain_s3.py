"""The edge's chain of custody on S3 (moto): records sealed into a signed manifest,
uploaded write-once under ``manifests/retention=<d>/<site>/...`` (every PUT carries
``If-None-Match: *``; a second PUT of a key is refused with 412, the stored bytes
stay), and the range verified from S3 alone (footage.services.verify_range)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from edge_uploader.chain import ManifestPolicy, Manifests, load_or_create
from edge_uploader.journal import Journal
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.chain import RecordKind, segment_fields
from footage.clock import FixedClock
from footage.errors import ObjectExists
from footage.keys import build_manifest_key, build_segment_key, chain_object_name
from footage.manifest import PublicKey, public_raw
from footage.services.evidence_export import EvidenceSources
from footage.services.verify_range import verify_range

pytestmark = pytest.mark.integration
REGION = "ap-southeast-3"
T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
RETENTION = 90  # the site's longest class: the manifests' class


def _edge(tmp_path: Path, store: S3Storage, clock: FixedClock) -> Manifests:
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    journal.initialize()
    key, _ = load_or_create(tmp_path / "data", "HO")
    policy = ManifestPolicy({"HO": RETENTION}, {"HO": ["lobby"]})
    return Manifests(journal, store, clock, {"HO": key}, policy, tmp_path / "spool" / "m")


def _upload(manifests: Manifests, store: S3Storage, minute: int) -> None:
    """A segment as the uploader leaves it: stored, then its record journalled."""
    start = T0 + timedelta(minutes=minute)
    key = build_segment_key("HO", "lobby", start, retention_days=30)
    body = f"lobby minute {minute}".encode() * 40
    store.put_bytes(key, body, content_type="video/mp4")
    fields = segment_fields(start, start + timedelta(minutes=1), hashlib.sha256(body).hexdigest(),
                            len(body), chain_object_name(key))  # fmt: skip
    manifests.journal.chain.append("HO", "lobby", RecordKind.SEGMENT, fields, key, start)


def test_a_signed_manifest_goes_up_write_once_and_verifies_from_s3_alone(
    moto_server: str, tmp_path: Path
) -> None:
    client = make_s3_client(moto_server, REGION)
    bucket = f"chain-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    sent: list[tuple[str, str | None]] = []

    def seen(params: dict[str, Any], **_: Any) -> None:
        sent.append((params["url"].rsplit("/", 1)[-1], params["headers"].get("If-None-Match")))

    client.meta.events.register("before-call.s3.PutObject", seen)
    store = S3Storage(client, bucket)
    clock = FixedClock(T0 + timedelta(minutes=4))
    manifests = _edge(tmp_path, store, clock)
    for minute in range(3):
        _upload(manifests, store, minute)
    assert manifests.flush() == 1

    json_key = build_manifest_key("HO", clock.now().replace(microsecond=0),
                                  retention_days=RETENTION)  # fmt: skip
    assert json_key.startswith(f"manifests/retention={RETENTION}/HO/2026/11/25/")
    sig_key = json_key.removesuffix(".json") + ".sig"
    assert sorted(o.key for o in store.list("manifests/")) == [json_key, sig_key]
    names = {json_key.rsplit("/", 1)[-1], sig_key.rsplit("/", 1)[-1]}
    assert {(n, h) for n, h in sent if n in names} == {(n, "*") for n in names}

    stored = store.read_range(json_key)
    with pytest.raises(ClientError) as again:
        client.put_object(Bucket=bucket, Key=json_key, Body=b"{}", IfNoneMatch="*")
    assert again.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    with pytest.raises(ObjectExists):
        store.put_file(sig_key, _file(tmp_path, b"forged"), if_absent=True)
    assert store.read_range(json_key) == stored

    key = manifests.keys["HO"]
    public = PublicKey(key.key_id, public_raw(key.private), T0 - timedelta(days=1))
    sources = EvidenceSources((public,), (30, RETENTION))
    end = T0 + timedelta(minutes=3)
    report = verify_range(store, sources, "HO", "lobby", T0, end, T0.date())
    assert report.ok, [(p.code, p.subject) for p in report.problems]
    client.delete_object(Bucket=bucket, Key=build_segment_key("HO", "lobby", T0 + timedelta(
        minutes=1), retention_days=30))  # fmt: skip
    broken = verify_range(store, sources, "HO", "lobby", T0, end, T0.date())
    assert not broken.ok and any("T010100Z" in p.subject for p in broken.problems)


def _file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "forged.bin"
    path.write_bytes(data)
    return path
