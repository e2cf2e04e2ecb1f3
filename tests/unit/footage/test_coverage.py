"""Gaps and coverage of a camera over a range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from footage.coverage import (
    GAP_TOLERANCE,
    GapReason,
    coverage_ratio,
    covered_seconds,
    explain_gaps,
    find_gaps,
    range_coverage,
)
from footage.models import Segment, SegmentStatus, TimeRange

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def seg(lo: float, hi: float) -> Segment:
    start = at(lo)
    return Segment("cam1", "HO", start, at(hi), 1, "0" * 64, f"k{lo}")


def gaps(
    segments: list[Segment], lo: float, hi: float, **kw: timedelta
) -> list[tuple[float, float]]:
    found = find_gaps(segments, at(lo), at(hi), **kw)
    return [((g.start - T0).total_seconds(), (g.end - T0).total_seconds()) for g in found]


def test_no_segments_is_one_gap_and_zero_coverage() -> None:
    assert gaps([], 0, 600) == [(0, 600)]
    assert coverage_ratio([], at(0), at(600)) == 0.0


def test_back_to_back_segments_have_no_gap() -> None:
    segments = [seg(0, 60), seg(60, 120), seg(120, 180)]
    assert gaps(segments, 0, 180) == []
    assert coverage_ratio(segments, at(0), at(180)) == 1.0


def test_holes_within_tolerance_are_not_gaps() -> None:
    assert timedelta(seconds=2) == GAP_TOLERANCE
    segments = [seg(0, 60), seg(62, 120)]  # a 2 s hole: cut jitter
    assert gaps(segments, 0, 120) == []
    assert covered_seconds(segments, at(0), at(120)) == 118.0


def test_hole_just_over_tolerance_is_a_gap() -> None:
    assert gaps([seg(0, 60), seg(63, 120)], 0, 120) == [(60, 63)]


def test_custom_tolerance() -> None:
    segments = [seg(0, 60), seg(70, 120)]
    assert gaps(segments, 0, 120, tolerance=timedelta(seconds=15)) == []
    assert gaps(segments, 0, 120, tolerance=timedelta(0)) == [(60, 70)]


def test_gaps_at_both_ends() -> None:
    assert gaps([seg(100, 200)], 0, 300) == [(0, 100), (200, 300)]
    assert coverage_ratio([seg(100, 200)], at(0), at(300)) == pytest.approx(1 / 3)


def test_overlapping_segments_are_not_counted_twice() -> None:
    segments = [seg(0, 60), seg(30, 90), seg(40, 50)]
    assert gaps(segments, 0, 120) == [(90, 120)]
    assert covered_seconds(segments, at(0), at(120)) == 90.0
    assert coverage_ratio(segments, at(0), at(120)) == 0.75


def test_unsorted_input_is_sorted() -> None:
    segments = [seg(200, 300), seg(0, 100)]
    assert gaps(segments, 0, 300) == [(100, 200)]


def test_segment_starting_before_the_range() -> None:
    segments = [seg(-30, 30)]
    assert gaps(segments, 0, 60) == [(30, 60)]
    assert covered_seconds(segments, at(0), at(60)) == 30.0
    assert coverage_ratio(segments, at(0), at(60)) == 0.5


def test_segment_running_past_the_range_end() -> None:
    segments = [seg(0, 30), seg(50, 500)]
    assert gaps(segments, 0, 100) == [(30, 50)]
    assert coverage_ratio(segments, at(0), at(100)) == 0.8


def test_segments_outside_the_range_are_ignored() -> None:
    segments = [seg(-100, -40), seg(700, 760)]
    assert gaps(segments, 0, 600) == [(0, 600)]
    assert covered_seconds(segments, at(0), at(600)) == 0.0


def test_gaps_are_time_ranges() -> None:
    (gap,) = find_gaps([seg(0, 10)], at(0), at(60))
    assert isinstance(gap, TimeRange)
    assert gap.duration == timedelta(seconds=50)


def test_empty_range_has_zero_coverage() -> None:
    assert coverage_ratio([seg(0, 60)], at(10), at(10)) == 0.0


# Gaps with their reasons, and the coverage of a range (playback and exports).


def bad(lo: float, hi: float, status: SegmentStatus = SegmentStatus.QUARANTINED,
        reason: str | None = "file is truncated") -> Segment:  # fmt: skip
    return Segment("cam1", "HO", at(lo), at(hi), 1, "1" * 64, f"b{lo}", status=status,
                   reason=reason)  # fmt: skip


Explained = list[tuple[float, float, str, str | None]]


def explained(segments: list[Segment], lo: float, hi: float) -> Explained:
    found = explain_gaps(segments, at(lo), at(hi))
    return [((g.start - T0).total_seconds(), (g.end - T0).total_seconds(), g.reason.value, g.detail)
            for g in found]  # fmt: skip


def test_a_hole_where_nothing_is_indexed_is_no_recording() -> None:
    assert explained([seg(0, 60), seg(120, 180)], 0, 180) == [(60, 120, "no_recording", None)]
    assert explained([], 0, 60) == [(0, 60, "no_recording", None)]


def test_a_quarantined_segment_of_unknown_length_explains_the_hole_up_to_the_next_footage() -> None:
    # ingest indexes a file it cannot read with end == start: its length is not known
    segments = [seg(0, 60), bad(60, 60), seg(120, 180)]
    assert explained(segments, 0, 180) == [(60, 120, "unplayable", "file is truncated")]
    assert explained([seg(0, 60), bad(61, 61), seg(120, 180)], 0, 180) == [
        (60, 120, "unplayable", "file is truncated")  # cut jitter before it is folded in
    ]


def test_a_bad_segment_of_known_length_explains_its_own_time_only() -> None:
    segments = [seg(0, 60), bad(60, 90), seg(150, 180)]
    assert explained(segments, 0, 180) == [
        (60, 90, "unplayable", "file is truncated"), (90, 150, "no_recording", None)
    ]  # fmt: skip


def test_every_status_but_ok_is_never_playable_and_says_why() -> None:
    for status in SegmentStatus:
        if status is SegmentStatus.OK:
            continue
        rows = [seg(0, 60), bad(60, 120, status, "why"), seg(120, 180)]
        (gap,) = explain_gaps(rows, at(0), at(180))
        assert (gap.start, gap.end, gap.detail) == (at(60), at(120), "why"), status
        assert gap.reason is not GapReason.NO_RECORDING, status
    (kept,) = explain_gaps([seg(0, 60), bad(60, 120, SegmentStatus.CONFLICT)], at(0), at(120))
    assert kept.reason is GapReason.KEPT_APART
    (empty,) = explain_gaps([seg(0, 60), bad(60, 60, SegmentStatus.OK, None)], at(0), at(120))
    assert (empty.reason, empty.end) == (GapReason.UNPLAYABLE, at(120))


def test_a_copy_kept_apart_over_playable_footage_is_no_gap() -> None:
    segments = [seg(0, 60), bad(20, 50, SegmentStatus.CONFLICT), seg(60, 120)]
    assert explained(segments, 0, 120) == []


def test_coverage_tiles_the_range_with_what_plays_and_what_is_missing() -> None:
    found = range_coverage([seg(0, 25), bad(25, 25), seg(65, 90)], at(0), at(90))
    assert [(r.start, r.end) for r in found.covered] == [(at(0), at(25)), (at(65), at(90))]
    assert [(g.start, g.end, g.reason) for g in found.missing] == [
        (at(25), at(65), GapReason.UNPLAYABLE)
    ]
    assert (found.covered_s, found.missing_s) == (50.0, 40.0)
    jitter = range_coverage([seg(0, 30), seg(31, 60)], at(0), at(60))
    assert [(r.start, r.end) for r in jitter.covered] == [(at(0), at(60))] and not jitter.missing
