"""The simulated RTSP cameras, checked with real ffprobe and ffmpeg."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge_uploader.harness.camsim.launcher import (
    CameraSpec,
    CameraStartError,
    SimulatedCamera,
)
from edge_uploader.harness.ports import free_port

pytestmark = pytest.mark.integration


def small(**overrides: Any) -> CameraSpec:
    """A cheap camera on a free port: 320x240 at 15 fps."""
    return CameraSpec(port=free_port(), width=320, height=240, fps=15, **overrides)


def run_probe(url: str, transport: str, timeout_us: int) -> subprocess.CompletedProcess[str]:
    cmd = ["ffprobe", "-v", "error", "-rtsp_transport", transport, "-timeout", str(timeout_us)]
    cmd += ["-show_streams", "-of", "json", url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)


def probe(url: str, transport: str = "tcp") -> list[dict[str, Any]]:
    done = run_probe(url, transport, timeout_us=5_000_000)
    assert done.returncode == 0, done.stderr
    streams: list[dict[str, Any]] = json.loads(done.stdout)["streams"]
    return streams


def codecs(streams: list[dict[str, Any]]) -> dict[str, str]:
    return {s["codec_type"]: s["codec_name"] for s in streams}


@pytest.fixture(scope="module")
def h264_camera() -> Iterator[SimulatedCamera]:
    with SimulatedCamera(small(label="CAM-01 Gate")) as cam:
        yield cam


def test_h264_camera_sends_the_requested_size_over_tcp(h264_camera: SimulatedCamera) -> None:
    (video,) = probe(h264_camera.url)
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 320, 240)
    assert video["r_frame_rate"] == "15/1"


def test_h265_camera_with_g711_alaw() -> None:
    with SimulatedCamera(small(codec="h265", audio="pcma")) as cam:
        assert codecs(probe(cam.url)) == {"video": "hevc", "audio": "pcm_alaw"}


def test_h264_camera_with_g711_mulaw_over_udp() -> None:
    spec = small(audio="pcmu", mount="/Streaming/Channels/101")
    with SimulatedCamera(spec) as cam:
        assert cam.url == f"rtsp://127.0.0.1:{spec.port}/Streaming/Channels/101"
        assert codecs(probe(cam.url, transport="udp")) == {"video": "h264", "audio": "pcm_mulaw"}


def test_recording_three_seconds_keeps_the_frames(
    h264_camera: SimulatedCamera, tmp_path: Path
) -> None:
    recorder = record(h264_camera.url, tmp_path / "out.mkv", seconds=3)
    _, stderr = recorder.communicate(timeout=30)
    assert recorder.returncode == 0, stderr
    assert 40 <= len(video_pts(tmp_path / "out.mkv")) <= 46  # 3 s at 15 fps


def record(url: str, out: Path, seconds: int) -> subprocess.Popen[str]:
    cmd = ["ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-timeout", "5000000"]
    cmd += ["-i", url, "-t", str(seconds), "-c", "copy", str(out)]
    return subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)


def video_pts(path: Path) -> list[float]:
    cmd = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time"]
    cmd += ["-of", "csv=p=0", str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=True)
    return [float(line) for line in done.stdout.split()]


def test_a_second_client_does_not_disturb_the_first(
    h264_camera: SimulatedCamera, tmp_path: Path
) -> None:
    recorder = record(h264_camera.url, tmp_path / "first.mkv", seconds=4)
    time.sleep(1.5)
    probe(h264_camera.url)  # e.g. the live relay joining the shared stream
    _, stderr = recorder.communicate(timeout=30)
    assert recorder.returncode == 0, stderr
    # ffmpeg leaves the first RTSP packet unstamped (muxed at 0); after it, time only goes on.
    pts = video_pts(tmp_path / "first.mkv")[1:]
    assert all(a < b for a, b in itertools.pairwise(pts)), pts
    assert 55 <= len(pts) <= 62  # 4 s at 15 fps, none repeated


def test_paused_camera_times_out_then_recovers(h264_camera: SimulatedCamera) -> None:
    h264_camera.pause()
    try:
        started = time.monotonic()
        assert run_probe(h264_camera.url, "tcp", timeout_us=1_000_000).returncode != 0
        assert time.monotonic() - started < 10
    finally:
        h264_camera.resume()
    assert codecs(probe(h264_camera.url)) == {"video": "h264"}


def test_stop_ends_the_process() -> None:
    cam = SimulatedCamera(small()).start()
    pid = cam.pid
    assert pid is not None and cam.running
    cam.stop()
    assert not cam.running and cam.returncode == 0  # a clean exit on SIGTERM
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_start_on_a_busy_port_fails_clearly() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        cam = SimulatedCamera(CameraSpec(port=busy.getsockname()[1], width=320, height=240))
        with pytest.raises(CameraStartError, match="Address already in use"):
            cam.start()
        assert not cam.running
