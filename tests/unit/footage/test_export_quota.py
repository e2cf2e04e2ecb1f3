"""The export quota decision over plain data: jobs at once, hours a day, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from footage.config import ApiLimits, ExportQuota
from footage.services.export_quota import ExportUse, refusal

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
QUOTA = ExportQuota(max_active=2, hours_per_day=8)


def use(
    name: str,
    hours_ago: float,
    span_h: float = 2,
    *,
    active: bool = False,
    failed: bool = False,
) -> ExportUse:
    return ExportUse(name, NOW - timedelta(hours=hours_ago), timedelta(hours=span_h),
                     active, failed)  # fmt: skip


NEW = use("new", 0, active=True)


def test_a_third_export_under_way_is_refused_without_a_retry_time() -> None:
    refused = refusal([use("a", 1, active=True), use("b", 0.5, active=True)], NEW, QUOTA, NOW)
    assert refused is not None and refused.retry_after_s is None
    assert "2 of your exports are queued or running (at most 2 at once)" in str(refused)
    assert refusal([use("a", 1, active=True), use("b", 0.5)], NEW, QUOTA, NOW) is None


def test_the_new_job_counts_once_even_when_listed_with_the_others() -> None:
    """The job is saved before counting, so the listing holds it too."""
    assert refusal([use("a", 1, active=True), NEW], NEW, QUOTA, NOW) is None
    assert refusal([use("a", 1, 2), use("b", 1, 2), use("c", 1, 2), NEW], NEW, QUOTA, NOW) is None


def test_hours_past_the_daily_limit_are_refused_until_the_oldest_leaves_the_window() -> None:
    done = [use("a", 20), use("b", 10), use("c", 5), use("d", 1)]  # 8 h in the last 24 h
    refused = refusal(done, NEW, QUOTA, NOW)
    assert refused is not None
    assert refused.retry_after_s == pytest.approx(4 * 3600)  # "a" leaves at 24 h
    assert "you exported 8 h of footage in the last 24 hours" in str(refused)
    assert str(refused).endswith("limit of 8 h a day; try again in 4.0 h")
    assert refusal(done[1:], NEW, QUOTA, NOW) is None  # 6 h + 2 h fits


def test_the_retry_time_waits_for_enough_hours_to_leave() -> None:
    done = [use("a", 20, 1), use("b", 19, 1), use("c", 1, 6)]
    refused = refusal(done, NEW, ExportQuota(max_active=None, hours_per_day=8), NOW)
    assert refused is not None and refused.retry_after_s == pytest.approx(5 * 3600)


def test_failed_and_day_old_exports_do_not_count() -> None:
    others = [use("a", 30, active=True), use("b", 25), use("c", 2, failed=True),
              use("d", 3, failed=True), use("e", 1), use("f", 1), use("g", 1)]  # fmt: skip
    assert refusal(others, NEW, QUOTA, NOW) is None
    assert refusal([*others, use("h", 23.5)], NEW, QUOTA, NOW) is not None


def test_admins_have_a_higher_limit_and_no_daily_volume_by_default() -> None:
    admin = ApiLimits().export_quota(admin=True)
    busy = [use(str(n), 0.1, active=True) for n in range(3)]
    many = [use(str(n), 1) for n in range(40)]  # 80 hours today
    assert refusal(busy + many, NEW, admin, NOW) is None
    assert refusal([*busy, use("x", 0.1, active=True)], NEW, admin, NOW) is not None
    viewer = ApiLimits().export_quota(admin=False)
    assert (viewer.max_active, viewer.hours_per_day) == (2, 8)
    assert refusal(many, NEW, ExportQuota(max_active=None, hours_per_day=None), NOW) is None


def test_a_daily_limit_below_one_export_is_not_a_valid_config() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 2"):
        ExportQuota(hours_per_day=1)
