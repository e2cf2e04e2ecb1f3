"""``vms plan``: a branch whose uplink cannot carry its cameras' footage is named,
with the numbers, and the command fails; the spool's history is what it measures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from edge_uploader.calibrator import CalibrationStore
from edge_uploader.journal.history import JOURNAL_NAME
from edge_uploader.journal.store import Journal
from edge_uploader.shell.cli import app
from footage.adapters.sqlite_db import to_ms
from footage.calibration import Calibration, CalibrationConfig, LevelChoice

CONFIG = {
    "sites": [
        {"id": "HO", "name": "Head office", "upload": {"max_kbps": 50000}},
        {"id": "CABANG-02", "name": "Cabang 02", "upload": {"max_kbps": 2000}},
    ],
    "cameras": [
        {"id": "ho-1", "site": "HO", "name": "HO", "rtsp_url": "rtsp://10.0.0.2/s"},
        *({"id": f"c2-{n}", "site": "CABANG-02", "name": f"C2 {n}",
           "rtsp_url": f"rtsp://10.0.2.{n}/s", "bitrate_kbps": 4000} for n in (1, 2)),
    ],
}  # fmt: skip


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    return path


def test_a_branch_that_cannot_keep_up_is_named_with_its_numbers(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    result = CliRunner().invoke(app, ["plan", "-c", str(_write(tmp_path)), "-d", str(data_dir)])
    assert result.exit_code == 1, result.output
    assert (
        "CABANG-02 cannot keep up: its cameras record 86.4 GB a day and the uplink carries"
        " 21.6 GB a day; at level 0 (copy) it sends 86.4 GB a day and the backlog grows 64.8 GB"
        " a day; even the heaviest level would send 26.3 GB a day (with 4.06 CPU cores)"
    ) in result.output
    ho = next(line for line in result.output.splitlines() if line.startswith("HO "))
    assert ho.endswith("keeps up")
    assert "Kinesis Video Streams (us-east-1)" in result.output
    assert not data_dir.exists()  # planning creates nothing


def test_the_spool_history_is_measured_and_said_so(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    journal = Journal(data_dir / "spool" / JOURNAL_NAME)
    journal.path.parent.mkdir(parents=True)
    journal.initialize()
    start = datetime.now(UTC) - timedelta(hours=2)
    with journal.transaction() as db:
        for n in range(60):  # ho-1: 60 one-minute segments of 1.5 MB, i.e. 0.2 Mbit/s
            db.execute(
                "INSERT INTO uploads (path, camera, site, start_ms, size, state, enqueued_ms) "
                "VALUES (?, 'ho-1', 'HO', ?, 1500000, 'uploaded', ?)",
                (f"/s/{n}.mp4", to_ms(start + timedelta(minutes=n)), to_ms(start)),
            )
    result = CliRunner().invoke(
        app, ["plan", "--json", "-c", str(_write(tmp_path)), "-d", str(data_dir)]
    )
    plan = json.loads(result.output)
    ho = next(c for c in plan["cameras"] if c["camera"] == "ho-1")
    assert (ho["source"], ho["recorded_bytes_per_hour"]) == ("measured", 90_000_000)
    assert plan["measured_from"] == "this box's spool (last 7 days) and calibrations"
    assert [c["source"] for c in plan["cameras"] if c["site"] == "CABANG-02"] == ["config"] * 2
    assert result.exit_code == 1


def test_a_calibrated_ladder_is_what_the_plan_counts_on(tmp_path: Path) -> None:
    """c2-1 and c2-2 calibrated to 20 % of their bytes at level 1 for 0.3 core each:
    8.64 of 86.4 GB a day fits CABANG-02's 21.6 GB, at level 1."""
    data_dir = tmp_path / "var"
    store = CalibrationStore(data_dir / "calibration", CalibrationConfig())
    level = LevelChoice(level=1, floor=93, profile=None, ratio=0.2, cpu_s_per_min=18)
    for camera in ("c2-1", "c2-2"):
        store.save(Calibration(camera=camera, calibrated_at=datetime(2026, 12, 1, tzinfo=UTC),
                               bitrate_bps=4e6, levels=[level]))  # fmt: skip
    result = CliRunner().invoke(
        app, ["plan", "--json", "-c", str(_write(tmp_path)), "-d", str(data_dir)]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    branch = next(s for s in plan["sites"] if s["site"] == "CABANG-02")
    assert (branch["keeps_up"], branch["level"]) == (True, 1)
    assert branch["upload_gb_day"] == pytest.approx(86.4 * 0.2)
    assert branch["cpu_cores"] == pytest.approx(0.6)
    calibrated = [c for c in plan["cameras"] if c["site"] == "CABANG-02"]
    assert {(c["ratio"], c["ratio_source"]) for c in calibrated} == {(0.2, "calibrated")}
