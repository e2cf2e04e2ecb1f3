"""The CLI prints each site's wall clock with its zone, never UTC (issue 15, item 7):
``vms footage ls`` for footage of 6 December in Jakarta says 6 December WIB."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from typer.testing import CliRunner

from edge_uploader.harness.demo import demo_config
from edge_uploader.shell.cli import app
from edge_uploader.shell.status import CameraStatus, SystemStatus, write_status
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.installation import InstanceLock
from footage.keys import build_segment_key
from footage.models import Segment

START = datetime(2026, 12, 5, 22, 40, 20, tzinfo=UTC)  # 05:40:20 WIB, 06:40:20 WITA


def _installation(tmp_path: Path) -> Path:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / "config.yaml").write_text(yaml.safe_dump(demo_config()))
    catalog = SqliteCatalog(data_dir / "index.sqlite3")
    catalog.initialize()
    for site, camera in (("HO", "ho-lobby"), ("CABANG-01", "cab01-kasir")):
        key = build_segment_key(site, camera, START, retention_days=180)
        catalog.put_segment(Segment(camera, site, START, START + timedelta(seconds=30), 1000,
                                    "0" * 64, key, "h264", 640, 360))  # fmt: skip
    return data_dir


def test_footage_ls_prints_site_local_times_with_the_zone(tmp_path: Path) -> None:
    data_dir = _installation(tmp_path)
    text = CliRunner().invoke(app, ["footage", "ls", "--data-dir", str(data_dir)])
    assert text.exit_code == 0, text.output
    lines = {line.split()[0]: line for line in text.stdout.splitlines()}
    assert "2026-12-06 05:40:20 WIB" in lines["ho-lobby"]
    assert "2026-12-06 06:40:20 WITA" in lines["cab01-kasir"]
    assert "22:40" not in text.stdout and "Z " not in text.stdout
    # JSON stays UTC, for scripts
    raw = CliRunner().invoke(app, ["footage", "ls", "--json", "--data-dir", str(data_dir)])
    assert {row["start"] for row in json.loads(raw.stdout)} == {"2026-12-05T22:40:20Z"}


def test_status_prints_the_last_segment_in_site_time(tmp_path: Path) -> None:
    data_dir = _installation(tmp_path)
    status = SystemStatus(updated_at=datetime.now(UTC), pid=1, cameras={
        "ho-lobby": CameraStatus(site="HO", state="recording", last_segment_at=START),
        "cab01-kasir": CameraStatus(site="CABANG-01", state="offline", last_segment_at=START,
                                    problem="unreachable", last_error="Connection refused"),
    })  # fmt: skip
    write_status(data_dir / "status.json", status)
    lock = InstanceLock(data_dir)
    lock.acquire()
    try:
        text = CliRunner().invoke(app, ["status", "--data-dir", str(data_dir)])
    finally:
        lock.release()
    assert text.exit_code == 0, text.output
    rows = {line.split()[1]: line for line in text.stdout.splitlines() if "last" in line}
    assert "last 05:40:20 WIB" in rows["ho-lobby"]
    assert "last 06:40:20 WITA" in rows["cab01-kasir"]
    # a red camera says why in words, then the tool's own
    assert "REASON: camera unreachable  ERROR: Connection refused" in rows["cab01-kasir"]


def test_evidence_protect_answers_in_site_time(tmp_path: Path) -> None:
    data_dir = _installation(tmp_path)
    result = CliRunner().invoke(app, [
        "evidence", "protect", "cab01-kasir", "--start", "2026-12-06T06:40:00+08:00",
        "--end", "2026-12-05T22:45:00Z", "--reason", "case 7", "--data-dir", str(data_dir),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2026-12-06 06:40:00 WITA .. 2026-12-06 06:45:00 WITA (1 segments" in result.stdout
