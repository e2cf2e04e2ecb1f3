"""Coverage and gaps of a camera over a range: pure functions over segments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from footage.models import Segment, TimeRange

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
