"""Tampering probes at the edge: the first frame of a camera's newest segment
(a fragmented MP4 being written: readable as it grows), 64x36 grey for the
scores (footage.alerts.tamper) or a 640-wide JPEG for the alert's snapshot.
One keyframe decode per camera per check: a few milliseconds of CPU.
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from edge_uploader.spool import Spool
from footage.alerts.tamper import FRAME_BYTES, PROBE_H, PROBE_W, CameraLooks, Look
from footage.media.commands import FFMPEG

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 15.0
#: One thread, keyframes only (the first frame is one): the cheapest decode there is.
_HEAD = [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-threads", "1",
         "-skip_frame", "nokey"]  # fmt: skip


def probe_command(src: Path) -> list[str]:
    return [*_HEAD, "-i", str(src), "-frames:v", "1", "-an",
            "-vf", f"scale={PROBE_W}:{PROBE_H},format=gray", "-f", "rawvideo", "-"]  # fmt: skip


def snapshot_command(src: Path) -> list[str]:
    return [*_HEAD, "-i", str(src), "-frames:v", "1", "-an", "-vf", "scale=640:-2",
            "-c:v", "mjpeg", "-q:v", "5", "-f", "image2", "-"]  # fmt: skip


def _run(args: list[str], src: Path) -> bytes | None:
    try:
        done = subprocess.run(args, capture_output=True, timeout=PROBE_TIMEOUT_S, check=False)
    except (subprocess.TimeoutExpired, OSError) as exc:
        log.warning("probe failed: %s", exc, extra={"key": src.name})
        return None
    if done.returncode != 0 or not done.stdout:
        return None
    return done.stdout


def probe_frame(src: Path) -> bytes | None:
    out = _run(probe_command(src), src)
    return out if out is not None and len(out) == FRAME_BYTES else None


def snapshot_jpeg(src: Path) -> bytes | None:
    return _run(snapshot_command(src), src)


def newest_segments(spool: Spool, camera: str) -> list[Path]:
    """The camera's segments on the spool, newest first (recording, then waiting)."""
    found = [p for d in (spool.recording_dir(camera), spool.ready_dir(camera))
             for p in d.glob("*.mp4") if p.stat().st_size > 0]  # fmt: skip
    return sorted(found, key=lambda p: p.name, reverse=True)


@dataclass(slots=True)
class TamperWatch:
    """Per camera: the looks so far, the segment last probed, and since when the
    current look (black, frozen, ...) has been seen."""

    looks: dict[str, CameraLooks] = field(default_factory=dict)
    probed: dict[str, str] = field(default_factory=dict)
    seen: dict[str, tuple[Look, datetime]] = field(default_factory=dict)

    def check(self, spool: Spool, camera: str, now: datetime) -> tuple[Look, datetime] | None:
        """The camera's look now and since when (None: fine, or nothing new to probe
        yet and it was fine). Only a segment not probed before is probed."""
        for path in newest_segments(spool, camera)[:2]:
            if self.probed.get(camera) == path.name:
                break
            frame = probe_frame(path)
            if frame is None:
                continue  # just created, nothing decodable yet: try the one before
            self.probed[camera] = path.name
            look = self.looks.setdefault(camera, CameraLooks(previous=[])).observe(frame)
            self._seen(camera, look, now)
            break
        return self.seen.get(camera)

    def _seen(self, camera: str, look: Look | None, now: datetime) -> None:
        if look is None:
            self.seen.pop(camera, None)
        elif camera not in self.seen or self.seen[camera][0] is not look:
            self.seen[camera] = (look, now)

    def forget(self, camera: str) -> None:
        """The camera is offline: its last look says nothing about now."""
        self.seen.pop(camera, None)
        self.probed.pop(camera, None)
