"""``vms status`` shows the last restore drill where the box keeps the index: when,
how many segments, each failure with its segment and reason (recorded time in the
site's clock), and the share of the archive verified in 30 days; text and JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from typer.testing import CliRunner

from edge_uploader.harness.demo import demo_config
from edge_uploader.shell.cli import app
from edge_uploader.shell.commands.status import drill_lines
from footage.adapters.sqlite_drills import SqliteDrillLog
from footage.drills import DrillCheck, DrillRun, DrillStatus, Outcome

NOW = datetime.now(UTC).replace(microsecond=0)
KEY = "segments/retention=90/CABANG-01/cab01-kasir/2026/11/01/x.mp4"


def _check(camera: str, site: str, age: int, outcome: Outcome = Outcome.OK,
           reason: str = "") -> DrillCheck:  # fmt: skip
    start = datetime(2026, 11, 1, 2, 0, tzinfo=UTC) + timedelta(hours=age)
    return DrillCheck(camera, site, start, KEY if outcome is not Outcome.OK else f"k{age}", age,
                      outcome, reason)  # fmt: skip


def test_a_failed_drill_shows_in_vms_status_text_and_json(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / "config.yaml").write_text(yaml.safe_dump(demo_config()))
    drills = SqliteDrillLog(data_dir / "drills.sqlite3")
    drills.initialize()
    drills.record(DrillRun(NOW - timedelta(days=1), (_check("ho-lobby", "HO", 1),), 10))
    bad = _check("cab01-kasir", "CABANG-01", 0, Outcome.HASH_MISMATCH,
                 "SHA-256 0badc0ffee00 is not the index's 5ca1ab1e0000")  # fmt: skip
    drills.record(DrillRun(NOW, (_check("ho-lobby", "HO", 2), bad), 10))

    text = CliRunner().invoke(app, ["status", "--data-dir", str(data_dir)])
    raw = CliRunner().invoke(app, ["status", "--json", "--data-dir", str(data_dir)])

    assert text.exit_code == 0, text.output
    assert (f"restore drill: last {NOW:%Y-%m-%d %H:%M} UTC  2 sampled  1 FAILED  archive "
            "verified in 30 days: 20.0% of 10 segments") in text.output  # fmt: skip
    assert (f"  DRILL FAILED CABANG-01  cab01-kasir      recorded 2026-11-01 10:00:00 WITA  {KEY}:"
            " hash_mismatch (SHA-256 0badc0ffee00 is not the index's 5ca1ab1e0000)"
            ) in text.output  # fmt: skip
    report = json.loads(raw.output)["drills"]
    assert (report["sampled"], report["archive_segments"]) == (2, 10)
    assert report["fraction_verified_30d"] == 0.2
    (failed,) = report["failed"]
    assert (failed["key"], failed["outcome"], failed["site"]) == (KEY, "hash_mismatch",
                                                                  "CABANG-01")  # fmt: skip


def test_no_drill_yet_and_all_passed() -> None:
    none = DrillStatus(None, 0, (), 0.0, 0)
    assert list(drill_lines(none, {})) == [
        "restore drill: none in 30 days (vms drill runs one; vms up runs one daily)"]  # fmt: skip
    passed = DrillStatus(datetime(2026, 12, 6, 3, 0, tzinfo=UTC), 50, (), 0.015, 20000)
    assert list(drill_lines(passed, {})) == [
        "restore drill: last 2026-12-06 03:00 UTC  50 sampled  all passed  archive verified in"
        " 30 days: 1.5% of 20000 segments"]  # fmt: skip
