"""``vms status`` names a supervised child that cannot bind its port, and says
"not running" as soon as `vms up` is gone, even killed with -9 a moment ago
(its status file still looks fresh; the instance lock went with it)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import yaml
from typer.testing import CliRunner

from edge_uploader.harness.demo import demo_config
from edge_uploader.shell.cli import app
from edge_uploader.shell.status import ServiceStatus, SystemStatus, write_status
from footage.installation import InstanceLock

BUSY = (
    "cannot bind 127.0.0.1:5001: Address already in use; held by pid 4242 (python3 -m http.server)"
)


def _installation(tmp_path: Path) -> Path:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / "config.yaml").write_text(yaml.safe_dump(demo_config()))
    status = SystemStatus(updated_at=datetime.now(UTC), pid=1, cameras={}, services={
        "api": ServiceStatus(state="port busy", restarts=3, last_error=BUSY),
        "relay": ServiceStatus(state="running", pid=77),
    })  # fmt: skip
    write_status(data_dir / "status.json", status)
    return data_dir


def test_a_child_that_cannot_bind_says_why_in_text_and_json(tmp_path: Path) -> None:
    data_dir = _installation(tmp_path)
    lock = InstanceLock(data_dir)
    lock.acquire()
    try:
        text = CliRunner().invoke(app, ["status", "--data-dir", str(data_dir)])
        raw = CliRunner().invoke(app, ["status", "--json", "--data-dir", str(data_dir)])
    finally:
        lock.release()
    assert text.exit_code == 0, text.output
    assert f"api        port busy   pid -  restarts 3  ERROR: {BUSY}" in text.output
    assert "relay      running     pid 77  restarts 0" in text.output
    report = json.loads(raw.output)
    assert report["running"] is True
    assert report["services"]["api"] == {"state": "port busy", "pid": None, "restarts": 3,
                                         "last_error": BUSY}  # fmt: skip


def test_a_fresh_status_file_without_a_live_instance_is_not_running(tmp_path: Path) -> None:
    data_dir = _installation(tmp_path)  # as a kill -9 leaves it
    raw = CliRunner().invoke(app, ["status", "--json", "--data-dir", str(data_dir)])
    assert raw.exit_code == 0, raw.output
    report = json.loads(raw.output)
    assert report["running"] is False and report["services"] == {}
