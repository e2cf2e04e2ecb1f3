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


def make_camera_clip(path: Path, seconds: float = 4, *, kbps: int = 3000, size: str = "640x360",
                     fps: int = 15) -> Path:  # fmt: skip
    """A clip as a camera sends it: a mostly still picture with sensor noise, at a
    constant bitrate far above what the picture needs (so compression pays)."""
    rate = f"{kbps}k"
    args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
            f"testsrc2=size={size}:rate={fps}:duration={seconds},noise=alls=6:allf=t",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", str(fps), "-bf", "0",
            "-b:v", rate, "-minrate", rate, "-maxrate", rate, "-bufsize", rate,
            "-x264-params", "nal-hrd=cbr", "-movflags", FRAGMENTED, str(path)]  # fmt: skip
    subprocess.run(args, check=True, timeout=120)
    return path


def make_hevc_clip(path: Path, seconds: float = 10, *, fps: int = 15, size: str = "320x240",
                   gop_s: int = 2) -> Path:  # fmt: skip
    """An HEVC clip like a Hikvision/Dahua camera's (tagged hvc1, B-frames, a keyframe
    every ``gop_s`` seconds), fragmented like our segments."""
    args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
            f"testsrc2=size={size}:rate={fps}:duration={seconds}",
            "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
            "-x265-params", f"log-level=error:keyint={fps * gop_s}:min-keyint={fps * gop_s}",
            "-movflags", FRAGMENTED, str(path)]  # fmt: skip
    subprocess.run(args, check=True, timeout=120)
    return path
