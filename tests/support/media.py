"""Test footage made with real ffmpeg: short fragmented-MP4 clips like the recorder's."""

from __future__ import annotations

import subprocess
from pathlib import Path

FRAGMENTED = "+frag_keyframe+empty_moov+default_base_moof"


def make_clip(path: Path, seconds: float = 4, *, audio: bool = False, fps: int = 15) -> Path:
    """An H.264 clip (320x240, one keyframe per second), fragmented like our segments."""
    args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
            f"testsrc2=size=320x240:rate={fps}:duration={seconds}"]  # fmt: skip
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=duration={seconds}", "-c:a", "aac"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-g", str(fps),
             "-movflags", FRAGMENTED, str(path)]  # fmt: skip
    subprocess.run(args, check=True, timeout=60)
    return path
