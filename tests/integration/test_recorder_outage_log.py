"""A camera that does not answer is logged by its changes, not once per retry
(issue 15, item 9: 206 warnings in 11 minutes). Real ffprobe against a closed
local port; the clock moves by each backoff wait instead of sleeping."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from edge_uploader.harness.ports import free_port
from edge_uploader.journal import Journal
from edge_uploader.recorder import CameraRecorder, RecorderState
from edge_uploader.spool import Spool
from footage.clock import FixedClock
from footage.config import Camera, RecorderConfig
from footage.outages import Problem

pytestmark = pytest.mark.integration


class FastForward(threading.Event):
    """A stop event whose waits move the clock instead of sleeping; set after
    ``waits`` of them."""

    def __init__(self, clock: FixedClock, waits: int) -> None:
        super().__init__()
        self.clock, self.left = clock, waits

    def wait(self, timeout: float | None = None) -> bool:
        self.clock.advance(seconds=timeout or 0)
        self.left -= 1
        if self.left <= 0:
            self.set()
        return self.is_set()


def test_a_dead_camera_logs_its_outage_and_a_summary_not_every_retry(tmp_path: Path, caplog):
    url = f"rtsp://127.0.0.1:{free_port()}/ch1"  # nothing listens there
    camera = Camera(id="cam-1", site="HO", name="Gate", rtsp_url=url)
    spool = Spool(tmp_path / "spool", Journal(tmp_path / "spool" / "j.sqlite3"), 10**10, 0)
    spool.prepare([camera.id])
    settings = RecorderConfig(rtsp_timeout_s=2, backoff_max_s=3, offline_summary_s=60)
    clock = FixedClock(datetime(2026, 12, 6, 1, 0, tzinfo=UTC))
    recorder = CameraRecorder(camera, url, spool, settings, clock)
    caplog.set_level(logging.DEBUG, "edge_uploader.recorder")

    recorder.run(FastForward(clock, waits=62))  # 62 retries, ~3 minutes of backoff

    records = [r for r in caplog.records if r.levelno >= logging.INFO]
    lines = [r.getMessage() for r in records]
    assert len(lines) <= 5, lines  # the outage, a summary per simulated minute
    assert lines[0].startswith("camera offline: camera unreachable (")
    assert "Connection refused" in lines[0]
    assert sum("still offline for" in line for line in lines) >= 2
    assert all(getattr(r, "camera", None) == "cam-1" for r in records)
    assert recorder.status.state is RecorderState.STOPPED
    assert recorder.status.restarts == 62
    assert recorder.status.problem == Problem.UNREACHABLE
    assert "Connection refused" in (recorder.status.last_error or "")
