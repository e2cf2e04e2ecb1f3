"""The whole embedded system as a user runs it: `vms up` with no config, then
`vms footage ls --json` and `vms status --json`, then SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edge_uploader.harness.demo import DEMO_PORT_BLOCK
from edge_uploader.harness.ports import free_port_block

pytestmark = pytest.mark.e2e
VMS = str(Path(sys.executable).parent / "vms")
DEMO_CAMERAS = {"ho-lobby", "ho-gudang", "cab01-kasir", "cab01-pintu"}


def _vms(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VMS, *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def _listed(data_dir: Path) -> list[dict]:
    done = _vms("footage", "ls", "--json", data_dir=data_dir)
    return json.loads(done.stdout) if done.returncode == 0 else []


def test_demo_records_every_camera_and_stops_cleanly(tmp_path):
    data_dir = tmp_path / "var"
    base = free_port_block(DEMO_PORT_BLOCK)  # cameras, viewer, API, RTMP, feeds
    env = {**os.environ, "VMS_DEMO_PORT": str(base), "VMS_LOG_FORMAT": "json",
           "VMS_HTTP_PORT": str(base + 4)}  # fmt: skip
    log = (tmp_path / "up.log").open("w")
    proc = subprocess.Popen(
        [VMS, "up", "--data-dir", str(data_dir)], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    try:
        deadline = time.monotonic() + 180
        segments: list[dict] = []
        while time.monotonic() < deadline and proc.poll() is None:
            segments = _listed(data_dir)
            if {s["camera"] for s in segments} >= DEMO_CAMERAS:
                break
            time.sleep(3)
        assert {s["camera"] for s in segments} >= DEMO_CAMERAS, (tmp_path / "up.log").read_text()[
            -3000:
        ]
        for seg in segments:
            stored = data_dir / "storage" / seg["key"]
            assert stored.stat().st_size == seg["size_bytes"]
            assert seg["codec"] in {"h264", "hevc"} and seg["duration_s"] > 0
        assert {s["codec"] for s in segments} == {"h264", "hevc"}

        status = json.loads(_vms("status", "--json", data_dir=data_dir).stdout)
        assert status["running"] is True
        states = {c["camera"]: c["state"] for c in status["cameras"]}
        assert set(states.values()) == {"recording"}, states
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
        log.close()
    assert code == 0
    rec = data_dir / "spool" / "rec"
    assert list(rec.rglob("*.mp4")) == [], "the segment being recorded must be closed and kept"
    final = _vms("status", "--json", data_dir=data_dir)
    assert json.loads(final.stdout)["running"] is False
