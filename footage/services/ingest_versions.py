"""Ingest rules for footage that arrives more than once: overlaps, new versions and
the originals of transcoded files (footage.services.ingest applies them).

* **Overlap.** An NVR file (``origin=nvr``) whose time overlaps, by more than
  :data:`OVERLAP_TOLERANCE`, footage of its camera that plays already (a range
  exported twice, a recording the edge made too) is indexed with status OVERLAP
  and the reason, kept and never played: no second plays twice. Checked in the
  index, so it holds for every edge and store alike. Not for the edge's own
  recordings: they are cut and named by the wall clock, so a burst of delayed
  frames can make two neighbours overlap by seconds in the index, and flagging
  one would hide a whole minute.
* **New version.** A file an NVR kept writing after the edge took it goes up
  again declaring the stored segment it supersedes (``supersedes=<SHA-256>``).
  It takes that segment's slot only if the SHA-256 is the one indexed there, it
  plays, it covers all of that segment's time and more, and it overlaps nothing
  else; the earlier segment stays, apart, as REPLACED. Otherwise the usual rules
  hold (kept apart as a conflict).
* **Original.** The file an NVR dropped in an old codec is stored beside the
  segment the edge transcoded from it (footage.keys.build_original_key). It is
  never indexed itself: it joins its segment's derived keys (so retention,
  evidence holds and the orphan sweep treat it as part of the segment), from
  whichever of the two is ingested second.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from footage.catalog import Catalog
from footage.keys import ParsedKey
from footage.models import ObjectInfo, Segment, SegmentStatus
from footage.services.evidence import held_key
from footage.storage import (
    META_ORIGIN,
    META_ORIGINAL,
    META_SEGMENT,
    META_SUPERSEDES,
    ORIGIN_NVR,
    Storage,
)

#: Recorded segments meet at keyframes and their durations round: less than this
#: in common is not an overlap.
OVERLAP_TOLERANCE = timedelta(seconds=1)
#: A new version must end no earlier than this before the one it replaces, and last
#: longer by more than this.
_VERSION_SLACK = timedelta(milliseconds=250)


def overlapping(catalog: Catalog, segment: Segment, ignore: Segment | None = None) -> list[Segment]:
    """Playing footage of ``segment``'s camera sharing more than the tolerance with it."""
    rows = catalog.query_camera(segment.camera, segment.start, segment.end)
    skip = {segment.identity, ignore.identity if ignore else None}
    return [
        row
        for row in rows
        if row.identity not in skip
        and min(row.end, segment.end) - max(row.start, segment.start) > OVERLAP_TOLERANCE
    ]


def flag_overlap(catalog: Catalog, head: ObjectInfo, segment: Segment) -> Segment:
    """``segment``, marked OVERLAP (with why) if it is an NVR file that would play
    time that plays already."""
    if segment.status is not SegmentStatus.OK or head.metadata.get(META_ORIGIN) != ORIGIN_NVR:
        return segment
    rows = overlapping(catalog, segment)
    if not rows:
        return segment
    first, last = rows[0], rows[-1]
    reason = (
        f"overlaps footage already indexed for {segment.camera} from "
        f"{max(first.start, segment.start):%Y-%m-%d %H:%M:%S}Z to "
        f"{min(last.end, segment.end):%H:%M:%S}Z ({len(rows)} segment(s), first {first.key}) "
        "with other content; kept, not played"
    )
    return replace(segment, status=SegmentStatus.OVERLAP, reason=reason)


def declares_superseding(head: ObjectInfo, primary: Segment) -> bool:
    """The upload says it is a new version of the very object indexed in the slot."""
    declared = head.metadata.get(META_SUPERSEDES)
    return bool(declared) and primary.sha256 == declared


def supersedes(catalog: Catalog, head: ObjectInfo, primary: Segment, segment: Segment) -> bool:
    """Whether ``segment`` (from ``head``) may take the slot of ``primary`` (see the doc)."""
    return (
        declares_superseding(head, primary)
        and primary.status is SegmentStatus.OK
        and segment.status is SegmentStatus.OK
        and segment.start <= primary.start
        and segment.end >= primary.end - _VERSION_SLACK
        and segment.end - segment.start > primary.end - primary.start + _VERSION_SLACK
        and not overlapping(catalog, segment, ignore=primary)
    )


def replaced_reason(segment: Segment) -> str:
    return (
        f"replaced by a longer version of the same file (sha256 {segment.sha256[:12]}, "
        f"to {segment.end:%H:%M:%S}Z); kept, not played"
    )


def original_keys(storage: Storage, head: ObjectInfo) -> tuple[str, ...]:
    """The stored original a transcoded segment names, if it is there already."""
    key = head.metadata.get(META_ORIGINAL)
    return (key,) if key and storage.head(key) is not None else ()


def attach_original(
    catalog: Catalog, storage: Storage, parsed: ParsedKey, head: ObjectInfo
) -> Segment | None:
    """Add the original to its segment's derived keys; the row, or None when its
    segment is not indexed yet (that ingest attaches it)."""
    made_from = head.metadata.get(META_SEGMENT)
    rows = catalog.query_camera(
        parsed.camera, parsed.start, parsed.start + timedelta(seconds=1), include_quarantined=True
    )
    for row in rows:
        if row.start != parsed.start or not made_from or row.sha256 != made_from:
            continue
        if head.key in row.derived_keys:
            return row
        key = held_key(storage, head.key) if row.protected else head.key
        updated = replace(row, derived_keys=(*row.derived_keys, key))
        if catalog.replace_segment(updated, expected=row):
            return updated
    return None
