"""The on-prem restore drill scheduler (vms up): daily at drills.run_at, and a
restart does not drill again before the next run is due."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from edge_uploader.workers import DrillScheduler
from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.adapters.sqlite_drills import SqliteDrillLog
from footage.clock import FixedClock
from footage.config import Config
from footage.services.drill import DrillJob

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SITES = [{"id": "HO", "name": "Head office"}]


def _job(tmp_path: Path) -> DrillJob:
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    drills = SqliteDrillLog(tmp_path / "drills.sqlite3")
    drills.initialize()
    storage = FilesystemStorage(tmp_path / "storage", b"k" * 32)
    return DrillJob(storage, catalog, drills, [], tmp_path / "work")


def test_daily_at_run_at_and_not_again_after_a_restart(tmp_path: Path) -> None:
    job, clock = _job(tmp_path), FixedClock(T0)
    scheduler = DrillScheduler(job, clock, time(3), 5)
    assert scheduler.tick() is not None  # nothing recorded yet: at once
    assert scheduler.next_run == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    clock.advance(hours=1)
    assert scheduler.tick() is None

    restarted = DrillScheduler(job, clock, time(3), 5)  # the last run was an hour ago
    assert restarted.tick() is None
    assert restarted.next_run == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    clock.advance(hours=17)  # 03:00 the next day
    assert restarted.tick() is not None
    assert [r.at for r in job.drills.runs_since(T0)] == [clock.now(), T0]


def test_a_run_missed_while_down_is_made_up_at_start(tmp_path: Path) -> None:
    job, clock = _job(tmp_path), FixedClock(T0)
    assert DrillScheduler(job, clock, time(3), 5).tick() is not None
    clock.advance(days=2)  # the box was off at 03:00 yesterday and today
    assert DrillScheduler(job, clock, time(3), 5).tick() is not None


def test_drills_config_defaults_and_bounds() -> None:
    config = Config.model_validate({"sites": SITES})
    assert (config.drills.enabled, config.drills.count, config.drills.run_at) == (
        True, 50, time(3, 0))  # fmt: skip
    with pytest.raises(ValueError, match="count"):
        Config.model_validate({"sites": SITES, "drills": {"count": 0}})
    with pytest.raises(ValueError, match="extra"):
        Config.model_validate({"sites": SITES, "drills": {"every": "day"}})
