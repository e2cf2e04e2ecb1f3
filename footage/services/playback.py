"""Recorded footage as one HLS VOD playlist: any time range plays as one timeline.

Each stored segment is a fragmented MP4, listed as two byte ranges of one
short-lived URL: its init section (``EXT-X-MAP``) and its fragments. Every
segment starts a discontinuity (its own timestamps and init) and carries its
wall-clock start (``EXT-X-PROGRAM-DATE-TIME``), so players map playback time to
wall time and the viewer's timeline stays exact across gaps, which are skipped
and listed as comments with their reason code (and in the result, with the
row's own reason as detail). Only segments that play are listed: a row of any
status but OK, or of no duration, is a gap (footage.coverage.explain_gaps).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from footage.catalog import Catalog
from footage.coverage import Gap, plays
from footage.errors import MediaError, NoFootage, ObjectNotFound
from footage.media.mp4 import INIT_PROBE_BYTES, init_section_size
from footage.models import Segment
from footage.services.footage_query import camera_footage
from footage.storage import Storage

#: A playlist spans at most a week (10,080 one-minute segments, about 4 MB).
MAX_PLAYLIST_RANGE = timedelta(days=7)
#: Segment URLs live long enough to watch the range at 1x, within these bounds.
MIN_URL_TTL = timedelta(hours=1)
MAX_URL_TTL = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Playlist:
    text: str
    segments: int
    gaps: list[Gap]
    expires_at: datetime


def url_ttl(start: datetime, end: datetime) -> timedelta:
    return min(max(end - start + timedelta(minutes=30), MIN_URL_TTL), MAX_URL_TTL)


def playback_playlist(
    catalog: Catalog, storage: Storage, camera: str, start: datetime, end: datetime
) -> Playlist:
    """The playlist of ``camera`` over [start, end). Whole segments are listed, so
    the first may begin before ``start``; players seek to ``start`` themselves."""
    if end - start > MAX_PLAYLIST_RANGE:
        raise ValueError(f"a playlist spans at most {MAX_PLAYLIST_RANGE.days} days")
    found = camera_footage(catalog, camera, start, end)
    playable = playable_timeline(found.segments)
    if not playable:
        raise NoFootage(f"no playable footage of {camera} between {start} and {end}")
    ttl = url_ttl(start, end)
    urls = storage.presign_many([s.key for s in playable], ttl)
    init_sizes = [_init_size(storage, s) for s in playable]
    return Playlist(
        render_playlist(playable, urls, init_sizes, found.gaps),
        len(playable),
        found.gaps,
        datetime.now(UTC) + ttl,
    )


def render_playlist(
    segments: Sequence[Segment],
    urls: Sequence[str],
    init_sizes: Sequence[int],
    gaps: Sequence[Gap] = (),
) -> str:
    target = max(math.ceil(s.duration_s) for s in segments)
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
    for segment, url, init in zip(segments, urls, init_sizes, strict=True):
        lines += [
            "#EXT-X-DISCONTINUITY",
            f"#EXT-X-PROGRAM-DATE-TIME:{_stamp(segment.start)}",
            f'#EXT-X-MAP:URI="{url}",BYTERANGE="{init}@0"',
            f"#EXTINF:{segment.duration_s:.3f},",
            f"#EXT-X-BYTERANGE:{segment.size_bytes - init}@{init}",
            url,
        ]
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
