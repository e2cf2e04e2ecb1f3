"""Keep/delete decisions and the daily schedule: pure functions over plain data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from footage.keys import build_evidence_key, build_segment_key
from footage.models import Protection, Segment
from footage.retention import (
    TTL_GRACE,
    TtlShare,
    Verdict,
    decide,
    expiry,
    is_protected,
    next_daily_run,
    shown_until,
    ttl_share,
)

START = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
SEGMENT = Segment(
    camera="lobby",
    site="HO",
    start=START,
    end=START + timedelta(seconds=60),
    size_bytes=1000,
    sha256="0" * 64,
    key="segments/HO/lobby/2026/01/01/lobby_20260101T080000Z.mp4",
)
END = SEGMENT.end


def hold(camera: str, start: datetime, end: datetime) -> Protection:
    return Protection(camera, start, end, reason="case 42")


def test_expiry_adds_days() -> None:
    assert expiry(END, 180) == END + timedelta(days=180)


def test_protected_flag_wins_even_when_long_expired() -> None:
    decision = decide(replace(SEGMENT, protected=True), 7, [], END + timedelta(days=3650))
    assert decision.verdict is Verdict.PROTECTED


def test_overlapping_protection_of_same_camera_protects() -> None:
    protection = hold("lobby", END - timedelta(seconds=1), END + timedelta(hours=1))
    decision = decide(SEGMENT, 7, [protection], END + timedelta(days=30))
    assert decision.verdict is Verdict.PROTECTED


def test_protection_of_another_camera_does_not_protect() -> None:
    protection = hold("gate", START - timedelta(hours=1), END + timedelta(hours=1))
    assert not is_protected(SEGMENT, [protection])
    assert decide(SEGMENT, 7, [protection], END + timedelta(days=30)).verdict is Verdict.DELETE


@pytest.mark.parametrize(
    ("lo", "hi"),
    [
        (END, END + timedelta(hours=1)),  # starts exactly when the segment ends
        (START - timedelta(hours=1), START),  # ends exactly when the segment starts
    ],
)
def test_touching_protection_does_not_protect(lo: datetime, hi: datetime) -> None:
    assert not is_protected(SEGMENT, [hold("lobby", lo, hi)])


def test_delete_exactly_at_boundary() -> None:
    decision = decide(SEGMENT, 180, [], END + timedelta(days=180))
    assert decision.verdict is Verdict.DELETE
    assert "180 days" in decision.reason


def test_keep_one_second_before_boundary() -> None:
    now = END + timedelta(days=180) - timedelta(seconds=1)
    assert decide(SEGMENT, 180, [], now).verdict is Verdict.KEEP


def test_configured_retention_overrides_stored_expiry() -> None:
    stored_long = replace(SEGMENT, expires_at=END + timedelta(days=365))
    assert decide(stored_long, 7, [], END + timedelta(days=7)).verdict is Verdict.DELETE
    stored_short = replace(SEGMENT, expires_at=END + timedelta(days=7))
    assert decide(stored_short, 180, [], END + timedelta(days=8)).verdict is Verdict.KEEP


def test_unknown_camera_uses_stored_expiry() -> None:
    segment = replace(SEGMENT, expires_at=END + timedelta(days=30))
    assert decide(segment, None, [], END + timedelta(days=30)).verdict is Verdict.DELETE
    early = END + timedelta(days=30) - timedelta(seconds=1)
    assert decide(segment, None, [], early).verdict is Verdict.KEEP


def test_no_retention_known_keeps() -> None:
    decision = decide(SEGMENT, None, [], END + timedelta(days=10_000))
    assert decision.verdict is Verdict.KEEP
    assert decision.reason == "no retention known"


def test_next_daily_run_before_the_time_is_today() -> None:
    now = datetime(2026, 3, 1, 1, 59, 59, tzinfo=UTC)
    assert next_daily_run(now, time(2, 0)) == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def test_next_daily_run_after_the_time_is_tomorrow() -> None:
    now = datetime(2026, 3, 1, 2, 0, 1, tzinfo=UTC)
    assert next_daily_run(now, time(2, 0)) == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_next_daily_run_at_the_time_is_tomorrow() -> None:
    now = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert next_daily_run(now, time(2, 0)) == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_next_daily_run_crosses_month_and_year() -> None:
    now = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert next_daily_run(now, time(2, 30)) == datetime(2027, 1, 1, 2, 30, tzinfo=UTC)


def test_ttl_is_given_its_grace_before_the_sweep_deletes_a_row() -> None:
    expires = START + timedelta(days=30)
    row = replace(SEGMENT, expires_at=expires)
    assert timedelta(days=3) == TTL_GRACE
    assert ttl_share(row, expires - timedelta(hours=1), TTL_GRACE) is TtlShare.NOT_TTL
    assert ttl_share(row, expires + timedelta(days=2), TTL_GRACE) is TtlShare.WAITING
    assert ttl_share(row, expires + TTL_GRACE, TTL_GRACE) is TtlShare.MISSED
    assert ttl_share(replace(row, expires_at=None), expires + timedelta(days=9),
                     TTL_GRACE) is TtlShare.NOT_TTL  # fmt: skip


def test_a_row_is_shown_until_lifecycle_may_take_its_object_or_it_expires() -> None:
    key = build_segment_key("HO", "lobby", START, retention_days=30)
    row = replace(SEGMENT, key=key, expires_at=END + timedelta(days=30))
    # class 30: the current version expires at the first midnight 28 days after the upload
    assert shown_until(row) == datetime(2026, 1, 30, tzinfo=UTC)
    assert shown_until(replace(row, end=datetime(2026, 1, 1, tzinfo=UTC))) == datetime(
        2026, 1, 29, tzinfo=UTC
    )  # already a midnight
    unclassed = replace(row, key="segments/HO/lobby/2026/01/01/lobby_20260101T080000Z.mp4")
    assert shown_until(unclassed) == END + timedelta(days=30)  # its expiry decides
    held = replace(row, key=build_evidence_key(key), expires_at=None, protected=True)
    assert shown_until(held) is None
