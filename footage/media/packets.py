"""Parse ffmpeg's ``framecrc`` output into MediaInfo (probing without ffprobe).

The output is line-oriented and stable (ffmpeg's own regression tests use it)::

    #tb 0: 1/15360
    #media_type 0: video
    #codec_id 0: h264
    #dimensions 0: 1920x1080
    #tb 1: 1/16000
    #media_type 1: audio
    #codec_id 1: aac
    0,          0,          0,     1024,    41233, 0x5e1a2b3c
    <stream>, <dts>, <pts>, <duration>, <size>, <crc>[, flags and side data]

Duration is the video span from the first pts to the end of the last packet;
the frame rate is the most common packet duration, as ffprobe's r_frame_rate.
The container's creation time is not reported (ingest does not need it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from fractions import Fraction

from footage.errors import CorruptMedia
from footage.models import MediaInfo

#: below this many time-base ticks per frame, one frame's duration is rounded by >1 %.
_MIN_TICKS_PER_FRAME = 100


@dataclass(slots=True)
class _Stream:
    media_type: str = ""
    codec: str = ""
    width: int = 0
    height: int = 0
    time_base: Fraction = Fraction(0)
    first_pts: int | None = None
    end_pts: int = 0
    durations: Counter[int] = field(default_factory=Counter)
    packets: int = 0


def parse_framecrc(output: str, video_codecs: Collection[str]) -> MediaInfo:
    streams: dict[int, _Stream] = {}
    for line in output.splitlines():
        if line.startswith("#"):
            _header(line, streams)
        elif line.strip():
            _packet(line, streams)
    video = next((s for s in streams.values() if s.media_type == "video"), None)
    if video is None or (video_codecs and video.codec not in video_codecs):
        raise CorruptMedia("no video stream")
    audio = next((s for s in streams.values() if s.media_type == "audio"), None)
    duration = _seconds(video, video.end_pts - (video.first_pts or 0))
    if video.packets == 0 or duration <= 0:
        raise CorruptMedia("no duration: the file holds no complete frames")
    if video.width <= 0 or video.height <= 0:
        raise CorruptMedia("video stream has no picture size")
    return MediaInfo(
        duration_s=round(duration, 6),
        codec=video.codec,
        width=video.width,
        height=video.height,
        fps=_fps(video, duration),
        audio_codec=audio.codec if audio else None,
        creation_time=None,
    )


def _header(line: str, streams: dict[int, _Stream]) -> None:
    """``#<name> <index>: <value>``; other comment lines (software, extradata) are skipped."""
    head, sep, value = line[1:].partition(":")
    name, _, index = head.partition(" ")
    if not sep or not index.strip().isdigit():
        return
    stream = streams.setdefault(int(index), _Stream())
    value = value.strip()
    if name == "tb":
        stream.time_base = Fraction(value)
    elif name == "media_type":
        stream.media_type = value
    elif name == "codec_id":
        stream.codec = value
    elif name == "dimensions":
        width, _, height = value.partition("x")
        stream.width, stream.height = _int(width), _int(height)


def _packet(line: str, streams: dict[int, _Stream]) -> None:
    fields = [part.strip() for part in line.split(",")]
    if len(fields) < 5 or not all(f.lstrip("-").isdigit() for f in fields[:5]):
        raise CorruptMedia(f"unexpected ffmpeg packet line: {line[:80]!r}")
    index, _dts, pts, duration = (int(f) for f in fields[:4])
    stream = streams.setdefault(index, _Stream())
    stream.packets += 1
    stream.durations[duration] += 1
    stream.first_pts = pts if stream.first_pts is None else min(stream.first_pts, pts)
    stream.end_pts = max(stream.end_pts, pts + duration)


def _seconds(stream: _Stream, ticks: int) -> float:
    return float(ticks * stream.time_base) if stream.time_base else 0.0


def _fps(video: _Stream, duration: float) -> float:
    """The most common frame duration; with a coarse time base (Matroska counts
    milliseconds, so 1/15 s is 66 or 67) the mean over the span is more exact."""
    common, _ = video.durations.most_common(1)[0]
    seconds = _seconds(video, common)
    precise = common >= _MIN_TICKS_PER_FRAME
    # Otherwise the span is known to a tick, so the mean is good to two decimals.
    rate = round(1 / seconds, 3) if precise and seconds > 0 else round(video.packets / duration, 2)
    return rate if 0 < rate < 1000 else 0.0


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0
