"""Domain types: plain frozen dataclasses, no framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class SegmentStatus(StrEnum):
    OK = "ok"
    QUARANTINED = "quarantined"  # not playable (corrupt, wrong checksum...): ``reason``
    #: a second, different object for a camera and start that was already indexed;
    #: kept apart as evidence (an edge's stolen key, a re-dropped export), never played
    CONFLICT = "conflict"
    #: an earlier version of a file an NVR kept writing after the edge took it: a
    #: longer version that starts with it holds the slot now; kept, never played
    REPLACED = "replaced"
    #: footage whose time overlaps (by more than a second) footage already indexed
    #: for its camera, with other content (a re-exported range); kept, never played
    OVERLAP = "overlap"


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What ffprobe tells about one file."""

    duration_s: float
    codec: str
    width: int
    height: int
    fps: float
    audio_codec: str | None = None
    creation_time: datetime | None = None


@dataclass(slots=True)
class Segment:
    """One indexed piece of footage (a row of the catalog).

    Not frozen on purpose: the catalog builds ~1,440 of these per camera-day
    query, and a frozen dataclass's __init__ costs 9x more (measured 6.9 ms vs
    0.75 ms per camera-day). Treat instances as values: use dataclasses.replace.
    """

    camera: str
    site: str
    start: datetime
    end: datetime
    size_bytes: int
    sha256: str
    key: str
    codec: str = ""
    width: int = 0
    height: int = 0
    fps: float = 0.0
    audio_codec: str | None = None
    thumbnail_key: str | None = None
    derived_keys: tuple[str, ...] = ()
    status: SegmentStatus = SegmentStatus.OK
    reason: str | None = None
    expires_at: datetime | None = None
    protected: bool = False
    source_etag: str | None = None
    #: bytes before the first fragment (HLS EXT-X-MAP); None: not known yet
    init_size: int | None = None
    #: "" for the segment of (camera, start); else a row kept apart for another object
    #: with the same camera and start (footage.keys.variant_of its SHA-256), never OK
    variant: str = ""

    @property
    def identity(self) -> tuple[str, datetime, str]:
        """What names the row: (camera, start, variant)."""
        return self.camera, self.start, self.variant

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def all_keys(self) -> tuple[str, ...]:
        """Every stored object that belongs to this segment (not a sprite: shared)."""
        keys = [self.key, *self.derived_keys]
        if self.thumbnail_key and not self.sprite_key:
            keys.append(self.thumbnail_key)
        return tuple(dict.fromkeys(keys))

    @property
    def sprite_key(self) -> str | None:
        """The sprite its thumbnail is a tile of (footage.thumbnails), shared with the
        segments of its 10-minute window; None for a thumbnail of its own."""
        key, mark, _ = (self.thumbnail_key or "").partition("#")
        return key if mark else None


@dataclass(frozen=True, slots=True)
class TimeRange:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("time ranges must be timezone-aware")
        if self.end < self.start:
            raise ValueError("a time range must not end before it starts")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return start < self.end and end > self.start


@dataclass(frozen=True, slots=True)
class Protection:
    """An evidence hold: footage of ``camera`` within the range is never deleted."""

    camera: str
    start: datetime
    end: datetime
    reason: str
    created_by: str = "system"


@dataclass(frozen=True, slots=True)
class Totals:
    """Aggregates kept by the catalog for one camera or one site."""

    segments: int = 0
    bytes: int = 0
    seconds: float = 0.0

    @property
    def hours(self) -> float:
        return self.seconds / 3600.0


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """Metadata of one stored object."""

    key: str
    size: int
    metadata: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    modified: datetime | None = None
    #: the store itself checked the bytes against a checksum sent with the upload
    checksum_verified: bool = False
    #: the SHA-256 (hex) of the whole stored object as the store itself computed or
    #: checked it (S3: a single PUT's ChecksumSHA256; the NAS: its own hash of what it
    #: wrote); None when the store cannot vouch for one (a multipart upload, GCS)
    stored_sha256: str | None = None
