"""The ingest service with real ffmpeg, a real folder store and a real SQLite index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.clock import SystemClock
from footage.keys import build_segment_key, build_thumbnail_key
from footage.media.ops import sha256_file
from footage.models import SegmentStatus
from footage.profiles import BUILTIN_PROFILES
from footage.services.ingest import CameraPolicy, IngestContext, Outcome, ingest_object
from tests.support.media import make_clip

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
def ctx(tmp_path):
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    return IngestContext(
        storage, catalog, SystemClock(), {"cam-1": CameraPolicy(30, site="HO")}, tmp_path
    )


def _upload(ctx, path: Path, start: datetime = START) -> str:
    key = build_segment_key("HO", "cam-1", start, retention_days=180)
    ctx.storage.put_file(key, path, {"sha256": sha256_file(path)})
    return key


def test_indexes_probes_and_thumbnails(ctx, tmp_path):
    key = _upload(ctx, make_clip(tmp_path / "a.mp4", audio=True))
    result = ingest_object(ctx, key)
    assert result.outcome is Outcome.INDEXED
    seg = ctx.catalog.get_segment("cam-1", START)
    assert seg is not None and seg.status is SegmentStatus.OK
    assert (seg.codec, seg.width, seg.height, seg.fps) == ("h264", 320, 240, 15.0)
    assert seg.audio_codec == "aac"
    assert 3.5 <= seg.duration_s <= 4.5
    assert timedelta(days=30) <= seg.expires_at - seg.end < timedelta(days=30, seconds=1)
    assert seg.thumbnail_key == build_thumbnail_key(
        "HO", "cam-1", START, seg.sha256[:16], retention_days=180
    )
    thumb = ctx.storage.read_range(seg.thumbnail_key)
    assert thumb[:2] == b"\xff\xd8"  # JPEG


def test_same_segment_twice_is_one_row(ctx, tmp_path):
    key = _upload(ctx, make_clip(tmp_path / "a.mp4"))
    assert ingest_object(ctx, key).outcome is Outcome.INDEXED
    assert ingest_object(ctx, key).outcome is Outcome.DUPLICATE
    assert ctx.catalog.camera_totals("cam-1").segments == 1


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"not a video at all" * 100, "unreadable"), (b"", "unreadable")],
)
def test_corrupt_segment_is_quarantined_with_reason(ctx, tmp_path, content, reason):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    key = _upload(ctx, bad)
    result = ingest_object(ctx, key)
    assert result.outcome is Outcome.QUARANTINED
    assert reason in result.reason
    assert ctx.storage.head(key) is None  # moved aside, not dropped
    seg = ctx.catalog.get_segment("cam-1", START)
    assert seg.status is SegmentStatus.QUARANTINED and seg.key.startswith("quarantine/")
    assert ctx.storage.head(seg.key).size == len(content)
    assert ctx.catalog.query_camera("cam-1", START, START.replace(hour=3)) == []


def test_truncated_segment_keeps_its_complete_fragments(ctx, tmp_path):
    clip = make_clip(tmp_path / "a.mp4", seconds=6)
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) * 2 // 3])  # a crash mid-write
    key = _upload(ctx, clip)
    result = ingest_object(ctx, key)
    assert result.outcome is Outcome.INDEXED
    assert 2.0 <= result.segment.duration_s < 6.0


def test_checksum_mismatch_is_quarantined(ctx, tmp_path):
    clip = make_clip(tmp_path / "a.mp4")
    key = build_segment_key("HO", "cam-1", START, retention_days=180)
    ctx.storage.put_file(key, clip, {"sha256": "0" * 64})
    result = ingest_object(ctx, key)
    assert result.outcome is Outcome.QUARANTINED
    assert "checksum mismatch" in result.reason


def test_transcode_policy_writes_a_rendition(ctx, tmp_path):
    policy = CameraPolicy(30, "h265-small", BUILTIN_PROFILES["h265-small"], site="HO")
    ctx = IngestContext(ctx.storage, ctx.catalog, ctx.clock, {"cam-1": policy}, tmp_path)
    key = _upload(ctx, make_clip(tmp_path / "a.mp4", seconds=2))
    result = ingest_object(ctx, key)
    assert result.outcome is Outcome.INDEXED
    seg = result.segment
    assert seg.key.startswith("renditions/") and seg.key.endswith(".h265-small.mp4")
    assert seg.codec == "hevc"
    assert ctx.storage.head(key) is None  # the original is replaced by its rendition
    assert ctx.storage.head(seg.key).size == seg.size_bytes


def test_index_only_policy_makes_no_thumbnail(tmp_path):
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    policies = {"cam-1": CameraPolicy(30, thumbnails=False, site="HO")}
    ctx = IngestContext(storage, catalog, SystemClock(), policies, tmp_path)
    result = ingest_object(ctx, _upload(ctx, make_clip(tmp_path / "a.mp4")))
    assert result.outcome is Outcome.INDEXED
    seg = catalog.get_segment("cam-1", START)
    assert seg is not None and seg.thumbnail_key is None and seg.codec == "h264"
    assert list(storage.list("thumbnails/")) == []
