"""A clip made to fit an upload limit (the Telegram Bot API takes files up to 50 MB).

A clip already under the limit goes as it is. Otherwise it is re-encoded once to
H.264 (veryfast, yuv420p, at most 720 lines, +faststart so chat apps play it at
once) at the average bitrate that fills :data:`MARGIN` of the limit over its
duration, capped by ``-maxrate`` so the rate cannot run over; a clip too long
for a watchable bitrate (under :data:`MIN_VIDEO_KBPS`) is refused instead of
being sent as mush. If the result still exceeds the limit it is encoded once
more at three quarters of the rate.
"""

from __future__ import annotations

from pathlib import Path

from footage.errors import MediaError
from footage.media.commands import _BASE, FFMPEG
from footage.media.runner import run_tool
from footage.models import MediaInfo

#: The Bot API's upload limit for a bot (sendVideo), in bytes.
TELEGRAM_LIMIT_BYTES = 50 * 1000 * 1000
MARGIN = 0.9
AUDIO_KBPS = 64
MIN_VIDEO_KBPS = 150
MAX_LINES = 720


def fit_kbps(duration_s: float, limit_bytes: int, has_audio: bool) -> int | None:
    """The video bitrate (kbit/s) that fits ``duration_s`` into ``limit_bytes``, or None
    when that would be under :data:`MIN_VIDEO_KBPS`."""
    if duration_s <= 0:
        raise ValueError("a clip needs a duration")
    total = limit_bytes * 8 * MARGIN / duration_s / 1000
    video = int(total - (AUDIO_KBPS if has_audio else 0))
    return video if video >= MIN_VIDEO_KBPS else None


def fit_command(src: Path, dst: Path, kbps: int, has_audio: bool) -> list[str]:
    audio = ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k"] if has_audio else ["-an"]
    return [
        FFMPEG, *_BASE, "-y", "-i", str(src), "-map", "0:v:0",
        "-vf", f"scale=-2:'min({MAX_LINES},ih)'", "-c:v", "libx264", "-preset", "veryfast",
        "-pix_fmt", "yuv420p", "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k",
        "-bufsize", f"{kbps}k", *audio, "-movflags", "+faststart", "-f", "mp4", str(dst),
    ]  # fmt: skip


def fit_to_size(src: Path, dst: Path, info: MediaInfo, limit_bytes: int) -> Path:
    """``src`` when it fits, else ``dst`` re-encoded to fit; MediaError when it cannot."""
    if src.stat().st_size <= limit_bytes:
        return src
    has_audio = info.audio_codec is not None
    kbps = fit_kbps(info.duration_s, limit_bytes, has_audio)
    if kbps is None:
        raise MediaError(f"a {info.duration_s:.0f} s clip does not fit {limit_bytes / 1e6:.0f} MB"
                         " watchably: share a shorter range, or the link")  # fmt: skip
    timeout = max(120.0, info.duration_s * 4)
    for rate in (kbps, kbps * 3 // 4):
        run_tool(fit_command(src, dst, rate, has_audio), timeout)
        if dst.stat().st_size <= limit_bytes:
            return dst
    raise MediaError(f"the re-encoded clip is still over {limit_bytes / 1e6:.0f} MB")
