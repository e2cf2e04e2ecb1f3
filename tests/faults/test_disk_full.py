"""Disk full: the spool's filesystem fills while a camera records and its uploads
are stuck.

`vms up --config` with one simulated camera (8 Mbit/s, no audio, 10 s segments)
and no viewer. The spool is a 40 MiB tmpfs this test mounts; the storage, a NAS
folder, is a read-only bind mount (the NAS cannot be written: every upload fails
and is retried). Needs root, as CI has.

1. Footage fills the spool down to ``spool.min_free_gb``: the spool-full policy
   drops the oldest segment not yet uploaded (logged, its journal row closed
   ``dropped``), ``vms status`` shows SPOOL FULL and the dropped count (its JSON:
   ``spool_full: true``), and recording goes on.
2. Something else takes the last free byte: ffmpeg and the journal meet ENOSPC.
   The policy drops more until the disk has its free space back; ``vms up`` keeps
   running and recording resumes.
3. Space returns (the filler deleted, the NAS writable again): everything recorded
   and not dropped is uploaded and indexed, each file intact (the SHA-256 of the
   stored file is the one the edge computed and the index holds) and playable;
   no segment is lost, every dropped one is older than every uploaded one.

All along, the recorder's ffmpeg log stays small (it used to grow 2.5 KB/s).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.harness.ports import free_port
from edge_uploader.journal import Journal
from edge_uploader.lifecycle import PENDING, SegmentState
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.models import Segment

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(240)]
VMS = str(Path(sys.executable).parent / "vms")
CAMERA = "lobby"
SPOOL_MIB = 40
MIN_FREE_GB = 0.012  # ~12 MB: a bit more than two 10 s segments at 8 Mbit/s
FFMPEG_LOG_MAX = 16 * 1024


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=30)


@contextlib.contextmanager
def tmpfs(path: Path, size_mib: int) -> Iterator[Path]:
    path.mkdir(parents=True)
    _run("mount", "-t", "tmpfs", "-o", f"size={size_mib}m,mode=0755", "tmpfs", str(path))
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, timeout=30)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[Callable[[], None]]:
    """``path`` read-only (a bind mount over itself); yields what makes it writable."""
    path.mkdir(parents=True)
    _run("mount", "--bind", str(path), str(path))
    try:
        _run("mount", "-o", "remount,bind,ro", str(path))
        yield lambda: _run("mount", "-o", "remount,bind,rw", str(path))
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, timeout=30)


class Box:
    """``vms up`` on a config and data dir, and ``vms status`` beside it."""

    def __init__(self, tmp: Path, spool: Path, nas: Path, camera_url: str) -> None:
        self.data, self.spool, self.nas = tmp / "data", spool, nas
        self.config = tmp / "config.yaml"
        self.config.write_text(yaml.safe_dump(_config(spool, nas, camera_url)))
        self.output = tmp / "vms-up.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.ffmpeg_log_max = 0

    def start(self) -> None:
        with self.output.open("ab") as out:
            self.proc = subprocess.Popen(
                [VMS, "up", "--config", str(self.config), "--data-dir", str(self.data),
                 "--http-port", "0"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def status(self, *flags: str) -> str:
        done = subprocess.run(
            [VMS, "status", *flags, "--config", str(self.config), "--data-dir", str(self.data)],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        return done.stdout

    def report(self) -> dict[str, Any]:
        self.check_alive()
        log = self.spool / "rec" / CAMERA / ".ffmpeg.log"
        with contextlib.suppress(OSError):
            self.ffmpeg_log_max = max(self.ffmpeg_log_max, log.stat().st_size)
        report: dict[str, Any] = json.loads(self.status("--json"))
        return report

    def check_alive(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            pytest.fail(f"vms up exited ({self.proc.returncode}):\n{self.tail()}")

    def tail(self) -> str:
        return self.output.read_text(errors="replace")[-5000:]

    def wait(
        self, what: str, predicate: Callable[[dict[str, Any]], bool], timeout_s: float
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            report = self.report()
            if predicate(report):
                return report
            time.sleep(1.0)
        pytest.fail(f"not within {timeout_s:.0f} s: {what}\nlast status: {report}\n{self.tail()}")


def _config(spool: Path, nas: Path, url: str) -> dict[str, Any]:
    return {
        "sites": [{"id": "HO", "name": "Head office"}],
        "cameras": [{"id": CAMERA, "site": "HO", "name": "Lobby", "rtsp_url": url,
                     "segment_seconds": 10}],
        "storage": {"type": "filesystem", "path": str(nas)},
        "spool": {"path": str(spool), "quota_gb": 1.0, "min_free_gb": MIN_FREE_GB},
        "recorder": {"rtsp_timeout_s": 3, "backoff_max_s": 3},
        "uploader": {"retry_initial_s": 1, "retry_max_s": 4},
    }  # fmt: skip


def _camera(report: dict[str, Any]) -> dict[str, Any]:
    camera: dict[str, Any] = next(c for c in report["cameras"] if c["camera"] == CAMERA)
    return camera


def _last_segment(report: dict[str, Any]) -> datetime | None:
    stamp = _camera(report)["last_segment_at"]
    return datetime.fromisoformat(stamp) if stamp else None


def _fill(path: Path) -> None:
    """Something else writes until the filesystem has not one byte left."""
    with path.open("wb", buffering=0) as out:
        chunk = b"\0" * (1 << 20)
        while chunk:
            try:
                out.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                chunk = chunk[: len(chunk) // 2]


@pytest.fixture
def camera() -> Iterator[SimulatedCamera]:
    spec = CameraSpec(port=free_port(), width=640, height=360, bitrate_kbps=8000)
    with SimulatedCamera(spec).start() as running:
        yield running


def test_disk_full(tmp_path: Path, camera: SimulatedCamera) -> None:
    assert os.geteuid() == 0, "mounting a tmpfs and a read-only NAS needs root, as in CI"
    with tmpfs(tmp_path / "spool", SPOOL_MIB) as spool, read_only(tmp_path / "nas") as writable:
        box = Box(tmp_path, spool, tmp_path / "nas", camera.url)
        box.start()
        try:
            _footage_fills_the_spool(box)
            writable()  # the NAS is back: the backlog drains
            box.wait("the backlog uploaded", lambda r: _camera(r)["backlog_count"] == 0, 60)
            _something_else_takes_every_byte(box, spool)
            camera.stop()  # its last segment closes, and nothing new comes
            box.wait(
                "everything left uploaded and indexed",
                lambda r: (
                    _camera(r)["state"] == "offline"
                    and _camera(r)["backlog_count"] == 0
                    and r["ingest_backlog"] == 0
                ),
                90,
            )
        finally:
            box.stop()
        assert box.proc is not None and box.proc.returncode == 0, box.tail()
        _check_nothing_written_was_lost(box)
        assert box.ffmpeg_log_max < FFMPEG_LOG_MAX, box.ffmpeg_log_max


def _footage_fills_the_spool(box: Box) -> None:
    """The NAS cannot be written: footage waits on the spool until its disk is short
    of spool.min_free_gb; the oldest waiting segment goes, recording goes on."""
    first = box.wait("the policy drops a segment", lambda r: r["dropped_segments"] >= 1, 90)
    assert first["spool_full"] is True
    text = box.status()
    assert "SPOOL FULL" in text and f"dropped {first['dropped_segments']}" in text
    dropped_at = datetime.now(UTC)
    box.wait(
        "recording goes on after the drop",
        lambda r: (_last_segment(r) or dropped_at) > dropped_at + timedelta(seconds=1),
        30,
    )
    assert "spool full: dropped oldest segment not yet uploaded" in box.tail()


def _something_else_takes_every_byte(box: Box, spool: Path) -> None:
    """Nothing waits for upload, so dropping cannot help: ffmpeg meets ENOSPC and the
    recorder retries; vms up lives on and says why. Space returns, recording resumes."""
    filler = spool / "filler.bin"
    _fill(filler)
    stopped = box.wait(
        "recording stopped by the full disk",
        lambda r: _camera(r)["state"] == "offline" and r["spool_full"] is True,
        40,
    )
    assert "No space left on device" in (_camera(stopped)["last_error"] or ""), stopped
    assert "SPOOL FULL" in box.status()
    time.sleep(4)  # it stays full a while: the recorder keeps trying
    box.check_alive()
    filler.unlink()
    back_at = datetime.now(UTC)
    box.wait(
        "recording resumes once space returns",
        lambda r: (_last_segment(r) or back_at) > back_at + timedelta(seconds=1),
        40,
    )


def _check_nothing_written_was_lost(box: Box) -> None:
    journal = Journal(box.spool / "journal.sqlite3")
    uploads = journal.uploads
    done, dropped = uploads.items(SegmentState.UPLOADED), uploads.items(SegmentState.DROPPED)
    assert uploads.items(*PENDING) == [] and uploads.items(SegmentState.LOST) == []
    assert len(dropped) >= 2 and len(done) >= 2
    _check_the_oldest_went_first(box.spool / "journal.sqlite3")
    assert all(not d.path.exists() for d in dropped)
    assert list((box.spool / "ready" / CAMERA).iterdir()) == []
    catalog = SqliteCatalog(box.data / "index.sqlite3")
    segments = catalog.query_camera(CAMERA, datetime.now(UTC) - timedelta(hours=1),
                                    datetime.now(UTC) + timedelta(hours=1))  # fmt: skip
    assert sorted(s.start for s in segments) == sorted(u.start for u in done)
    stored = sorted(p for p in (box.nas / "segments").rglob("*.mp4"))
    assert len(stored) == len(segments)
    for segment in segments:
        _check_intact(box.nas, segment, {u.start: u.sha256 for u in done})
    catalog.close()


def _check_the_oldest_went_first(path: Path) -> None:
    """Each drop took the oldest segment not yet uploaded: no older one was waiting
    (enqueued, not yet closed) when it went."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT start_ms, state, enqueued_ms, finished_ms FROM uploads"
        ).fetchall()
    for start, state, _, dropped_at in rows:
        if state != "dropped":
            continue
        waiting = [r for r in rows if r[0] < start and r[2] <= dropped_at
                   and (r[3] is None or r[3] > dropped_at)]  # fmt: skip
        assert waiting == [], (start, waiting)


def _check_intact(nas: Path, segment: Segment, hashes: dict[datetime, str | None]) -> None:
    path = nas / segment.key
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == segment.sha256 == hashes[segment.start], segment.key
    assert segment.status.value == "ok" and segment.duration_s > 0, segment
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
                             capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert decoded.returncode == 0 and not decoded.stderr.strip(), (segment.key, decoded.stderr)
