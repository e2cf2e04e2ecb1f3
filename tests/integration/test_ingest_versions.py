"""Footage that arrives more than once: overlaps, new versions of a file, and the
originals of transcoded files (real ffmpeg clips, a folder store, SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.clock import SystemClock
from footage.keys import build_original_key, build_segment_key, variant_of
from footage.media.ops import sha256_file
from footage.models import SegmentStatus
from footage.services.ingest import CameraPolicy, IngestContext, Outcome, ingest_object
from tests.support.media import make_clip

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
def ctx(tmp_path: Path) -> IngestContext:
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    return IngestContext(
        storage, catalog, SystemClock(), {"cam-1": CameraPolicy(30, site="HO")}, tmp_path
    )


def _upload(ctx: IngestContext, path: Path, start: datetime = START, **meta: str) -> str:
    digest = sha256_file(path)
    key = build_segment_key("HO", "cam-1", start, retention_days=180)
    if ctx.storage.head(key) is not None:  # taken: the edge sends a variant
        key = build_segment_key("HO", "cam-1", start, variant_of(digest), retention_days=180)
    ctx.storage.put_file(key, path, {"sha256": digest, **meta})
    return key


def test_an_nvr_file_over_time_that_plays_already_is_kept_but_not_played(ctx, tmp_path):
    ingest_object(ctx, _upload(ctx, make_clip(tmp_path / "a.mp4", seconds=4)))
    other = make_clip(tmp_path / "b.mp4", seconds=4, fps=10)  # other content
    result = ingest_object(ctx, _upload(ctx, other, START + timedelta(seconds=2), origin="nvr"))
    assert result.outcome is Outcome.INDEXED
    assert result.segment.status is SegmentStatus.OVERLAP
    assert "overlaps footage already indexed for cam-1 from 2026-11-25 02:00:02Z" in (
        result.segment.reason
    )
    playing = ctx.catalog.query_camera("cam-1", START, START + timedelta(minutes=1))
    assert [s.start for s in playing] == [START]
    assert ctx.storage.head(result.segment.key) is not None  # kept
    edge = ingest_object(ctx, _upload(ctx, other, START + timedelta(seconds=3.5), origin="nvr"))
    assert edge.segment.status is SegmentStatus.OK  # half a second: segments meet like that
    # the edge's own recordings are cut by the wall clock: neighbours may overlap a little
    recorded = ingest_object(ctx, _upload(ctx, other, START + timedelta(seconds=1)))
    assert recorded.segment.status is SegmentStatus.OK


def test_a_longer_version_replaces_the_one_it_names(ctx, tmp_path):
    first = make_clip(tmp_path / "v1.mp4", seconds=2)
    ingest_object(ctx, _upload(ctx, first))
    longer = make_clip(tmp_path / "v2.mp4", seconds=5)
    result = ingest_object(ctx, _upload(ctx, longer, supersedes=sha256_file(first)))
    assert result.outcome is Outcome.INDEXED
    slot = ctx.catalog.get_segment("cam-1", START)
    assert slot.sha256 == sha256_file(longer) and slot.status is SegmentStatus.OK
    earlier = ctx.catalog.get_segment("cam-1", START, variant_of(sha256_file(first)))
    assert earlier.status is SegmentStatus.REPLACED and "longer version" in earlier.reason
    assert ctx.storage.head(earlier.key) is not None  # both stay stored
    playing = ctx.catalog.query_camera("cam-1", START, START + timedelta(minutes=1))
    assert [s.sha256 for s in playing] == [sha256_file(longer)]


@pytest.mark.parametrize(("seconds", "names_it"), [(5, False), (1, True)])
def test_a_version_that_is_not_the_named_superset_is_a_conflict(ctx, tmp_path, seconds, names_it):
    first = make_clip(tmp_path / "v1.mp4", seconds=2)
    ingest_object(ctx, _upload(ctx, first))
    other = make_clip(tmp_path / "v2.mp4", seconds=seconds, fps=10)
    claim = sha256_file(first) if names_it else "0" * 64
    result = ingest_object(ctx, _upload(ctx, other, supersedes=claim))
    assert result.outcome is Outcome.CONFLICT
    assert ctx.catalog.get_segment("cam-1", START).sha256 == sha256_file(first)


@pytest.mark.parametrize("original_first", [True, False])
def test_an_original_joins_its_segment_whichever_comes_first(ctx, tmp_path, original_first):
    original = tmp_path / "export.avi"
    original.write_bytes(b"RIFF....AVI " + b"\0" * 100)  # never probed: kept as it is
    segment = make_clip(tmp_path / "seg.mp4", seconds=2)
    key = build_original_key("HO", "cam-1", START, "avi", retention_days=180)

    def send_original() -> None:
        ctx.storage.put_file(key, original, {"sha256": sha256_file(original),
                                             "segment": sha256_file(segment)})  # fmt: skip
        result = ingest_object(ctx, key)
        assert result.outcome is Outcome.ORIGINAL

    if original_first:
        send_original()
    ingest_object(ctx, _upload(ctx, segment, original=key))
    if not original_first:
        send_original()
    row = ctx.catalog.get_segment("cam-1", START)
    assert row.derived_keys == (key,) and row.status is SegmentStatus.OK
    assert ctx.catalog.camera_totals("cam-1").segments == 1  # the original is no segment
    assert ingest_object(ctx, key).outcome is Outcome.ORIGINAL  # again: nothing changes
    assert ctx.catalog.get_segment("cam-1", START).derived_keys == (key,)
