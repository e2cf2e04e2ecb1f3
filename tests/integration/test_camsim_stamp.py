"""The capture-time stamp of the simulated cameras, through real encoders, RTSP and ffmpeg."""

from __future__ import annotations

import itertools
import subprocess
import time
from pathlib import Path

import pytest

from edge_uploader.harness.camsim import stamp
from edge_uploader.harness.camsim.launcher import (
    CameraSpec,
    CameraStartError,
    SimulatedCamera,
    VideoCodec,
)
from edge_uploader.harness.ports import free_port

pytestmark = pytest.mark.integration

FPS = 15


def record(url: str, out: Path, seconds: int) -> None:
    cmd = ["ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-timeout", "5000000"]
    cmd += ["-i", url, "-t", str(seconds), "-c", "copy", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_every_recorded_frame_carries_its_capture_time(codec: VideoCodec, tmp_path: Path) -> None:
    spec = CameraSpec(port=free_port(), codec=codec, fps=FPS, stamp=True)
    with SimulatedCamera(spec) as cam:
        started_ms = time.time_ns() // 1_000_000
        record(cam.url, tmp_path / "out.mp4", seconds=3)

    frames = stamp.frame_stamps(str(tmp_path / "out.mp4"))
    assert 40 <= len(frames) <= 48, frames  # 3 s at 15 fps
    ms = [frame.ms for frame in frames]
    assert None not in ms, ms
    stamped = [m for m in ms if m is not None]
    assert all(a < b for a, b in itertools.pairwise(stamped)), stamped
    mean_gap = (stamped[-1] - stamped[0]) / (len(stamped) - 1)
    assert abs(mean_gap - 1000 / FPS) < 40, stamped
    assert abs(stamped[0] - started_ms) < 3000, (stamped[0], started_ms)
    assert stamp.first_stamp(str(tmp_path / "out.mp4")) == stamped[0]


def test_a_frame_too_small_for_the_stamp_is_refused() -> None:
    spec = CameraSpec(port=free_port(), width=240, height=180, stamp=True)
    with pytest.raises(CameraStartError, match="at least 256x64"):
        SimulatedCamera(spec).start()
