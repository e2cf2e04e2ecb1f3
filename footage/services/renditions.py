"""On-demand H.264 renditions of HEVC footage, for browsers that cannot decode HEVC.

Most cameras record HEVC, which Chrome and Firefox play only where the platform
has a decoder. Transcoding everything at ingest would cost $48-147 per
camera-month; instead a segment is transcoded when someone watches it, in
*parts* of :data:`PART_SECONDS` (``plan_parts``), and only the parts asked for:

- the playlist (footage.services.playback, ``codec=h264``) lists each part of an
  HEVC segment: a pre-signed URL when the part is in the store, else the API's
  ``renditions/<segment>/<part>`` path, which makes that part and redirects to it
  (:func:`rendition_url`). The player asks for parts just ahead of the playhead,
  so a seek makes the parts at the seek point, never the whole range up front;
- a part is MPEG-TS (no init section, so the playlist needs no byte ranges,
  which a part not made yet could not give), cut frame-exact from the segment
  with the segment's own timestamps: the parts of one segment play as one
  continuous stream, starting at the same media time as the segment;
- in such a playlist the footage that needs no transcode (H.264) is listed as
  one part too, its video copied into MPEG-TS (~0.05 s of CPU): hls.js carries an
  ``EXT-X-MAP`` over to every later entry, and an MPEG-TS part after a fragmented
  MP4 does not play (found in Chromium);
- a part of 2 s of 1080p at x264 veryfast takes ~0.75 CPU-s (bench/rendition.py),
  so the first frame of a cold segment waits for well under a second of
  transcoding, where a whole 60 s segment would take ~25 CPU-s;
- parts are cached under ``renditions/`` (footage.keys, derived from the segment's
  key: same site, camera, day, stamp and variant; the profile names the part). In
  S3 each carries :data:`RENDITION_CACHE_TAGS` (on its PUT, no extra request) and a
  lifecycle rule for that tag deletes it after :data:`RENDITION_CACHE_DAYS`: the
  prefix alone would also expire the renditions an ingest policy keeps as footage.

The transcode itself (:func:`make_rendition`) runs in the rendition Lambda (with
the FFmpeg layer) in AWS and in the API process on-prem (:class:`LocalRenditions`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from footage.catalog import Catalog
from footage.coverage import plays
from footage.errors import KeyFormatError, MediaError, NoFootage
from footage.keys import (
    EVIDENCE_PREFIX,
    KeyKind,
    ParsedKey,
    build_class_prefix,
    build_key,
    format_stamp,
    parse_evidence_key,
    parse_key,
    parse_stamp,
)
from footage.media.commands import rendition_command
from footage.media.ops import sha256_file
from footage.media.runner import run_tool
from footage.models import Segment
from footage.profiles import Profile, VideoCodec
from footage.storage import META_SHA256, Storage

log = logging.getLogger(__name__)

#: What the viewer asks for when it cannot decode the footage (``?codec=h264``).
RENDITION_CODEC = "h264"
#: Length of a part: the first frame of a cold segment waits for one part (a 2 s
#: part of 1080p takes ~0.75 CPU-s; 4 s parts missed the 4 s target on a loaded box).
PART_SECONDS = 2
#: A segment's tail shorter than this goes into its last part instead of its own.
MIN_TAIL_S = 1.0
#: At most this many parts per segment (a 4 h NVR file); more is not a segment.
MAX_PARTS = 7200
RENDITION_PROFILE = Profile(codec=VideoCodec.H264, crf=28, preset="veryfast", gop_seconds=2.0)
RENDITION_EXTENSION = "ts"
RENDITION_CONTENT_TYPE = "video/mp2t"
META_SOURCE = "source"
#: The S3 object tag of a cached part, and how long the bucket keeps it.
RENDITION_CACHE_TAGS = {"vms-cache": "rendition"}
RENDITION_CACHE_DAYS = 7
_HEVC = frozenset({"hevc", "h265", "h.265", "hvc1", "hev1"})
#: Segments a warm rendition Lambda keeps downloaded (its /tmp holds 512 MB).
SOURCE_CACHE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RenditionPart:
    index: int
    offset_s: float
    length_s: float
    last: bool
    #: the whole segment, its video copied into MPEG-TS (footage that needs no transcode)
    copy: bool = False


def needs_rendition(codec: str) -> bool:
    """Whether footage of this codec (ffprobe's name) needs an H.264 rendition."""
    return codec.strip().lower() in _HEVC


def plan_parts(duration_s: float) -> list[RenditionPart]:
    """A segment's parts: PART_SECONDS each, the last one to its end (a tail under
    MIN_TAIL_S joins the part before it)."""
    if not duration_s > 0:
        return []
    count = max(1, math.ceil((duration_s - MIN_TAIL_S) / PART_SECONDS))
    if count > MAX_PARTS:
        raise ValueError(f"a segment of {duration_s:.0f} s is too long for renditions")
    return [
        RenditionPart(i, i * PART_SECONDS,
                      duration_s - i * PART_SECONDS if i == count - 1 else PART_SECONDS,
                      i == count - 1)
        for i in range(count)
    ]  # fmt: skip


def plan_for(codec: str, duration_s: float) -> list[RenditionPart]:
    """What a rendition of footage of ``codec`` holds: transcoded parts (HEVC), or the
    whole segment copied into MPEG-TS (footage the viewer decodes, listed beside
    parts: one playlist cannot switch from fragmented MP4 to MPEG-TS in hls.js)."""
    if needs_rendition(codec):
        return plan_parts(duration_s)
    return [RenditionPart(0, 0.0, duration_s, True, copy=True)] if duration_s > 0 else []


def part_profile(index: int, copy: bool = False) -> str:
    """The key's profile of part ``index``: codec, part length and index (or copy)."""
    return f"{RENDITION_CODEC}-copy" if copy else f"{RENDITION_CODEC}-{PART_SECONDS}s-{index:04d}"


def part_key(segment_key: str, index: int, copy: bool = False) -> str:
    """Where part ``index`` of the segment stored at ``segment_key`` is cached."""
    parsed = _parse_source(segment_key)
    return build_key(
        KeyKind.RENDITION, parsed.site, parsed.camera, parsed.start, retention_days=None,
        extension=RENDITION_EXTENSION, profile=part_profile(index, copy), variant=parsed.variant,
    )  # fmt: skip


def _parse_source(key: str) -> ParsedKey:
    """A footage key, or one under an evidence hold (held footage plays too)."""
    return parse_evidence_key(key) if key.startswith(EVIDENCE_PREFIX) else parse_key(key)


def existing_parts(storage: Storage, segments: Iterable[Segment]) -> frozenset[str]:
    """The rendition keys already stored for these segments' camera-days (one
    listing per camera-day, not one HEAD per part)."""
    folders = {part_key(s.key, 0).rpartition("/")[0] + "/" for s in segments}
    return frozenset(info.key for folder in sorted(folders) for info in storage.list(folder))


@dataclass(frozen=True, slots=True)
class RenditionJob:
    """Make part ``index`` of one segment: what the API hands the rendition Lambda."""

    segment_key: str
    index: int
    duration_s: float
    fps: float
    #: the segment needs no transcode: its one part is a copy (plan_for)
    copy: bool = False

    def __post_init__(self) -> None:
        _parse_source(self.segment_key)  # KeyFormatError on anything but footage
        if not 0 <= self.index < len(self._plan()):
            raise ValueError(f"no part {self.index} in {self.duration_s:.1f} s of footage")

    def _plan(self) -> list[RenditionPart]:
        return plan_for("h264" if self.copy else "hevc", self.duration_s)

    @property
    def part(self) -> RenditionPart:
        return self._plan()[self.index]

    @property
    def key(self) -> str:
        return part_key(self.segment_key, self.index, self.copy)

    def to_event(self) -> dict[str, object]:
        return {"segment_key": self.segment_key, "index": self.index,
                "duration_s": self.duration_s, "fps": self.fps, "copy": self.copy}  # fmt: skip

    @classmethod
    def from_event(cls, event: Mapping[str, object]) -> RenditionJob:
        """Raises ValueError (KeyFormatError) on a malformed event."""
        try:
            key, index = event["segment_key"], event["index"]
            duration, fps = event["duration_s"], event["fps"]
        except KeyError as exc:
            raise ValueError(f"a rendition job needs {exc}") from exc
        copy = event.get("copy", False)
        if not isinstance(key, str) or type(index) is not int or not isinstance(copy, bool):
            raise ValueError("a rendition job names a segment_key (str), an index (int), copy")
        return cls(key, index, _number(duration, "duration_s"), _number(fps, "fps"), copy)

    @classmethod
    def of(cls, segment: Segment, index: int) -> RenditionJob:
        copy = not needs_rendition(segment.codec)
        return cls(segment.key, index, segment.duration_s, segment.fps, copy)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"a rendition job's {name} is a number, not {value!r}")
    return float(value)


#: Makes the part a job names and stores it under ``job.key`` (or raises).
RenditionMaker = Callable[[RenditionJob], None]


class SourceCache:
    """The segments a warm rendition Lambda downloaded, newest kept, at most
    ``max_bytes`` in all: a viewer asks for a segment's parts one after another
    (30 parts of a 60 s segment), and each part would otherwise download the whole
    segment again. A footage key's bytes never change (the edge cannot replace
    them), so the key alone names the copy."""

    def __init__(self, max_bytes: int = SOURCE_CACHE_BYTES) -> None:
        self._max = max_bytes
        self._files: dict[str, Path] = {}  # oldest first

    def path(self, storage: Storage, key: str, workdir: Path) -> Path:
        """The local copy of ``key`` (downloaded on a miss)."""
        found = self._files.pop(key, None)
        if found is not None and found.exists():
            self._files[key] = found  # now the newest
            return found
        folder = workdir / "sources"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.mp4"
        partial = target.with_suffix(".part")
        storage.download(key, partial)
        partial.replace(target)  # a half download is never taken for the segment
        self._files[key] = target
        self._trim(keep=key)
        return target

    def _trim(self, keep: str) -> None:
        sizes = {k: p.stat().st_size for k, p in self._files.items() if p.exists()}
        total = sum(sizes.values())
        for key in list(self._files):
            if total <= self._max or key == keep:
                continue
            self._files.pop(key).unlink(missing_ok=True)
            total -= sizes.get(key, 0)


def make_rendition(
    storage: Storage, job: RenditionJob, workdir: Path, sources: SourceCache | None = None
) -> str:
    """Transcode one part and store it; returns its key. Reads the segment in place
    when the store is a local folder, else from ``sources`` (a download kept for
    the segment's next parts) or a download into ``workdir``."""
    part, began = job.part, time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rendition-", dir=workdir) as scratch:
        src = storage.local_path(job.segment_key)
        if src is None and sources is not None:
            src = sources.path(storage, job.segment_key, workdir)
        elif src is None:
            src = Path(scratch) / "source.mp4"
            storage.download(job.segment_key, src)
        out = Path(scratch) / f"part.{RENDITION_EXTENSION}"
        length = None if part.last else part.length_s
        command = rendition_command(src, out, RENDITION_PROFILE, job.fps, part.offset_s, length,
                                    copy=part.copy)  # fmt: skip
        run_tool(command, timeout_s=max(60.0, part.length_s * 15))
        if not out.exists() or out.stat().st_size == 0:
            raise MediaError(f"{job.segment_key}: part {job.index} came out empty")
        meta = {META_SHA256: sha256_file(out), META_SOURCE: job.segment_key}
        stored = storage.put_file(job.key, out, metadata=meta, content_type=RENDITION_CONTENT_TYPE)
    log.info("rendition made", extra={"key": job.key, "source": job.segment_key,
             "part": job.index, "bytes": stored.size,
             "seconds": round(time.perf_counter() - began, 3)})  # fmt: skip
    return job.key


def is_cached_part(key: str) -> bool:
    """A part made here (MPEG-TS, profile ``h264-...``), not the rendition an ingest
    policy keeps as footage (MP4, named by its profile) under the same prefix."""
    try:
        parsed = parse_key(key)
    except KeyFormatError:
        return False
    return (
        parsed.kind is KeyKind.RENDITION
        and parsed.extension == RENDITION_EXTENSION
        and (parsed.profile or "").startswith(f"{RENDITION_CODEC}-")
    )


def expire_renditions(
    storage: Storage, now: datetime, max_age: timedelta = timedelta(days=RENDITION_CACHE_DAYS)
) -> int:
    """Delete the cached parts older than ``max_age``; the number deleted. On-prem
    (a NAS folder, another S3 store) nothing else does; in AWS a lifecycle rule does."""
    removed = 0
    for info in storage.list(build_class_prefix(KeyKind.RENDITION, None)):
        old = info.modified is not None and now - info.modified > max_age
        if old and is_cached_part(info.key):
            removed += storage.delete(info.key)
    if removed:
        log.info("renditions expired", extra={"parts": removed})
    return removed


class LocalRenditions:
    """On-prem: makes parts in this process, one at a time per part (a player's
    retry while the part is being made waits for it instead of making it again),
    and expires old parts at most once a day (:func:`expire_renditions`)."""

    def __init__(
        self, storage: Storage, workdir: Path, now: Callable[[], datetime] = _utc_now
    ) -> None:
        self._storage, self._workdir, self._now = storage, workdir, now
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._expired_at: datetime | None = None

    def expire_daily(self) -> None:
        now = self._now()
        with self._guard:
            if self._expired_at is not None and now - self._expired_at < timedelta(days=1):
                return
            self._expired_at = now
        expire_renditions(self._storage, now)

    def __call__(self, job: RenditionJob) -> None:
        self.expire_daily()
        with self._guard:
            lock = self._locks.setdefault(job.key, threading.Lock())
        try:
            with lock:
                if self._storage.head(job.key) is None:
                    make_rendition(self._storage, job, self._workdir)
        finally:
            with self._guard:
                if not lock.locked():
                    self._locks.pop(job.key, None)


def parse_segment_id(segment_id: str) -> datetime:
    """The start of the segment a rendition URL names (its key's stamp)."""
    return parse_stamp(segment_id)


def segment_id(segment: Segment) -> str:
    return format_stamp(segment.start)


def rendition_url(
    catalog: Catalog,
    storage: Storage,
    make: RenditionMaker,
    camera: str,
    start: datetime,
    index: int,
    ttl: timedelta,
) -> str:
    """A short-lived URL of part ``index`` of the camera's segment that starts at
    ``start`` (made first when it is not stored): a transcoded part of HEVC, the
    copy of other footage (plan_for). NoFootage: no such segment or part."""
    segment = _playing_segment(catalog, camera, start)
    if not 0 <= index < len(plan_for(segment.codec, segment.duration_s)):
        raise NoFootage(f"{camera} at {format_stamp(start)} has no part {index}")
    job = RenditionJob.of(segment, index)
    if storage.head(job.key) is None:
        make(job)
    return storage.presign(job.key, ttl)


def _playing_segment(catalog: Catalog, camera: str, start: datetime) -> Segment:
    rows = catalog.query_camera(camera, start, start + timedelta(seconds=1))
    for row in rows:
        if plays(row) and not row.variant and format_stamp(row.start) == format_stamp(start):
            return row
    raise NoFootage(f"no playable segment of {camera} starts at {format_stamp(start)}")
