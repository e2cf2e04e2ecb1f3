"""VMAF of an encode against what the camera recorded.

Debian's ffmpeg has no libvmaf, so scoring uses the static ffmpeg that the
imageio-ffmpeg wheel carries (dev dependency; libvmaf's built-in model
vmaf_v0.6.1, 1080p viewing). Encoding is always done by the system ffmpeg.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import imageio_ffmpeg

_SCORE = re.compile(r"VMAF score: ([0-9.]+)")


def vmaf(distorted: Path, reference: Path, subsample: int = 3, threads: int = 2) -> float:
    """Mean VMAF over every ``subsample``-th frame (pts aligned to 0 on both sides)."""
    graph = (
        "[0:v]setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[r];"
        f"[d][r]libvmaf=n_threads={threads}:n_subsample={subsample}"
    )
    done = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(distorted),
         "-i", str(reference), "-lavfi", graph, "-f", "null", "-"],
        capture_output=True, text=True, check=False, timeout=3600,
    )  # fmt: skip
    found = _SCORE.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"libvmaf failed: {done.stderr[-800:]}")
    return float(found.group(1))
