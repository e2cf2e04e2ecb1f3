"""Measuring an encode's quality: VMAF against the recording, and short clips.

Debian's ffmpeg 5.1 has no libvmaf, so scores come from the ffmpeg 9 build the
imageio-ffmpeg wheel ships (0.8.x carries libvmaf and its built-in model
vmaf_v0.6.1, 1080p viewing): a runtime dependency of the edge, nothing is
downloaded. Encoding always uses the system ffmpeg (footage.media.commands).
The score goes to a JSON log file, so the command can run under the edge's CPU
governor, which keeps no output but errors.
"""

from __future__ import annotations

import json
from pathlib import Path

from footage.errors import MediaError
from footage.media.commands import FFMPEG, FRAGMENTED_MP4

_BASE = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]


def vmaf_ffmpeg() -> str:
    """The ffmpeg with libvmaf (the imageio-ffmpeg wheel's)."""
    import imageio_ffmpeg  # type: ignore[import-untyped]

    path: str = imageio_ffmpeg.get_ffmpeg_exe()
    return path


def clip_command(src: Path, dst: Path, seconds: float) -> list[str]:
    """The first ``seconds`` of ``src``'s video, stream-copied (it starts on the
    segment's first keyframe), into fragmented MP4: a sample as the camera sent it."""
    return [
        *_BASE, "-i", str(src), "-t", f"{seconds:.3f}", "-map", "0:v:0", "-c:v", "copy",
        "-movflags", FRAGMENTED_MP4, "-f", "mp4", str(dst),
    ]  # fmt: skip


def vmaf_command(
    distorted: Path, reference: Path, log: Path, *, subsample: int = 5, threads: int = 1,
    seconds: float | None = None, ffmpeg_bin: str | None = None,
) -> list[str]:  # fmt: skip
    """Score ``distorted`` against ``reference`` (both from their first frame, over
    ``seconds`` if given, every ``subsample``-th frame) into the JSON file ``log``."""
    limit = ["-t", f"{seconds:.3f}"] if seconds else []
    graph = (
        "[0:v]setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[r];"
        f"[d][r]libvmaf=n_threads={threads}:n_subsample={subsample}"
        f":log_fmt=json:log_path={_escape(log)}"
    )
    return [
        ffmpeg_bin or vmaf_ffmpeg(), *_BASE[1:], *limit, "-i", str(distorted), *limit,
        "-i", str(reference), "-lavfi", graph, "-f", "null", "-",
    ]  # fmt: skip


def read_vmaf(log: Path) -> float:
    """The mean VMAF in a libvmaf JSON log."""
    try:
        score = json.loads(log.read_text())["pooled_metrics"]["vmaf"]["mean"]
        return float(score)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MediaError(f"no VMAF score in {log.name}: {exc}") from exc


def _escape(path: Path) -> str:
    """A path inside a filter graph: ':' ends an option and '\\' and "'" quote."""
    text = str(path)
    if any(c in text for c in ":\\',;[]"):
        raise MediaError(f"a VMAF log path cannot hold : \\ ' , ; [ ]: {text}")
    return text
