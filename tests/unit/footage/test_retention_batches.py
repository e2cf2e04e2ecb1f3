"""The retention sweep deletes page-wise in batches and hands on what it has no time for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.keys import build_segment_key
from footage.models import Segment
from footage.services.retention import CAMERA_BUDGET_S, RetentionJob, run_retention

T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=40)


class CountingStorage(FilesystemStorage):
    """The real folder storage, counting batch calls and refusing ``broken`` keys."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, b"k" * 32)
        self.batches: list[int] = []
        self.broken: set[str] = set()

    def delete_many(self, keys: Sequence[str]) -> Sequence[str]:
        self.batches.append(len(keys))
        failed = [k for k in keys if k in self.broken]
        super().delete_many([k for k in keys if k not in self.broken])
        return failed


def _world(
    tmp_path: Path, cameras: Sequence[str], per_camera: int
) -> tuple[CountingStorage, SqliteCatalog]:
    storage, catalog = CountingStorage(tmp_path / "nas"), SqliteCatalog(tmp_path / "i.sqlite3")
    catalog.initialize()
    for camera in cameras:
        for minute in range(per_camera):
            start = T0 + timedelta(minutes=minute)
            key = build_segment_key("HO", camera, start, retention_days=30)
            storage.put_bytes(key, b"v")
            catalog.put_segment(Segment(camera, "HO", start, start + timedelta(seconds=60), 1,
                                        "0" * 64, key))  # fmt: skip
    return storage, catalog


def test_a_page_of_due_segments_is_one_object_batch_and_a_failed_object_keeps_its_row(
    tmp_path: Path,
) -> None:
    storage, catalog = _world(tmp_path, ["cam1"], 5)
    stuck = catalog.query_camera("cam1", T0, T0 + timedelta(minutes=1))[0]
    storage.broken.add(stuck.key)

    report = run_retention(RetentionJob(storage, catalog, {"cam1": 30}), NOW)

    assert storage.batches[0] == 5  # one call for the whole page
    assert report.segments == 4 and len(report.errors) == 1
    assert [s.key for s in catalog.query_camera("cam1", T0, NOW)] == [stuck.key]


def test_a_run_short_of_time_stops_between_cameras_and_names_the_rest(tmp_path: Path) -> None:
    storage, catalog = _world(tmp_path, ["cam1", "cam2", "cam3"], 2)
    clock = iter([CAMERA_BUDGET_S + 1, CAMERA_BUDGET_S - 1])
    job = RetentionJob(storage, catalog, {c: 30 for c in ("cam1", "cam2", "cam3")},
                       time_left=lambda: next(clock))  # fmt: skip

    first = run_retention(job, NOW, cameras=["cam1", "cam2", "cam3"])
    rest = run_retention(RetentionJob(storage, catalog, job.retention_days), NOW,
                         cameras=first.remaining)  # fmt: skip

    assert first.remaining == ["cam3"] and first.segments == 4
    assert rest.remaining == [] and rest.segments == 2
    assert [o.key for o in storage.list()] == []
