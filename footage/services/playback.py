"""Recorded footage as one HLS VOD playlist: any time range plays as one timeline.

Each stored segment is a fragmented MP4, listed as two byte ranges of one
short-lived URL: its init section (``EXT-X-MAP``) and its fragments. Every
segment starts a discontinuity (its own timestamps and init) and carries its
wall-clock start (``EXT-X-PROGRAM-DATE-TIME``), so players map playback time to
wall time and the viewer's timeline stays exact across gaps, which are skipped
and listed as comments with their reason code (and in the result, with the
row's own reason as detail). Only segments that play are listed: a row of any
status but OK, or of no duration, is a gap (footage.coverage.explain_gaps).

A viewer that cannot decode HEVC asks for ``codec=h264``: each HEVC segment is
then listed as its H.264 rendition's parts (footage.services.renditions), one
discontinuity per segment, the parts of a segment continuous; a part already
made is a pre-signed URL, one not made yet the API path that makes it
(:func:`rendition_path`, relative to the playlist's own URL).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from footage.catalog import Catalog
from footage.coverage import Gap, plays
from footage.errors import MediaError, NoFootage, ObjectNotFound
from footage.media.mp4 import INIT_PROBE_BYTES, init_section_size
from footage.models import Segment
from footage.services.footage_query import camera_footage
from footage.services.renditions import (
    RENDITION_CODEC,
    RenditionPart,
    existing_parts,
    needs_rendition,
    part_key,
    plan_for,
    segment_id,
)
from footage.storage import Storage

#: A playlist spans at most a week (10,080 one-minute segments, about 4 MB).
MAX_PLAYLIST_RANGE = timedelta(days=7)
#: Segment URLs live long enough to watch the range at 1x, within these bounds.
MIN_URL_TTL = timedelta(hours=1)
MAX_URL_TTL = timedelta(hours=12)


class PlaybackCodec(StrEnum):
    """What the viewer can decode, when it cannot decode everything recorded."""

    H264 = RENDITION_CODEC


@dataclass(frozen=True, slots=True)
class Entry:
    """One media file of the playlist: a whole segment (fragmented MP4, listed as
    its init section and fragments) or one part of a rendition (MPEG-TS)."""

    start: datetime
    duration_s: float
    url: str
    discontinuity: bool = True
    #: (init section size, file size) of a fragmented MP4; None: a part, read whole
    ranges: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """What plays for one segment: the segment itself (stored at ``key``), or a
    part of its rendition (``part`` set, cached at ``key``; ``stored``: made)."""

    segment: Segment
    key: str
    stored: bool = True
    part: RenditionPart | None = None


@dataclass(frozen=True, slots=True)
class Playlist:
    text: str
    segments: int
    gaps: list[Gap]
    expires_at: datetime


def url_ttl(start: datetime, end: datetime) -> timedelta:
    return min(max(end - start + timedelta(minutes=30), MIN_URL_TTL), MAX_URL_TTL)


def playback_playlist(
    catalog: Catalog,
    storage: Storage,
    camera: str,
    start: datetime,
    end: datetime,
    codec: PlaybackCodec | None = None,
) -> Playlist:
    """The playlist of ``camera`` over [start, end). Whole segments are listed, so
    the first may begin before ``start``; players seek to ``start`` themselves.
    With ``codec``, footage the viewer cannot decode is listed as renditions."""
    if end - start > MAX_PLAYLIST_RANGE:
        raise ValueError(f"a playlist spans at most {MAX_PLAYLIST_RANGE.days} days")
    found = camera_footage(catalog, camera, start, end)
    playable = playable_timeline(found.segments)
    if not playable:
        raise NoFootage(f"no playable footage of {camera} between {start} and {end}")
    ttl = url_ttl(start, end)
    converting = codec is not None and any(needs_rendition(s.codec) for s in playable)
    stored = existing_parts(storage, playable) if converting else frozenset()
    sources = choose_sources(playable, codec, stored)
    entries = _entries(storage, sources, ttl)
    return Playlist(
        render_entries(entries, found.gaps), len(playable), found.gaps, datetime.now(UTC) + ttl
    )


def choose_sources(
    segments: Sequence[Segment], codec: PlaybackCodec | None, stored: frozenset[str]
) -> list[Source]:
    """What plays for each segment, in order: the segment itself, unless ``codec`` is
    asked for and some footage needs a rendition; then every segment's rendition
    parts, ``stored`` or not: transcoded parts of HEVC and the MPEG-TS copy of the
    rest (hls.js cannot go from a fragmented MP4 to MPEG-TS in one playlist)."""
    if codec is None or not any(needs_rendition(s.codec) for s in segments):
        return [Source(segment, segment.key) for segment in segments]
    sources: list[Source] = []
    for segment in segments:
        for part in plan_for(segment.codec, segment.duration_s):
            key = part_key(segment.key, part.index, part.copy)
            sources.append(Source(segment, key, key in stored, part))
    return sources


def rendition_path(segment: Segment, part: RenditionPart) -> str:
    """The API path (relative to the playlist's URL, ``.../cameras/<id>/playback.m3u8``)
    that makes a part and redirects to it."""
    return f"renditions/{segment_id(segment)}/{part.index}"


def _entries(storage: Storage, sources: Sequence[Source], ttl: timedelta) -> list[Entry]:
    signed = iter(storage.presign_many([s.key for s in sources if s.stored], ttl))
    entries: list[Entry] = []
    for source in sources:
        segment, part = source.segment, source.part
        if part is None:
            ranges = (_init_size(storage, segment), segment.size_bytes)
            entries.append(Entry(segment.start, segment.duration_s, next(signed), True, ranges))
            continue
        url = next(signed) if source.stored else rendition_path(segment, part)
        offset = timedelta(seconds=part.offset_s)
        entries.append(Entry(segment.start + offset, part.length_s, url, part.index == 0))
    return entries


def render_playlist(
    segments: Sequence[Segment],
    urls: Sequence[str],
    init_sizes: Sequence[int],
    gaps: Sequence[Gap] = (),
) -> str:
    """The playlist of whole segments (each its own fragmented MP4)."""
    entries = [
        Entry(s.start, s.duration_s, url, True, (init, s.size_bytes))
        for s, url, init in zip(segments, urls, init_sizes, strict=True)
    ]
    return render_entries(entries, gaps)


def render_entries(entries: Sequence[Entry], gaps: Sequence[Gap] = ()) -> str:
    target = max(math.ceil(e.duration_s) for e in entries)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    # codes only: a row's reason (free text) never goes into the playlist
    lines.extend(f"## gap {_stamp(g.start)}/{_stamp(g.end)} {g.reason.value}" for g in gaps)
    for entry in entries:
        if entry.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_stamp(entry.start)}")
        if entry.ranges is not None:
            init, size = entry.ranges
            lines.append(f'#EXT-X-MAP:URI="{entry.url}",BYTERANGE="{init}@0"')
        lines.append(f"#EXTINF:{entry.duration_s:.3f},")
        if entry.ranges is not None:
            lines.append(f"#EXT-X-BYTERANGE:{size - init}@{init}")
        lines.append(entry.url)
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def playable_timeline(segments: Sequence[Segment]) -> list[Segment]:
    """Playable segments in order (status OK and some duration: footage.coverage.plays);
    one wholly inside an earlier one is dropped."""
    kept: list[Segment] = []
    for segment in sorted(segments, key=lambda s: s.start):
        if not plays(segment):
            continue
        if kept and segment.end <= kept[-1].end:
            continue
        kept.append(segment)
    return kept


def _init_size(storage: Storage, segment: Segment) -> int:
    """From the index; rows indexed before it was recorded read the file's head."""
    if segment.init_size is not None:
        return segment.init_size
    try:
        return init_section_size(storage.read_range(segment.key, 0, INIT_PROBE_BYTES))
    except (MediaError, ObjectNotFound) as exc:
        raise MediaError(f"{segment.key}: cannot play: {exc}") from exc


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
