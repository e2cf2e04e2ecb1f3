"""The daily sweep on-prem style (a real folder and SQLite): retention then the net, per
camera, handing on what it has no time for."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.keys import build_segment_key
from footage.models import Segment
from footage.services.ingest_types import Outcome
from footage.services.orphans import REINDEX_RESERVE_S, CameraScope, OrphanJob
from footage.services.retention import RetentionJob
from footage.services.sweep import SweepJob, run_sweep, summary

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RECENT = NOW - timedelta(hours=20)


class Ingest:
    """Ingest's entry point as the net calls it: indexes the key (records it)."""

    def __init__(self, catalog: SqliteCatalog) -> None:
        self.catalog, self.keys = catalog, list[str]()

    def __call__(self, key: str) -> str:
        self.keys.append(key)
        self.catalog.add_segment(_segment(key))
        return Outcome.INDEXED.value


def _segment(key: str) -> Segment:
    start = datetime.strptime(key.rsplit("_", 1)[1][:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    camera = key.split("/")[3]
    return Segment(camera, "HO", start, start + timedelta(minutes=1), 1, "0" * 64, key)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[FilesystemStorage, SqliteCatalog]]:
    catalog = SqliteCatalog(tmp_path / "i.sqlite3")
    catalog.initialize()
    yield FilesystemStorage(tmp_path / "nas", b"k" * 32), catalog
    catalog.close()


def _job(storage: FilesystemStorage, catalog: SqliteCatalog, cameras: list[str],
         ingest: Ingest, time_left: object = None) -> SweepJob:  # fmt: skip
    scopes = [CameraScope(c, "HO", 30) for c in cameras]
    net = OrphanJob(storage, catalog, scopes, reindex=ingest, time_left=time_left)  # type: ignore[arg-type]
    retention = RetentionJob(storage, catalog, {c: 30 for c in cameras})
    return SweepJob(retention, net, time_left)  # type: ignore[arg-type]


def _put(storage: FilesystemStorage, key: str) -> None:
    """Stored at its start, long settled."""
    storage.put_bytes(key, b"v")
    path = storage.local_path(key)
    assert path is not None
    os.utime(path, (RECENT.timestamp(), RECENT.timestamp()))


def _key(camera: str, minute: int) -> str:
    return build_segment_key("HO", camera, RECENT + timedelta(minutes=minute), retention_days=30)


def test_the_sweep_drops_rows_without_objects_and_reindexes_objects_without_rows(world):
    storage, catalog = world
    ingest = Ingest(catalog)
    kept, lost_object, lost_row = _key("cam1", 0), _key("cam1", 1), _key("cam1", 2)
    for key in (kept, lost_object):
        catalog.add_segment(_segment(key))
    _put(storage, kept)
    _put(storage, lost_row)
    report = run_sweep(_job(storage, catalog, ["cam1"], ingest), NOW)
    rows = catalog.query_camera("cam1", RECENT, NOW, include_quarantined=True)
    assert [r.key for r in rows] == [kept, lost_row]
    assert ingest.keys == [lost_row]
    counts = summary(report)
    assert (counts["SweepRowsDropped"], counts["SweepReindexed"]) == (1, 1)
    assert report.remaining == [] and counts["SweepErrors"] == 0


def test_reindexing_short_of_time_hands_the_camera_on_and_the_continuation_finishes(world):
    storage, catalog = world
    for camera in ("cam1", "cam2"):
        for minute in range(3):
            _put(storage, _key(camera, minute))
    left = iter([REINDEX_RESERVE_S + 1, REINDEX_RESERVE_S - 1])
    first_ingest = Ingest(catalog)
    job = _job(storage, catalog, ["cam1", "cam2"], first_ingest, lambda: next(left, 0.0))
    first = run_sweep(job, NOW)
    assert first_ingest.keys == [_key("cam1", 0)] and first.remaining == ["cam1", "cam2"]
    rest = run_sweep(_job(storage, catalog, ["cam1", "cam2"], Ingest(catalog)), NOW,
                     cameras=first.remaining)  # fmt: skip
    assert rest.remaining == [] and summary(rest)["SweepReindexed"] == 5
    for camera in ("cam1", "cam2"):
        assert len(catalog.query_camera(camera, RECENT, NOW)) == 3
