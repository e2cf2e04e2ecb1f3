"""The orphan sweep over a real folder storage and a real SQLite index."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.keys import (
    KeyKind,
    build_key,
    build_rendition_key,
    build_segment_key,
    build_thumbnail_key,
)
from footage.models import Protection, Segment
from footage.services.orphans import CameraScope, OrphanJob, sweep_orphans

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SCOPE = CameraScope("lobby", "HO", 30)


@pytest.fixture
def world(tmp_path: Path):
    catalog = SqliteCatalog(tmp_path / "i.sqlite3")
    catalog.initialize()
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    yield storage, catalog, OrphanJob(storage, catalog, [SCOPE], lookback_days=7)
    catalog.close()


def _put(storage: FilesystemStorage, key: str, age: timedelta, size: int = 100) -> str:
    storage.put_bytes(key, b"x" * size)
    path = storage.local_path(key)
    assert path is not None
    stamp = (NOW - age).timestamp()
    os.utime(path, (stamp, stamp))
    return key


def _row(catalog: SqliteCatalog, start: datetime) -> Segment:
    key = build_segment_key("HO", "lobby", start, retention_days=30)
    segment = Segment("lobby", "HO", start, start + timedelta(minutes=1), 100, "0" * 64, key,
                      thumbnail_key=build_thumbnail_key("HO", "lobby", start,
                                                        retention_days=30))  # fmt: skip
    catalog.put_segment(segment)
    return segment


def test_expired_objects_without_rows_are_deleted_and_rows_left_to_retention(world):
    storage, catalog, job = world
    old = NOW - timedelta(days=31)
    orphan = _put(
        storage,
        build_segment_key("HO", "lobby", old, retention_days=30),
        timedelta(days=31),
        size=700,
    )
    thumb = _put(
        storage,
        build_thumbnail_key("HO", "lobby", old, retention_days=30),
        timedelta(days=31),
        size=5,
    )
    indexed_start = old + timedelta(minutes=5)
    _row(catalog, indexed_start)
    indexed = _put(
        storage,
        build_segment_key("HO", "lobby", indexed_start, retention_days=30),
        timedelta(days=31),
    )
    older = NOW - timedelta(days=45)  # outside the 7-day window
    too_old = _put(storage, build_segment_key("HO", "lobby", older, retention_days=30),
                   timedelta(days=45))  # fmt: skip
    report = sweep_orphans(job, NOW)
    assert sorted(report.deleted) == sorted([orphan, thumb])
    assert (report.objects, report.bytes, report.errors) == (2, 705, [])
    assert {o.key for o in storage.list()} == {indexed, too_old}


def test_evidence_hold_keeps_expired_orphans(world):
    storage, catalog, job = world
    old = NOW - timedelta(days=32)
    key = _put(
        storage, build_segment_key("HO", "lobby", old, retention_days=30), timedelta(days=32)
    )
    catalog.add_protection(Protection("lobby", old - timedelta(hours=1), old + timedelta(hours=1),
                                      "case 17"))  # fmt: skip
    report = sweep_orphans(job, NOW)
    assert (report.objects, report.protected_kept) == (0, 1)
    assert storage.head(key) is not None


def test_recent_derived_orphans_go_after_grace_but_uploads_are_only_counted(world):
    """Without ingest to re-index with, a rowless upload is counted and its thumbnail
    kept (it is its own again once indexed); renditions have their own lifecycle."""
    storage, catalog, job = world
    t = NOW - timedelta(hours=8)
    _row(catalog, t)
    indexed = _put(storage, build_segment_key("HO", "lobby", t, retention_days=30),
                   timedelta(hours=8))  # fmt: skip
    referenced = _put(
        storage, build_thumbnail_key("HO", "lobby", t, retention_days=30), timedelta(hours=8)
    )
    settled = t + timedelta(minutes=1)
    stale_thumb = _put(
        storage, build_thumbnail_key("HO", "lobby", settled, retention_days=30), timedelta(hours=7)
    )
    rendition = _put(storage, build_rendition_key("HO", "lobby", settled, "h264-small"),
                     timedelta(hours=7))  # fmt: skip
    fresh = t + timedelta(hours=7)
    young_thumb = _put(
        storage, build_thumbnail_key("HO", "lobby", fresh, retention_days=30), timedelta(minutes=30)
    )
    later = t + timedelta(minutes=2)
    waiting = _put(
        storage, build_segment_key("HO", "lobby", later, retention_days=30), timedelta(hours=7)
    )
    its_thumb = _put(
        storage, build_thumbnail_key("HO", "lobby", later, retention_days=30), timedelta(hours=7)
    )
    report = sweep_orphans(job, NOW)
    assert report.deleted == [stale_thumb]
    assert (report.unindexed, report.rows_dropped) == (1, 0)
    assert {o.key for o in storage.list()} == {
        indexed,
        referenced,
        young_thumb,
        waiting,
        its_thumb,
        rendition,
    }


def test_dry_run_reports_without_deleting(world):
    storage, _, job = world
    old = NOW - timedelta(days=33)
    key = _put(
        storage, build_segment_key("HO", "lobby", old, retention_days=30), timedelta(days=33)
    )
    report = sweep_orphans(job, NOW, dry_run=True)
    assert report.deleted == [key]
    assert storage.head(key) is not None


def test_orphans_of_every_class_in_use_and_of_keys_from_before_classes_are_found(world):
    storage, catalog, _ = world
    # lobby moved from 90 to 30 days; gate still uses 90; footage from before classes too
    job = OrphanJob(storage, catalog, [SCOPE, CameraScope("gate", "HO", 90)], lookback_days=7)
    old = NOW - timedelta(days=31)
    legacy = _put(storage, build_key(KeyKind.SEGMENT, "HO", "lobby", old, retention_days=None),
                  timedelta(days=31))  # fmt: skip
    in_old_class = _put(storage, build_segment_key("HO", "lobby", old, retention_days=90),
                        timedelta(days=31))  # fmt: skip
    other_camera = _put(storage, build_segment_key("HO", "gate", old, retention_days=90),
                        timedelta(days=31))  # fmt: skip
    report = sweep_orphans(job, NOW)
    assert sorted(report.deleted) == sorted([legacy, in_old_class])
    assert {o.key for o in storage.list()} == {other_camera}
