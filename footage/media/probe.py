"""Probe files and camera streams into MediaInfo.

Two backends give the same MediaInfo. ffprobe is used where it exists (on-prem,
Debian's ffmpeg package). The Lambda FFmpeg layer ships only the static
``ffmpeg`` binary, so there the file is probed by ffmpeg itself: a stream copy
into the ``framecrc`` muxer (see footage.media.packets), which reports each
stream's codec and size and every packet's timing, all from libavformat.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from footage.errors import CorruptMedia, MediaError
from footage.media.commands import (
    FFMPEG,
    FFPROBE,
    packets_command,
    probe_file_command,
    probe_stream_command,
)
from footage.media.packets import parse_framecrc
from footage.media.runner import run_tool
from footage.models import MediaInfo

VIDEO_CODECS = {"h264", "hevc", "mpeg4", "mjpeg", "vp8", "vp9", "av1"}


class ProbeBackend(StrEnum):
    FFPROBE = "ffprobe"
    FFMPEG = "ffmpeg"


@cache
def default_backend() -> ProbeBackend:
    """ffprobe when it is on PATH, else ffmpeg alone (the Lambda layer)."""
    return ProbeBackend.FFPROBE if shutil.which(FFPROBE) else ProbeBackend.FFMPEG


def probe_file(
    path: Path,
    timeout_s: float = 60.0,
    backend: ProbeBackend | None = None,
    codecs: Collection[str] = VIDEO_CODECS,
) -> MediaInfo:
    """Probe a finished file; raise CorruptMedia when it is not playable video (of
    ``codecs``; empty: any video codec, as an old DVR's file the edge transcodes)."""
    chosen = backend or default_backend()
    command = (
        probe_file_command(path)
        if chosen is ProbeBackend.FFPROBE
        else packets_command(path, FFMPEG)
    )
    try:
        out = run_tool(command, timeout_s)
    except MediaError as exc:
        raise CorruptMedia(f"unreadable: {exc}") from exc
    if chosen is ProbeBackend.FFMPEG:
        return parse_framecrc(out, codecs)
    return parse_probe(out, codecs=codecs)


def probe_stream(url: str, timeout_s: float) -> MediaInfo:
    """Probe a live RTSP stream (the camera must answer within ``timeout_s``)."""
    out = run_tool(probe_stream_command(url, timeout_s), timeout_s * 3 + 5)
    return parse_probe(out, need_duration=False)


def parse_probe(
    output: str, *, need_duration: bool = True, codecs: Collection[str] = VIDEO_CODECS
) -> MediaInfo:
    """Turn ffprobe JSON into MediaInfo; pure, so tests feed it recorded output."""
    try:
        data: dict[str, Any] = json.loads(output or "{}")
    except ValueError as exc:
        raise CorruptMedia("ffprobe printed no JSON") from exc
    streams: list[dict[str, Any]] = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video" and not
                  s.get("disposition", {}).get("attached_pic")), None)  # fmt: skip
    name = video.get("codec_name") if video else None
    if video is None or not name or (codecs and name not in codecs):
        raise CorruptMedia("no video stream")
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    fmt: dict[str, Any] = data.get("format", {})
    duration = _float(fmt.get("duration")) or _float(video.get("duration"))
    if need_duration and duration <= 0:
        raise CorruptMedia("no duration: the file holds no complete frames")
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if need_duration and (width <= 0 or height <= 0):
        raise CorruptMedia("video stream has no picture size")
    return MediaInfo(
        duration_s=duration,
        codec=str(video["codec_name"]),
        width=width,
        height=height,
        fps=_rate(video.get("r_frame_rate")) or _rate(video.get("avg_frame_rate")),
        audio_codec=str(audio["codec_name"]) if audio else None,
        creation_time=_time(fmt.get("tags", {}).get("creation_time")),
    )


def _float(value: object) -> float:
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return 0.0


def _rate(value: object) -> float:
    try:
        rate = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return 0.0
    return round(float(rate), 3) if 0 < rate < 1000 else 0.0


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
