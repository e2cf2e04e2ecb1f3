"""The on-prem retention scheduler (vms up): its daily run expires exports too, so
they go even while the API, whose own timer also expires them, is down."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from edge_uploader.workers import RetentionScheduler
from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.clock import FixedClock
from footage.keys import build_export_key
from footage.services.exports import ExportJob, ExportStatus, ExportStore
from footage.services.retention import RetentionJob

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _export(store: ExportStore, created: datetime) -> ExportJob:
    job = ExportJob(uuid.uuid4().hex, "lobby", "HO", T0, T0 + timedelta(minutes=5), "alice",
                    created, ExportStatus.DONE, file_name="clip.mp4")  # fmt: skip
    store.save(job)
    store.storage.put_bytes(build_export_key(job.id, "clip.mp4"), b"mp4")
    return job


def test_daily_run_expires_exports_older_than_a_day(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path / "storage", b"k" * 32)
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    store = ExportStore(storage)
    clock = FixedClock(T0)
    scheduler = RetentionScheduler(RetentionJob(storage, catalog, {"lobby": 30}), clock, time(3))
    yesterday = _export(store, T0 - timedelta(hours=30))
    today = _export(store, T0 - timedelta(hours=2))

    first = scheduler.tick()  # the first run is at start
    assert first is not None and first.exports_deleted == 2
    assert [o.key.split("/")[1] for o in storage.list("exports/")] == [today.id] * 2
    assert scheduler.tick() is None  # not again before 03:00

    clock.advance(hours=18)  # 03:00 the next day: today's export is 20 h old, kept
    kept = scheduler.tick()
    assert kept is not None and kept.exports_deleted == 0
    clock.advance(days=1)  # a day later it is 44 h old
    report = scheduler.tick()
    assert report is not None and report.exports_deleted == 2
    assert list(storage.list("exports/")) == []
    assert store.storage.head(build_export_key(yesterday.id, "job.json")) is None
    catalog.close()
