"""Coverage and gaps of a camera over a range: pure functions over segments.

Only a segment with status OK and some duration plays. Every other second of a
range is a :class:`Gap` that says why: nothing was indexed there, or what is
indexed there does not play (quarantined, a copy kept apart...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from footage.models import Segment, SegmentStatus, TimeRange

#: Holes shorter than this between segments are cut jitter, not gaps.
GAP_TOLERANCE = timedelta(seconds=2)


def find_gaps(
    segments: Sequence[Segment],
    start: datetime,
    end: datetime,
    tolerance: timedelta = GAP_TOLERANCE,
) -> list[TimeRange]:
    """Ranges within [start, end) that no segment covers, longer than ``tolerance``."""
    gaps: list[TimeRange] = []
    cursor = start
    for seg in sorted(segments, key=lambda s: s.start):
        if seg.end <= cursor or seg.start >= end:
            continue
        if seg.start - cursor > tolerance:
            gaps.append(TimeRange(cursor, seg.start))
        cursor = max(cursor, seg.end)
    if end - cursor > tolerance:
        gaps.append(TimeRange(cursor, end))
    return gaps


def covered_seconds(segments: Sequence[Segment], start: datetime, end: datetime) -> float:
    """Seconds of [start, end) covered by at least one segment."""
    total = timedelta()
    cursor = start
    for seg in sorted(segments, key=lambda s: s.start):
        lo, hi = max(seg.start, cursor), min(seg.end, end)
        if hi > lo:
            total += hi - lo
            cursor = hi
    return total.total_seconds()


def coverage_ratio(segments: Sequence[Segment], start: datetime, end: datetime) -> float:
    span = (end - start).total_seconds()
    return 0.0 if span <= 0 else min(1.0, covered_seconds(segments, start, end) / span)


class GapReason(StrEnum):
    """Why a part of a range does not play: a code the viewer words in its language
    (the row's own reason, if any, travels beside it as ``detail``)."""

    NO_RECORDING = "no_recording"  # nothing indexed
    UNPLAYABLE = "unplayable"  # a quarantined (corrupt, truncated...) or empty segment
    OVERLAP = "overlap"  # a copy overlapping footage already indexed: kept apart
    KEPT_APART = "kept_apart"  # another copy kept apart (a conflict, an earlier version)


#: (Indonesian, English) for people reading without the viewer (an export's sidecar);
#: the web viewer has the same texts in web/src/messages-id.ts and messages-en.ts (gap.*).
GAP_TEXTS: dict[GapReason, tuple[str, str]] = {
    GapReason.NO_RECORDING: ("tidak ada rekaman", "no recording"),
    GapReason.UNPLAYABLE: ("rekaman tidak dapat diputar", "recording cannot be played"),
    GapReason.OVERLAP: (
        "salinan tumpang tindih, disimpan terpisah",
        "overlapping copy, kept apart",
    ),
    GapReason.KEPT_APART: ("salinan lain, disimpan terpisah", "another copy, kept apart"),
}

#: The reason of a row by its status value (statuses are matched by value so that
#: one added later is still a gap: :data:`GapReason.KEPT_APART` by default).
_REASONS = {SegmentStatus.QUARANTINED.value: GapReason.UNPLAYABLE, "overlap": GapReason.OVERLAP}


@dataclass(frozen=True, slots=True)
class Gap:
    start: datetime
    end: datetime
    reason: GapReason = GapReason.NO_RECORDING
    detail: str | None = None  # the row's reason as indexed (often a tool's words)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Coverage:
    """A range cut into what plays and what is missing; together they tile it."""

    covered: list[TimeRange]
    missing: list[Gap]

    @property
    def covered_s(self) -> float:
        return sum((r.duration for r in self.covered), timedelta()).total_seconds()

    @property
    def missing_s(self) -> float:
        return sum((g.duration for g in self.missing), timedelta()).total_seconds()


def plays(segment: Segment) -> bool:
    return segment.status is SegmentStatus.OK and segment.end > segment.start


def explain_gaps(
    segments: Sequence[Segment],
    start: datetime,
    end: datetime,
    tolerance: timedelta = GAP_TOLERANCE,
) -> list[Gap]:
    """The gaps of [start, end) that no playable segment covers, each with why.

    A row that does not play explains the part of a hole it spans; a row of unknown
    length (indexed with end == start) the hole up to the next row or footage."""
    rows = sorted((s for s in segments if not plays(s)), key=lambda s: s.start)
    found: list[Gap] = []
    first = 0  # rows before it end before every hole still to come
    for hole in find_gaps([s for s in segments if plays(s)], start, end, tolerance):
        while first < len(rows) and max(rows[first].end, rows[first].start) < hole.start:
            first += 1
        inside = []
        for row in rows[first:]:
            if row.start >= hole.end:
                break
            if max(row.end, row.start) >= hole.start:
                inside.append(row)
        found.extend(_explain_hole(hole, inside, tolerance))
    return found


def _explain_hole(hole: TimeRange, rows: Sequence[Segment], tolerance: timedelta) -> list[Gap]:
    pieces: list[Gap] = []
    cursor = hole.start
    for index, row in enumerate(rows):
        lo = max(row.start, cursor)
        if lo - cursor > tolerance:
            pieces.append(Gap(cursor, lo))
        else:
            lo = cursor
        following = rows[index + 1].start if index + 1 < len(rows) else hole.end
        hi = min(row.end if row.end > row.start else following, following, hole.end)
        if hi > lo:
            pieces.append(Gap(lo, hi, _reason(row), row.reason))
            cursor = hi
    if hole.end > cursor:
        last = pieces[-1] if pieces else None
        if last is not None and last.end == cursor and hole.end - cursor <= tolerance:
            pieces[-1] = Gap(last.start, hole.end, last.reason, last.detail)
        else:
            pieces.append(Gap(cursor, hole.end))
    return _merged(pieces)


def _reason(row: Segment) -> GapReason:
    if row.status is SegmentStatus.OK:  # indexed as playable, but with no duration
        return GapReason.UNPLAYABLE
    return _REASONS.get(row.status.value, GapReason.KEPT_APART)


def _merged(pieces: list[Gap]) -> list[Gap]:
    merged: list[Gap] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if last and last.end == piece.start and (last.reason, last.detail) == (
            piece.reason, piece.detail,
        ):  # fmt: skip
            merged[-1] = Gap(last.start, piece.end, last.reason, last.detail)
        else:
            merged.append(piece)
    return merged


def range_coverage(
    segments: Sequence[Segment],
    start: datetime,
    end: datetime,
    tolerance: timedelta = GAP_TOLERANCE,
) -> Coverage:
    """[start, end) as covered parts (playable footage, holes up to ``tolerance``
    included) and missing ones (:func:`explain_gaps`)."""
    missing = explain_gaps(segments, start, end, tolerance)
    covered: list[TimeRange] = []
    cursor = start
    for gap in [*missing, Gap(end, end)]:
        if gap.start > cursor:
            covered.append(TimeRange(cursor, gap.start))
        cursor = max(cursor, gap.end)
    return Coverage(covered, missing)
