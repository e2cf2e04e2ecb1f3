"""The edge's own checks (pure): spool, gaps, failed logins, counts, digest time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from footage.alerts.checks import (
    digest_due,
    gap_condition,
    grew,
    login_conditions,
    longest_gap,
    spool_condition,
)
from footage.alerts.config import RuleSettings
from footage.alerts.models import Rule

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # 10:00 WIB
RULES = RuleSettings()


def span(start_min: int, end_min: int) -> tuple[datetime, datetime]:
    return NOW + timedelta(minutes=start_min), NOW + timedelta(minutes=end_min)


def test_spool_over_its_percent() -> None:
    assert spool_condition("HO", 84.9, RULES, NOW) is None
    cond = spool_condition("HO", 91.2, RULES, NOW)
    assert cond is not None and cond.key == "spool_full/HO" and cond.facts["percent"] == "91"


def test_gaps_between_recordings() -> None:
    spans = [span(-600, -599), span(-599, -560), span(-500, -400), span(-410, -10)]
    assert longest_gap(spans) == timedelta(minutes=60)
    cond = gap_condition("HO", "kasir", spans, RULES, NOW)
    assert cond is not None and cond.key == "recording_gap/HO/kasir"
    assert cond.facts["minutes"] == "60"
    assert gap_condition("HO", "kasir", [span(-60, -31), span(-30, 0)], RULES, NOW) is None


def test_failed_logins_per_user() -> None:
    found = login_conditions({"admin": 7, "ani": 2}, "HO", RULES, NOW)
    assert [(c.key, c.rule, c.facts["count"]) for c in found] == [
        ("failed_logins/HO/admin", Rule.FAILED_LOGINS, "7")
    ]


def test_counts_that_grew() -> None:
    assert grew(None, 5) == 0  # the first look sets the baseline
    assert grew(5, 8) == 3
    assert grew(8, 2) == 0  # purged rows are not news


def test_digest_once_a_day_at_the_site_clock() -> None:
    seven = time(7, 0)
    at_7_wib = datetime(2026, 12, 6, 0, 0, tzinfo=UTC)
    assert not digest_due(None, seven, "Asia/Jakarta", at_7_wib - timedelta(minutes=1))
    assert digest_due(None, seven, "Asia/Jakarta", at_7_wib + timedelta(minutes=1))
    assert not digest_due(at_7_wib, seven, "Asia/Jakarta", at_7_wib + timedelta(minutes=5))
    assert not digest_due(None, seven, "Asia/Jakarta", at_7_wib + timedelta(hours=2))  # too late
    # 07:00 WITA is an hour earlier in UTC than 07:00 WIB
    assert digest_due(None, seven, "Asia/Makassar", at_7_wib - timedelta(minutes=30))
    assert not digest_due(None, None, "Asia/Jakarta", at_7_wib)
