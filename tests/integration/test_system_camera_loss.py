"""The whole on-prem pipeline while a camera goes away and comes back: the
outage must show as a gap in the index, and footage on both sides is indexed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.harness.ports import free_port
from edge_uploader.shell.bootstrap import bootstrap
from edge_uploader.shell.system import System
from footage.config_loader import parse_config
from footage.coverage import find_gaps

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _wait(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_outage_is_a_gap_in_the_index(tmp_path):
    spec = CameraSpec(port=free_port(), width=320, height=240)
    config = parse_config(
        {
            "sites": [{"id": "HO", "name": "HO"}],
            "cameras": [
                {
                    "id": "cam-1",
                    "site": "HO",
                    "name": "Lobby",
                    "rtsp_url": spec.url,
                    "segment_seconds": 10,
                }
            ],
            "recorder": {"rtsp_timeout_s": 2, "backoff_max_s": 3},
        },
        environ={},
    )
    cam = SimulatedCamera(spec).start()
    system = System(bootstrap(config, tmp_path, environ={}))
    catalog = system.rt.catalog
    far = datetime.now(UTC) + timedelta(hours=1)
    began = datetime.now(UTC)

    def indexed():
        return catalog.query_camera("cam-1", began - timedelta(minutes=5), far)

    try:
        system.start()
        assert _wait(lambda: len(indexed()) >= 1, 40)
        cam.stop()
        down_at = datetime.now(UTC)
        time.sleep(15)
        cam = SimulatedCamera(spec).start()
        up_at = datetime.now(UTC)
        assert _wait(lambda: any(s.start >= up_at for s in indexed()), 40)
    finally:
        system.stop()
        cam.stop()
    segments = indexed()
    gaps = find_gaps(segments, segments[0].start, segments[-1].end)
    outage = [g for g in gaps if g.start <= up_at and g.end >= down_at]
    assert outage, f"no gap around the outage {down_at}..{up_at}: {gaps}"
    assert outage[0].duration >= timedelta(seconds=10)
    assert all(s.status.value == "ok" and s.duration_s > 0 for s in segments)
