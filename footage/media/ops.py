"""Media operations built from footage.media.commands and run with timeouts."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from footage.errors import CorruptMedia, MediaError
from footage.media.commands import (
    concat_command,
    ffconcat_list,
    remux_command,
    thumbnail_command,
    transcode_command,
)
from footage.media.runner import run_tool
from footage.models import MediaInfo
from footage.profiles import Profile

_HASH_CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def make_thumbnail(src: Path, dst: Path, info: MediaInfo, width: int = 320) -> None:
    """A JPEG from early in the segment; failing to decode any frame is corruption."""
    at = min(1.0, info.duration_s / 2)
    try:
        run_tool(thumbnail_command(src, dst, at, width), timeout_s=60)
    except MediaError as exc:
        raise CorruptMedia(f"cannot decode a frame: {exc}") from exc
    if not dst.exists() or dst.stat().st_size == 0:
        raise CorruptMedia("cannot decode a frame: no thumbnail produced")


def transcode(src: Path, dst: Path, profile: Profile, info: MediaInfo) -> None:
    timeout = max(120.0, info.duration_s * 10)
    has_audio = info.audio_codec is not None
    run_tool(transcode_command(src, dst, profile, info.fps, has_audio=has_audio), timeout)


def concat_copy(
    inputs: Sequence[tuple[Path, float | None, float | None]],
    dst: Path,
    list_file: Path,
    *,
    faststart: bool,
) -> None:
    """Join ``(file, inpoint, outpoint)`` pieces into ``dst`` without re-encoding."""
    list_file.write_text(ffconcat_list(inputs))
    timeout = 60.0 + 0.5 * sum(path.stat().st_size for path, _, _ in inputs) / 1e6
    run_tool(concat_command(list_file, dst, faststart=faststart), timeout)


def remux_to_mp4(src: Path, dst: Path, info: MediaInfo, keep_audio: bool) -> None:
    timeout = max(60.0, info.duration_s)
    run_tool(remux_command(src, dst, info.codec, keep_audio and bool(info.audio_codec)), timeout)
