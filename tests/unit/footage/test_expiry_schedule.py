"""expiry_schedule: S3 lifecycle days that remove a class's bytes by its retention."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from footage.retention import ExpirySchedule, expiry_schedule

DAY = timedelta(days=1)


def _next_midnight(moment: datetime) -> datetime:
    """S3 rounds every lifecycle date up to the next midnight UTC."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == moment else midnight + DAY


def _s3_timeline(uploaded: datetime, schedule: ExpirySchedule) -> tuple[datetime, datetime]:
    """(delete marker, bytes eligible for removal) as S3 documents them."""
    marker = _next_midnight(uploaded + schedule.expire_current_after_days * DAY)
    gone = _next_midnight(marker + schedule.noncurrent_after_days * DAY)
    return marker, gone


def test_the_default_180_days_expire_at_178_and_keep_one_noncurrent_day() -> None:
    assert expiry_schedule(180) == ExpirySchedule(178, 1)
    assert expiry_schedule(180).bytes_gone_before_days == 180


@pytest.mark.parametrize("retention", [3, 4, 7, 30, 90, 180, 365, 3650])
def test_bytes_are_gone_before_the_retention_and_playable_two_days_less(retention: int) -> None:
    schedule = expiry_schedule(retention)
    rng = random.Random(retention)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(500):  # any upload time, midnight itself included
        uploaded = base + timedelta(seconds=rng.randrange(0, 400 * 86400))
        marker, gone = _s3_timeline(uploaded, schedule)
        assert gone < uploaded + retention * DAY
        assert marker - uploaded >= (retention - 2) * DAY
    exactly_midnight = datetime(2026, 3, 1, tzinfo=UTC)
    assert _s3_timeline(exactly_midnight, schedule)[1] < exactly_midnight + retention * DAY


@pytest.mark.parametrize("retention", [1, 2])
def test_below_three_days_s3s_one_day_minimum_wins(retention: int) -> None:
    schedule = expiry_schedule(retention)
    assert schedule == ExpirySchedule(1, 1)
    assert schedule.bytes_gone_before_days == 3


def test_no_retention_below_a_day() -> None:
    with pytest.raises(ValueError, match="at least 1 day"):
        expiry_schedule(0)
