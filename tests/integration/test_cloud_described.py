"""Ingest without downloading, on a moto server with the real ingest handler.

A segment its edge described is indexed from a HEAD: the handler's S3 client
sends no GetObject for it (counted on the wire, by botocore's before-send).
The same counter sees the GETs of the FFmpeg path, which still takes what the
store does not vouch for or what does not add up, and corrects or quarantines it.

moto keeps the ChecksumSHA256 a PUT carries without checking it (AWS refuses a
mismatch), so a forged SHA-256 is shown here as a PUT that sent none.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from edge_uploader.describe import description_metadata
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.description import META_DURATION_MS, META_END
from footage.keys import build_segment_key, format_stamp
from footage.models import SegmentStatus
from footage.storage import META_SHA256
from tests.support.cloud import REGION, serverless
from tests.support.media import make_clip

pytestmark = pytest.mark.integration
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
CAMERAS = {"lobby": ("HO", 30)}


def _store(endpoint: str, bucket: str, gets: Counter[str] | None = None) -> S3Storage:
    client = make_s3_client(endpoint, REGION)
    if gets is not None:

        def count(request: Any, **_: Any) -> None:
            gets[request.url.rsplit("/", 1)[-1]] += 1

        client.meta.events.register("before-send.s3.GetObject", count)
    return S3Storage(client, bucket, server_checksums=True)


def _send(edge: S3Storage, clip: Path, minute: int, forge: dict[str, str] | None = None) -> str:
    start = T0 + timedelta(minutes=minute)
    key = build_segment_key("HO", "lobby", start, retention_days=30)
    sha = hashlib.sha256(clip.read_bytes()).hexdigest()
    metadata = {META_SHA256: sha, **description_metadata(
        clip, site="HO", camera="lobby", start=start, sha256=sha, extra={})}  # fmt: skip
    edge.put_file(key, clip, metadata | (forge or {}), if_absent=True)
    return key


def test_described_segments_are_indexed_without_a_get(moto_server, tmp_path, monkeypatch):
    clip = make_clip(tmp_path / "clip.mp4", seconds=3)
    gets: Counter[str] = Counter()
    with serverless(moto_server, tmp_path, CAMERAS) as cloud:
        checked = _store(moto_server, cloud.names.bucket, gets)
        monkeypatch.setattr(cloud.ingest, "context",
                            dataclasses.replace(cloud.ingest.context, storage=checked))  # fmt: skip
        edge = _store(moto_server, cloud.names.bucket)
        described = _send(edge, clip, 0)
        long = T0 + timedelta(minutes=1, hours=1)  # claims an hour: the probe corrects it
        lying = _send(edge, clip, 1, {META_DURATION_MS: "3600000", META_END: format_stamp(long)})
        unvouched = T0 + timedelta(minutes=2)
        plain = S3Storage(make_s3_client(moto_server, REGION), cloud.names.bucket)
        forged = _send(plain, clip, 2, {META_SHA256: "ab" * 32})  # description and all
        assert cloud.pump() == []
        rows = {r.key: r for r in cloud.catalog.query_camera(
            "lobby", T0, T0 + timedelta(minutes=5), include_quarantined=True)}  # fmt: skip

    name = described.rsplit("/", 1)[-1]
    assert gets[name] == 0, "the described segment was downloaded"
    row = rows[described]
    assert row.status is SegmentStatus.OK and row.codec == "h264" and row.init_size
    assert (
        2.9 <= row.duration_s <= 3.1 and row.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    )
    assert gets[lying.rsplit("/", 1)[-1]] >= 1  # the counter sees the FFmpeg path's GET
    assert 2.9 <= rows[lying].duration_s <= 3.1 and rows[lying].status is SegmentStatus.OK
    quarantined = [r for r in rows.values() if r.start == unvouched]
    assert [r.status for r in quarantined] == [SegmentStatus.QUARANTINED]
    assert "checksum mismatch" in (quarantined[0].reason or "") and forged not in rows
