"""The retention sweep over a real SQLite index and a real folder storage."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.clock import FixedClock
from footage.errors import ExportNotFound, StorageError
from footage.keys import build_export_key, build_segment_key, build_thumbnail_key
from footage.models import Protection, Segment
from footage.retention import expiry
from footage.services.exports import EXPORT_LIFETIME, ExportJob, ExportStatus, ExportStore
from footage.services.retention import RetentionJob, RetentionReport, run_retention

T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
SITES = {"lobby": "HO", "gate": "CABANG-01", "old-cam": "HO"}


class FlakyDeletes(FilesystemStorage):
    """The real folder storage, except that deleting ``broken`` keys fails."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, b"k" * 32)
        self.broken: set[str] = set()

    def delete(self, key: str) -> bool:
        if key in self.broken:
            raise StorageError(f"permission denied: {key}")
        return super().delete(key)


@dataclass
class World:
    storage: FlakyDeletes
    catalog: SqliteCatalog
    clock: FixedClock

    def add(self, camera: str, minute: int, size: int = 1000, days: int = 180) -> Segment:
        start = T0 + timedelta(minutes=minute)
        site = SITES[camera]
        key = build_segment_key(site, camera, start, retention_days=180)
        thumb = build_thumbnail_key(site, camera, start, retention_days=180)
        self.storage.put_bytes(key, b"v" * size)
        self.storage.put_bytes(thumb, b"jpeg")
        end = start + timedelta(seconds=60)
        segment = Segment(
            camera, site, start, end, size, "0" * 64, key,
            thumbnail_key=thumb, expires_at=expiry(end, days),
        )  # fmt: skip
        self.catalog.put_segment(segment)
        return segment

    def run(
        self, days: Mapping[str, int], *, dry_run: bool = False, batch: int = 500
    ) -> RetentionReport:
        job = RetentionJob(self.storage, self.catalog, days, batch_size=batch)
        return run_retention(job, self.clock.now(), dry_run=dry_run)

    def stored_keys(self) -> list[str]:
        return [o.key for o in self.storage.list()]

    def rows(self, camera: str) -> list[Segment]:
        return self.catalog.query_camera(camera, T0 - timedelta(days=1), T0 + timedelta(days=1))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    catalog = SqliteCatalog(tmp_path / "i.sqlite3")
    catalog.initialize()
    yield World(FlakyDeletes(tmp_path / "storage"), catalog, FixedClock(T0))
    catalog.close()


DEFAULT = {"lobby": 180, "gate": 180}


def test_nothing_deleted_before_retention(world: World) -> None:
    for minute in range(3):
        world.add("lobby", minute)
    world.clock.advance(days=180)  # the first segment ends at T0 + 1 min
    assert world.run(DEFAULT).segments == 0
    assert len(world.rows("lobby")) == 3
    assert len(world.stored_keys()) == 6
    world.clock.advance(minutes=2)  # exactly 180 days after the second one ends
    report = world.run(DEFAULT)
    assert (report.segments, report.objects, report.bytes, report.errors) == (2, 4, 2000, [])
    assert len(world.rows("lobby")) == 1
    assert len(world.stored_keys()) == 2


def test_everything_past_retention_is_deleted(world: World) -> None:
    sizes = [1000, 2500, 4000]
    for minute, size in enumerate(sizes):
        world.add("lobby", minute, size)
    world.add("gate", 0, 700)
    before = world.run(DEFAULT)
    assert before.segments == 0
    assert len(world.stored_keys()) == 8

    world.clock.advance(days=181)
    report = world.run(DEFAULT)
    assert report.segments == 4
    assert report.objects == 8
    assert report.bytes == sum(sizes) + 700
    assert report.errors == []
    assert world.stored_keys() == []
    assert world.rows("lobby") == [] and world.rows("gate") == []
    assert world.catalog.camera_totals("lobby").segments == 0
    assert world.catalog.site_totals("HO").bytes == 0
    assert not (world.storage.root / "segments").exists()


def test_small_batches_are_drained_in_one_run(world: World) -> None:
    for minute in range(7):
        world.add("lobby", minute)
    world.clock.advance(days=200)
    report = world.run(DEFAULT, batch=2)
    assert report.segments == 7
    assert world.stored_keys() == []


def test_protected_range_survives(world: World) -> None:
    segments = [world.add("lobby", minute) for minute in range(3)]
    gate = world.add("gate", 1)
    middle = segments[1]
    assert middle.thumbnail_key is not None
    world.catalog.add_protection(
        Protection("lobby", middle.start + timedelta(seconds=10), middle.end, "case 42")
    )
    world.clock.advance(days=400)
    report = world.run(DEFAULT)
    assert report.segments == 3  # two lobby segments and the gate one
    assert [s.start for s in world.rows("lobby")] == [middle.start]
    assert sorted(world.stored_keys()) == sorted([middle.key, middle.thumbnail_key])
    assert world.rows("gate") == []  # the hold is on lobby only, not on the same time
    assert gate.key not in world.stored_keys()


def test_segment_indexed_after_a_hold_is_protected_too(world: World) -> None:
    world.catalog.add_protection(
        Protection("lobby", T0, T0 + timedelta(hours=1), "incident before ingest")
    )
    kept = world.add("lobby", 5)
    world.clock.advance(days=400)
    assert world.run(DEFAULT).segments == 0
    assert kept.key in world.stored_keys()


def test_dry_run_deletes_nothing_but_reports_the_same(world: World) -> None:
    for minute in range(3):
        world.add("lobby", minute, 1000 + minute)
    world.add("gate", 0, 10)
    world.clock.advance(days=181)
    dry = world.run(DEFAULT, dry_run=True)
    assert dry.dry_run is True
    assert len(world.stored_keys()) == 8
    assert len(world.rows("lobby")) == 3
    real = world.run(DEFAULT)
    assert (dry.segments, dry.objects, dry.bytes) == (real.segments, real.objects, real.bytes)
    assert (real.segments, real.objects, real.bytes) == (4, 8, 3013)
    assert sorted(s.key for s in dry.deleted) == sorted(s.key for s in real.deleted)


def test_per_camera_retention(world: World) -> None:
    short = world.add("lobby", 0)  # stored expiry says 180 days; the camera is now on 7
    long = world.add("gate", 0, days=7)  # stored expiry says 7; the camera is now on 180
    days = {"lobby": 7, "gate": 180}
    world.clock.advance(days=7)
    assert world.run(days).segments == 0  # 60 s short of 7 days after the end
    world.clock.advance(minutes=1)
    report = world.run(days)
    assert [s.key for s in report.deleted] == [short.key]
    assert world.rows("lobby") == []
    assert [s.key for s in world.rows("gate")] == [long.key]
    world.clock.advance(days=173)
    assert [s.key for s in world.run(days).deleted] == [long.key]


def test_camera_no_longer_configured_uses_stored_expiry(world: World) -> None:
    gone = world.add("old-cam", 0, days=30)
    world.clock.advance(days=30, minutes=1)
    report = world.run(DEFAULT)
    assert [s.key for s in report.deleted] == [gone.key]
    assert world.stored_keys() == []


def test_storage_failure_keeps_the_row_for_the_next_run(world: World) -> None:
    segments = [world.add("lobby", minute) for minute in range(3)]
    stuck = segments[1]
    assert stuck.thumbnail_key is not None
    world.storage.broken = {stuck.thumbnail_key}  # the segment file goes, the thumbnail fails
    world.clock.advance(days=181)
    report = world.run(DEFAULT)
    assert report.segments == 2
    assert len(report.errors) == 1
    assert stuck.key in report.errors[0]
    assert [s.start for s in world.rows("lobby")] == [stuck.start]
    assert world.stored_keys() == [stuck.thumbnail_key]

    world.storage.broken = set()
    retry = world.run(DEFAULT)
    assert (retry.segments, retry.errors) == (1, [])
    assert world.rows("lobby") == []
    assert world.stored_keys() == []


def test_report_counts_each_expired_segment_protection_kept(world: World) -> None:
    """The catalog's retention queries never return protected rows, so the report
    once said 0 here; it must count what the holds kept, each segment once."""
    lobby = [world.add("lobby", minute) for minute in range(6)]
    gate = world.add("gate", 0)
    world.catalog.add_protection(Protection("lobby", lobby[1].start, lobby[4].end, "case 1"))
    world.catalog.add_protection(Protection("lobby", lobby[4].start, lobby[4].end, "case 2"))
    world.catalog.add_protection(Protection("gate", gate.start, gate.end, "case 3"))
    days = {"lobby": 180, "gate": 365}  # the gate segment is held but not yet past retention
    world.clock.advance(days=181)
    dry = world.run(days, dry_run=True)
    real = world.run(days)
    for report in (dry, real):
        assert (report.segments, report.protected_kept) == (2, 4)
    assert [s.start for s in world.rows("lobby")] == [s.start for s in lobby[1:5]]
    assert world.run(days).protected_kept == 4  # still kept, still counted
    world.clock.advance(days=200)
    assert world.run(days).protected_kept == 5  # now the gate segment too


def _export(store: ExportStore, created: datetime, *files: str) -> ExportJob:
    job = ExportJob(uuid.uuid4().hex, "lobby", "HO", T0, T0 + timedelta(minutes=5), "alice",
                    created, ExportStatus.DONE, file_name=files[0] if files else None)  # fmt: skip
    store.save(job)
    for name in files:
        store.storage.put_bytes(build_export_key(job.id, name), b"mp4")
    return job


def test_retention_expires_exports_past_their_lifetime(world: World) -> None:
    """Without the API (whose timer expired them), the sweep deletes finished exports
    older than a day, with their files, and files no job accounts for."""
    store = ExportStore(world.storage)
    now = world.clock.now() + timedelta(days=2)
    old = _export(store, now - EXPORT_LIFETIME - timedelta(minutes=1), "clip.mp4", "part-0.mp4")
    fresh = _export(store, now - timedelta(hours=2), "clip.mp4")
    leftover = build_export_key(uuid.uuid4().hex, "part-0.mp4")
    world.storage.put_bytes(leftover, b"mp4")
    world.clock.advance(days=2)
    dry = world.run(DEFAULT, dry_run=True)
    assert dry.exports_deleted == 4 and len(world.stored_keys()) == 6
    report = world.run(DEFAULT)
    assert report.exports_deleted == 4 and report.errors == []
    assert sorted(world.stored_keys()) == sorted(
        build_export_key(fresh.id, name) for name in ("job.json", "clip.mp4")
    )
    with pytest.raises(ExportNotFound):
        store.load(old.id)
    assert store.load(fresh.id).status is ExportStatus.DONE
