"""The upload budget: token bucket arithmetic on a fake clock, caps by schedule
in the site's zone, and the share left while someone watches live."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from footage.bandwidth import BURST_S, SiteBudget, TokenBucket
from footage.config import BudgetWindow, Site, UploadBudget
from tests.unit.fakes import FakeTime


def test_steady_reads_flow_at_the_rate_after_one_burst() -> None:
    fake = FakeTime()
    bucket = TokenBucket(lambda: 1000.0, fake.clock, fake.sleep)
    fake.now = 1.0  # a full burst has accumulated
    for _ in range(100):
        bucket.consume(100)  # 10,000 bytes at 1,000 B/s
    elapsed = fake.now - 1.0
    assert elapsed == pytest.approx(10.0 - 1000 * BURST_S / 1000, abs=0.01)
    assert bucket.consumed == 10_000 and max(fake.sleeps) <= 0.5


def test_a_large_read_waits_in_short_steps_and_follows_a_new_rate() -> None:
    fake = FakeTime()
    rates = iter([1000.0] * 4 + [4000.0] * 1000)  # the cap rises after ~1.5 s
    bucket = TokenBucket(lambda: next(rates), fake.clock, fake.sleep)
    bucket.consume(10_000)
    assert all(s <= 0.5 for s in fake.sleeps)
    # 1,500 bytes at 1,000 B/s, then 8,500 at 4,000 B/s: well under the 10 s of the old rate
    assert fake.now == pytest.approx(1.5 + 8500 / 4000, abs=0.6)


def test_no_cap_never_waits() -> None:
    fake = FakeTime()
    bucket = TokenBucket(lambda: None, fake.clock, fake.sleep)
    bucket.consume(10**9)
    assert fake.sleeps == [] and bucket.consumed == 10**9


def test_concurrent_callers_share_one_rate() -> None:
    """Two callers alternating (as two upload threads do) get half the rate each."""
    fake = FakeTime()
    bucket = TokenBucket(lambda: 2000.0, fake.clock, fake.sleep)
    for _ in range(50):
        bucket.consume(100)  # worker A
        bucket.consume(100)  # worker B
    assert fake.now == pytest.approx(10_000 / 2000, abs=0.3)


@pytest.mark.parametrize(
    ("local", "inside"),
    [
        (datetime(2026, 11, 23, 22, 0), True),  # Monday 22:00
        (datetime(2026, 11, 24, 5, 59), True),  # Tuesday early: Monday's night
        (datetime(2026, 11, 24, 6, 0), False),
        (datetime(2026, 11, 28, 23, 0), False),  # Saturday night: not listed
        (datetime(2026, 11, 29, 1, 0), False),  # Sunday 01:00 belongs to Saturday
        (datetime(2026, 11, 28, 1, 0), True),  # Saturday 01:00 belongs to Friday
    ],
)
def test_windows_past_midnight_belong_to_the_day_they_start(local, inside) -> None:
    night = BudgetWindow(start=time(20), end=time(6), max_kbps=9000, days=[0, 1, 2, 3, 4])
    assert night.contains(local) is inside


def test_site_cap_by_schedule_in_the_sites_zone_and_while_watched() -> None:
    site = Site(id="CABANG-01", name="Makassar", timezone="Asia/Makassar")  # WITA, UTC+8
    budget = UploadBudget(max_kbps=9000, live_share=0.4, schedule=[
        BudgetWindow(start=time(8), end=time(17), max_kbps=3000),
    ])  # fmt: skip
    plan = SiteBudget(site, budget)
    office = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 09:30 WITA
    night = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 22:00 WITA
    assert plan.rate(office, live_viewers=0) == 3000 * 1000 / 8
    assert plan.rate(night, live_viewers=0) == 9000 * 1000 / 8
    assert plan.rate(office, live_viewers=2) == pytest.approx(0.4 * 3000 * 1000 / 8)
    assert SiteBudget(site, UploadBudget()).rate(office, 0) is None


def test_budget_validation() -> None:
    with pytest.raises(ValueError, match="days"):
        BudgetWindow(start=time(8), end=time(17), max_kbps=100, days=[7])
    with pytest.raises(ValueError):
        UploadBudget(max_kbps=1)
