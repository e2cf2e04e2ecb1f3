"""What the edge says about a segment it recorded, sent as the object's metadata.

The edge has the file in hand when it uploads it: it knows its duration,
codec, picture, init section and SHA-256. It writes them as user metadata
(S3 ``x-amz-meta-*``, GCS metadata, the NAS sidecar) under the names below, so
the cloud can index the segment from a HEAD alone, without downloading it or
running ffmpeg (footage.services.ingest_described decides when it may).

The description is versioned (:data:`META_DESCRIBED` holds
:data:`DESCRIPTION_VERSION`): a reader that meets another version, a missing
field or a malformed value gets :class:`DescriptionError` and treats the object
as undescribed. Names are lower-case ASCII (S3 lower-cases metadata names);
the whole description is ~300 bytes of S3's 2 KB metadata budget.

This module is pure: no I/O, no clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from footage.errors import FootageError, KeyFormatError
from footage.keys import format_stamp, parse_stamp, validate_id
from footage.storage import META_CAMERA, META_END, META_SHA256, META_SITE, META_START

#: The description's format; bump it when a field changes meaning.
DESCRIPTION_VERSION = 1
META_DESCRIBED = "described"  # the version, e.g. "1"
META_DURATION_MS = "duration-ms"  # whole milliseconds, the segment's duration
META_CODEC = "codec"  # the video codec, as ffprobe names it (h264, hevc)
META_WIDTH = "width"
META_HEIGHT = "height"
META_FPS = "fps"  # frames per second, up to 3 decimals
META_SIZE = "size"  # bytes of the object
META_INIT_SIZE = "init-size"  # bytes before the first fragment (HLS EXT-X-MAP)
META_AUDIO = "audio"  # the audio codec, or "none"
NO_AUDIO = "none"
#: Optional, "1": its edge puts the segment's thumbnail in its camera's sprite
#: (footage.keys.sprite_tile); absent: nobody makes one for it.
META_SPRITE = "sprite"
#: Every name the description writes (besides the uploader's own sha256/site/...).
DESCRIPTION_FIELDS = (
    META_DESCRIBED, META_START, META_END, META_DURATION_MS, META_CODEC, META_WIDTH,
    META_HEIGHT, META_FPS, META_SIZE, META_INIT_SIZE, META_AUDIO, META_SHA256, META_SITE,
    META_CAMERA,
)  # fmt: skip

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_CODEC_RE = re.compile(r"^[a-z0-9_]{1,16}$")
_INT_RE = re.compile(r"^[0-9]{1,15}$")
_FPS_RE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3})?$")


class DescriptionError(FootageError):
    """The metadata is not a description this reader understands."""


@dataclass(frozen=True, slots=True)
class SegmentDescription:
    """One recorded segment as its edge describes it."""

    site: str
    camera: str
    start: datetime
    duration_ms: int
    codec: str
    width: int
    height: int
    fps: float
    size: int
    init_size: int
    sha256: str
    audio_codec: str | None = None
    sprite: bool = False  # its thumbnail is its tile of the camera's sprite
    version: int = DESCRIPTION_VERSION

    @property
    def end(self) -> datetime:
        return self.start + timedelta(milliseconds=self.duration_ms)

    @property
    def duration_s(self) -> float:
        return self.duration_ms / 1000


def to_metadata(description: SegmentDescription) -> dict[str, str]:
    """The metadata names and values that carry ``description``."""
    d = description
    return {
        META_DESCRIBED: str(d.version), META_SITE: d.site, META_CAMERA: d.camera,
        META_START: format_stamp(d.start), META_END: format_stamp(d.end),
        META_DURATION_MS: str(d.duration_ms), META_CODEC: d.codec, META_WIDTH: str(d.width),
        META_HEIGHT: str(d.height), META_FPS: _fps(d.fps), META_SIZE: str(d.size),
        META_INIT_SIZE: str(d.init_size), META_AUDIO: d.audio_codec or NO_AUDIO,
        META_SHA256: d.sha256, **({META_SPRITE: "1"} if d.sprite else {}),
    }  # fmt: skip


def description_of(metadata: Mapping[str, str]) -> dict[str, str]:
    """The description's names and values among an object's ``metadata`` (empty
    when it carries none): what a site manifest's index repeats of it."""
    if META_DESCRIBED not in metadata:
        return {}
    return {k: metadata[k] for k in (*DESCRIPTION_FIELDS, META_SPRITE) if k in metadata}


def from_metadata(metadata: Mapping[str, str]) -> SegmentDescription:
    """The description in ``metadata``; DescriptionError when there is none, it is of
    another version, or any field is missing or malformed."""
    version = metadata.get(META_DESCRIBED)
    if version is None:
        raise DescriptionError("not described")
    if version != str(DESCRIPTION_VERSION):
        raise DescriptionError(f"description version {version!r} (this reader: 1)")
    missing = [name for name in DESCRIPTION_FIELDS if not metadata.get(name)]
    if missing:
        raise DescriptionError(f"description lacks {', '.join(missing)}")
    try:
        described = _parse(metadata)
    except (KeyFormatError, ValueError) as exc:
        raise DescriptionError(f"malformed description: {exc}") from exc
    if format_stamp(described.end) != metadata[META_END]:
        raise DescriptionError("its end and its duration disagree")
    return described


def _parse(m: Mapping[str, str]) -> SegmentDescription:
    codec, audio = _codec(m[META_CODEC]), m[META_AUDIO]
    return SegmentDescription(
        site=validate_id(m[META_SITE], "site"), camera=validate_id(m[META_CAMERA], "camera"),
        start=parse_stamp(m[META_START]), duration_ms=_int(m, META_DURATION_MS),
        codec=codec, width=_int(m, META_WIDTH), height=_int(m, META_HEIGHT),
        fps=_fps_value(m[META_FPS]), size=_int(m, META_SIZE),
        init_size=_int(m, META_INIT_SIZE), sha256=_sha256(m[META_SHA256]),
        audio_codec=None if audio == NO_AUDIO else _codec(audio),
        sprite=m.get(META_SPRITE) == "1",
    )  # fmt: skip


def _int(metadata: Mapping[str, str], name: str) -> int:
    value = metadata[name]
    if not _INT_RE.fullmatch(value):
        raise ValueError(f"{name} {value!r} is not a whole number")
    return int(value)


def _codec(value: str) -> str:
    if not _CODEC_RE.fullmatch(value):
        raise ValueError(f"codec {value!r}")
    return value


def _sha256(value: str) -> str:
    if not _SHA256_RE.fullmatch(value):
        raise ValueError(f"sha256 {value!r}")
    return value


def _fps(value: float) -> str:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"fps {value!r}")
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _fps_value(value: str) -> float:
    if not _FPS_RE.fullmatch(value):
        raise ValueError(f"fps {value!r}")
    return float(value)
