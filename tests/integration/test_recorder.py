"""The recorder against real GStreamer RTSP cameras and real ffmpeg."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.harness.ports import free_port
from edge_uploader.journal import Journal
from edge_uploader.recorder import CameraRecorder, RecorderState
from edge_uploader.spool import Spool
from footage.clock import SystemClock
from footage.config import Camera, RecorderConfig
from footage.outages import Problem

pytestmark = pytest.mark.integration


def _probe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return json.loads(out.stdout)


def _recorder(
    tmp_path: Path, url: str, segment_seconds: int = 10, live_feed: str | None = None
) -> CameraRecorder:
    camera = Camera(
        id="cam-1", site="HO", name="Test", rtsp_url=url, segment_seconds=segment_seconds
    )
    spool = Spool(tmp_path / "spool", Journal(tmp_path / "spool" / "j.sqlite3"), 10**10, 0)
    spool.prepare([camera.id])
    settings = RecorderConfig(rtsp_timeout_s=3, backoff_initial_s=1, backoff_max_s=4)
    return CameraRecorder(camera, url, spool, settings, SystemClock(), live_feed)


def _wait(predicate, timeout_s: float, step_s: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step_s)
    return False


def _ready(rec: CameraRecorder) -> list[Path]:
    return sorted(rec.spool.ready_dir(rec.camera.id).glob("*.mp4"))


@pytest.mark.parametrize(
    ("codec", "audio", "want_video", "want_tag"),
    [("h264", "none", "h264", "avc1"), ("h265", "pcma", "hevc", "hvc1")],
)
def test_records_clock_aligned_segments(tmp_path, codec, audio, want_video, want_tag):
    spec = CameraSpec(port=free_port(), codec=codec, audio=audio, width=320, height=240)
    with SimulatedCamera(spec).start() as cam:
        rec = _recorder(tmp_path, cam.url)
        stop = threading.Event()
        thread = threading.Thread(target=rec.run, args=(stop,))
        thread.start()
        try:
            assert _wait(lambda: len(_ready(rec)) >= 2, 40), rec.status
        finally:
            stop.set()
            thread.join(20)
    assert rec.status.state is RecorderState.STOPPED
    files = _ready(rec)
    assert len(files) >= 3  # two closed at boundaries + the one closed on stop
    second = _probe(files[1])
    video = next(s for s in second["streams"] if s["codec_type"] == "video")
    assert video["codec_name"] == want_video
    assert video["codec_tag_string"] == want_tag
    assert 8.0 <= float(second["format"]["duration"]) <= 12.0
    start = datetime.strptime(files[1].stem, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert start.second % 10 in (0, 9, 1)  # cut on the clock (within a GOP)
    if audio != "none":  # G.711 cannot go into MP4: it must arrive as AAC
        assert any(s["codec_name"] == "aac" for s in second["streams"])
    pending = rec.spool.journal.stats.backlog()
    assert pending.count == len(files)


def _video_dts(path: Path) -> list[int]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=dts",
         "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return [int(line) for line in out.stdout.split()]


def test_camera_without_audio_records_monotonic_timestamps_and_a_quiet_log(tmp_path):
    """Recording with the live feed (a second output, as ``vms up`` records) from a camera
    without audio: ffmpeg used to warn "Non-monotonous DTS" for every frame (2.6 KB/s
    of log per camera), as each frame was moved onto the next one's timestamp."""
    spec = CameraSpec(port=free_port(), audio="none", width=320, height=240)
    feed = f"udp://127.0.0.1:{free_port()}?pkt_size=1316"  # nothing listens: UDP never blocks
    with SimulatedCamera(spec).start() as cam:
        rec = _recorder(tmp_path, cam.url, live_feed=feed)
        stop = threading.Event()
        thread = threading.Thread(target=rec.run, args=(stop,))
        thread.start()
        try:
            assert _wait(lambda: len(_ready(rec)) >= 3, 45), rec.status
        finally:
            stop.set()
            thread.join(20)
    log = (rec.spool.recording_dir("cam-1") / ".ffmpeg.log").read_text()
    assert "Non-monotonous" not in log and "Timestamps are unset" not in log, log[:500]
    assert len(log) < 200, log  # nothing to say on a healthy camera, not even once
    files = _ready(rec)
    for path in files[1:-1]:  # whole segments, cut on the clock
        dts = _video_dts(path)
        assert all(b - a == 6000 for a, b in itertools.pairwise(dts)), path  # 90 kHz, 15 fps
        assert 9.5 <= float(_probe(path)["format"]["duration"]) <= 10.5
        start = datetime.strptime(path.stem, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        assert start.second % 10 in (0, 9, 1)
    first = _video_dts(files[0])
    assert all(b > a for a, b in itertools.pairwise(first))  # its first frame too


def test_camera_loss_and_return(tmp_path):
    port = free_port()
    spec = CameraSpec(port=port, width=320, height=240)
    cam = SimulatedCamera(spec).start()
    rec = _recorder(tmp_path, cam.url)
    stop = threading.Event()
    thread = threading.Thread(target=rec.run, args=(stop,))
    thread.start()
    try:
        assert _wait(lambda: rec.status.state is RecorderState.RECORDING, 20)
        time.sleep(3)
        cam.stop()
        assert _wait(lambda: rec.status.state is RecorderState.OFFLINE, 15), rec.status
        assert rec.status.last_error
        time.sleep(6)  # the camera stays away a while; the recorder keeps trying
        before = {p.name for p in _ready(rec)}
        cam = SimulatedCamera(spec).start()
        back = time.monotonic()
        rec_dir = rec.spool.recording_dir("cam-1")
        assert _wait(lambda: any(rec_dir.glob("*.mp4")), 15)
        resumed_after = time.monotonic() - back
        assert resumed_after <= 10.0, f"recording resumed {resumed_after:.1f} s after return"
        assert rec.status.state is RecorderState.RECORDING
        assert rec.status.restarts >= 1
    finally:
        stop.set()
        thread.join(20)
        cam.stop()
    after = _ready(rec)
    assert len(after) > len(before)
    starts = [datetime.strptime(p.stem, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) for p in after]
    durations = [float(_probe(p)["format"]["duration"]) for p in after]
    holes = [
        starts[i + 1] - (starts[i] + timedelta(seconds=durations[i])) for i in range(len(after) - 1)
    ]
    assert max(holes) >= timedelta(seconds=5), "the outage must leave a gap between segments"


def test_unreachable_camera_is_offline_and_retried(tmp_path):
    rec = _recorder(tmp_path, f"rtsp://127.0.0.1:{free_port()}/nothing")
    stop = threading.Event()
    thread = threading.Thread(target=rec.run, args=(stop,))
    thread.start()
    try:
        assert _wait(lambda: rec.status.restarts >= 2, 30)
        assert rec.status.state is RecorderState.OFFLINE
        assert rec.status.problem is Problem.UNREACHABLE  # the reason; the tool's words apart
        assert "Connection refused" in (rec.status.last_error or "")
    finally:
        stop.set()
        thread.join(20)
    assert _ready(rec) == []


@pytest.mark.parametrize("feed", [False, True], ids=["segments", "segments+feed"])
def test_kill_9_of_ffmpeg_keeps_the_fragments_it_made(tmp_path: Path, feed: bool) -> None:
    """A kill -9 (or a power cut, once the kernel wrote them out) loses at most the
    fragment being made: each one is flushed to the file as it is made."""
    from footage.media.commands import RecordSpec, record_command
    from footage.media.mp4 import complete_length

    with SimulatedCamera(CameraSpec(port=free_port(), width=320, height=240,
                                    bitrate_kbps=200)).start() as cam:  # fmt: skip
        out = tmp_path / "rec"
        out.mkdir()
        udp = f"udp://127.0.0.1:{free_port()}?pkt_size=1316" if feed else None
        spec = RecordSpec(cam.url, out, tmp_path / "list.csv", 300, 3, "h264", False, udp)
        ffmpeg = subprocess.Popen(record_command(spec), stderr=subprocess.DEVNULL)
        time.sleep(8)
        ffmpeg.kill()
        ffmpeg.wait(10)
    [segment] = list(out.glob("*.mp4"))
    keep = complete_length(segment)
    if keep is not None:  # the fragment being made was cut: trimmed as the spool does
        with segment.open("r+b") as handle:
            handle.truncate(keep)
    duration = float(_probe(segment)["format"]["duration"])
    assert duration >= 4, f"only {duration:.1f} s of 8 s recorded survived the kill"


def test_a_live_feed_that_cannot_send_never_stops_recording(tmp_path: Path) -> None:
    """The feed's UDP sends fail (nftables drops them on the way out, so sendto says
    EPERM): ffmpeg gives the feed up and records on. The feed is an output of its
    own; without the null output beside it in its tee, the tee had no output left
    and ffmpeg exited, recording and all."""
    from footage.media.commands import RecordSpec, record_command

    port, table = free_port(), f"vms_feed_{os.getpid()}"
    rules = (f"table inet {table} {{\n chain out {{\n type filter hook output priority 0;\n"
             f" udp dport {port} drop;\n }}\n}}\n")  # fmt: skip
    subprocess.run(["nft", "-f", "-"], input=rules, text=True, check=True, timeout=10)
    out = tmp_path / "rec"
    out.mkdir()
    try:
        spec = CameraSpec(port=free_port(), width=320, height=240, audio="pcma")
        with SimulatedCamera(spec).start() as cam:
            feed = f"udp://127.0.0.1:{port}?pkt_size=1316"
            record = RecordSpec(cam.url, out, tmp_path / "list.csv", 2, 3, "h264", True, feed)
            ffmpeg = subprocess.Popen(record_command(record), stderr=subprocess.PIPE, text=True)
            time.sleep(9)
            alive = ffmpeg.poll() is None
            ffmpeg.terminate()
            _, log = ffmpeg.communicate(timeout=10)
    finally:
        subprocess.run(["nft", "delete", "table", "inet", table], check=False, timeout=10)
    assert "Slave muxer #0 failed" in log, log  # the feed did fail...
    assert alive, log  # ...and recording went on
    segments = sorted(out.glob("*.mp4"))
    assert len(segments) >= 3, segments
    assert float(_probe(segments[1])["format"]["duration"]) >= 1.5
