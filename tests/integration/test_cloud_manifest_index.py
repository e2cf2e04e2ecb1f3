"""Indexing from site manifests (the default deployment), on a moto server with the
real edge uploader and the real ingest handler.

The bucket announces each site manifest's signature, not each segment: one
message indexes the site's segments of 10 minutes, with two GETs (the manifest
and its signature) and no HEAD or GET of any segment. A manifest whose signature
does not verify is a list of keys only (each object ingested on its own, the
HEAD and FFmpeg path); one whose body names another site than its key indexes
nothing.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.chain import ManifestPolicy, Manifests, load_or_create
from edge_uploader.chain.keys import SiteKey
from edge_uploader.journal import Journal
from edge_uploader.spool import Spool
from edge_uploader.uploader import Uploader, UploadPolicy
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.chain import RecordKind, append, genesis, segment_fields
from footage.clock import FixedClock
from footage.keys import build_manifest_key, build_segment_key, build_spool_name, chain_object_name
from footage.manifest import Stored, build_manifest
from footage.models import SegmentStatus
from tests.support.cloud import REGION, count_aws_calls, serverless
from tests.support.media import make_clip

pytestmark = pytest.mark.integration
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
CAMERAS = {"lobby": ("HO", 30), "kasir": ("CABANG-01", 30)}


def _registered(key: SiteKey) -> dict[str, list[dict[str, str]]]:
    return {"HO": [{"id": key.key_id, "public_key": key.public_b64,
                    "not_before": "2026-01-01T00:00:00Z"}]}  # fmt: skip


def _edge_sends(tmp: Path, endpoint: str, bucket: str, key: SiteKey, minutes: int) -> set[str]:
    """The edge records ``minutes`` segments of lobby, uploads them described and
    seals the site manifest; returns the segments' keys."""
    clock = FixedClock(T0 + timedelta(minutes=minutes + 1))
    journal = Journal(tmp / "spool" / "journal.sqlite3")
    spool = Spool(tmp / "spool", journal, quota_bytes=10**9, min_free_bytes=0)
    spool.prepare(["lobby"])
    storage = S3Storage(make_s3_client(endpoint, REGION), bucket)
    journal.chain.register_key("HO", key.key_id, ["lobby"], clock.now())
    manifests = Manifests(journal, storage, clock, {"HO": key}, ManifestPolicy({"HO": 30}),
                          tmp / "spool" / "manifests")  # fmt: skip
    for minute in range(minutes):
        src = spool.recording_dir("lobby") / build_spool_name(T0 + timedelta(minutes=minute))
        make_clip(src, seconds=2)
        assert spool.finalize(src, "lobby", "HO", clock.now()) is not None
    policy = UploadPolicy(workers=1, describe=True, queue_ingest=False,
                          retention={"lobby": timedelta(days=30)})  # fmt: skip
    Uploader(journal, storage, clock, policy, rng=random.Random(1), manifests=manifests).tick()
    sent = {o.key for o in storage.list("segments/")}
    assert len(sent) == minutes and len(list(storage.list("manifests/"))) == 2
    return sent


def _rows(cloud, camera: str = "lobby") -> dict[str, object]:
    found = cloud.catalog.query_camera(camera, T0 - timedelta(hours=1), T0 + timedelta(hours=1),
                                       include_quarantined=True)  # fmt: skip
    return {r.key: r for r in found}


def test_one_manifest_indexes_its_segments_without_touching_them(moto_server, tmp_path,
                                                                 monkeypatch):  # fmt: skip
    key, _ = load_or_create(tmp_path / "data", "HO")
    with serverless(moto_server, tmp_path, CAMERAS, segment_events=False,
                    signing_keys=_registered(key)) as cloud:  # fmt: skip
        sent = _edge_sends(tmp_path, moto_server, cloud.names.bucket, key, 3)
        calls = count_aws_calls(monkeypatch)
        assert cloud.pump() == []
        pumped = dict(calls)
        rows = _rows(cloud)

    announced = [b for b in cloud.bodies if "s3:TestEvent" not in b]
    assert len(announced) == 1, "one message for the site's segments, not one each"
    assert set(rows) == sent
    for row in rows.values():
        assert row.status is SegmentStatus.OK and row.codec == "h264" and row.init_size
        assert 1.5 <= (row.end - row.start).total_seconds() <= 2.5
    assert pumped.get("HeadObject", 0) == 0, "a segment was HEADed"
    assert pumped["GetObject"] == 2, "the manifest and its signature, nothing else"
    assert pumped["Query"] == 1, "one read of the camera's holds for the manifest"


def test_a_manifest_that_fails_its_signature_is_only_a_list_of_keys(moto_server, tmp_path,
                                                                    monkeypatch):  # fmt: skip
    key, _ = load_or_create(tmp_path / "data", "HO")
    other, _ = load_or_create(tmp_path / "other", "HO")
    registered = _registered(other)
    registered["HO"][0]["id"] = key.key_id  # the edge's key id, another key's bytes
    with serverless(moto_server, tmp_path, CAMERAS, segment_events=False,
                    signing_keys=registered) as cloud:  # fmt: skip
        sent = _edge_sends(tmp_path, moto_server, cloud.names.bucket, key, 2)
        calls = count_aws_calls(monkeypatch)
        assert cloud.pump() == []
        rows = _rows(cloud)

    assert set(rows) == sent and all(r.status is SegmentStatus.OK for r in rows.values())
    # each object was ingested on its own: HEAD, then (moto vouches for no SHA-256) a GET
    assert calls["HeadObject"] >= 2 and calls["GetObject"] >= 2 + 2


def test_a_manifest_of_another_site_under_this_site_indexes_nothing(moto_server, tmp_path):
    """A stolen HO box writes, under HO's manifests, a manifest naming CABANG-01's
    camera and a segment it put there: nothing is indexed from it."""
    key, _ = load_or_create(tmp_path / "data", "HO")
    with serverless(moto_server, tmp_path, CAMERAS, segment_events=False) as cloud:
        storage = S3Storage(make_s3_client(moto_server, REGION), cloud.names.bucket)
        clip = make_clip(tmp_path / "clip.mp4", seconds=2)
        target = build_segment_key("CABANG-01", "kasir", T0, retention_days=30)
        storage.put_file(target, clip, {}, if_absent=True)
        head = genesis("CABANG-01", "kasir", T0, key.key_id)
        record = append(head, RecordKind.SEGMENT, segment_fields(
            T0, T0 + timedelta(seconds=2), "a" * 64, clip.stat().st_size,
            chain_object_name(target)))  # fmt: skip
        issued = T0 + timedelta(minutes=10)
        forged = build_manifest("CABANG-01", 0, "0" * 64, key.key_id, issued, [head, record],
                                [Stored("kasir", 1, target)])  # fmt: skip
        where = build_manifest_key("HO", issued, retention_days=30)
        body = forged.canonical()
        storage.put_bytes(where, body, {})
        storage.put_bytes(where[: -len("json")] + "sig", key.sign(body), {})
        assert cloud.pump() == []
        assert _rows(cloud, "kasir") == {}
