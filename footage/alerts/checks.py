"""The edge's own checks beyond its reports (pure): the spool disk, recording
gaps in the last day, failed logins, tampering looks, one-off counts that grew
(footage dropped, files quarantined) and when the daily digest is due.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta

from footage.alerts.config import RuleSettings
from footage.alerts.decide import Condition
from footage.alerts.models import Rule
from footage.localtime import site_zone
from footage.notify.base import Severity

#: The rules these checks raise (with footage.alerts.reports.REPORT_RULES: what the
#: edge evaluator owns and may clear).
CHECK_RULES = (Rule.TAMPERING, Rule.RECORDING_GAP, Rule.FAILED_LOGINS)
GAP_WINDOW = timedelta(hours=24)
#: A digest more than this late (the box was off at digest time) is skipped.
DIGEST_LATE = timedelta(hours=1)


def spool_condition(site: str, used_percent: float, rules: RuleSettings,
                    now: datetime) -> Condition | None:  # fmt: skip
    if used_percent < rules.spool_percent:
        return None
    return Condition(Rule.SPOOL_FULL, site, now, severity=Severity.CRITICAL,
                     facts={"percent": f"{used_percent:.0f}"})  # fmt: skip


def longest_gap(spans: Sequence[tuple[datetime, datetime]]) -> timedelta:
    """The longest time between consecutive recordings (spans oldest first)."""
    gap, end = timedelta(0), None
    for start, stop in sorted(spans):
        if end is not None and start - end > gap:
            gap = start - end
        end = stop if end is None else max(end, stop)
    return gap


def gap_condition(site: str, camera: str, spans: Sequence[tuple[datetime, datetime]],
                  rules: RuleSettings, now: datetime) -> Condition | None:  # fmt: skip
    """A gap over ``gap_minutes`` between recordings of the last day (a camera down
    now is the offline rule's; this one speaks once it records again)."""
    gap = longest_gap(spans)
    if gap <= timedelta(minutes=rules.gap_minutes):
        return None
    return Condition(Rule.RECORDING_GAP, site, now, camera=camera,
                     facts={"minutes": f"{gap.total_seconds() / 60:.0f}"})  # fmt: skip


def login_conditions(failures: Mapping[str, int], site: str,
                     rules: RuleSettings, now: datetime) -> list[Condition]:  # fmt: skip
    """``failures``: failed logins per user within ``failed_logins_minutes``."""
    return [Condition(Rule.FAILED_LOGINS, site, now, subject=user, severity=Severity.CRITICAL,
                      facts={"user": user, "count": str(count)})
            for user, count in sorted(failures.items())
            if count >= rules.failed_logins]  # fmt: skip


def tamper_condition(site: str, camera: str, look: str, since: datetime,
                     rules: RuleSettings) -> Condition:  # fmt: skip
    return Condition(Rule.TAMPERING, site, since, timedelta(minutes=rules.camera_offline_minutes),
                     camera=camera, facts={"what": look})  # fmt: skip


def grew(before: int | None, now: int) -> int:
    """How much a running count grew since the last look (0 at the first look,
    or when it went down: rows were purged)."""
    return now - before if before is not None and now > before else 0


def digest_due(last_sent: datetime | None, at: time | None, timezone: str,
               now: datetime) -> bool:  # fmt: skip
    """The site's digest time today (its clock) has passed, less than DIGEST_LATE
    ago, and no digest was sent since."""
    if at is None:
        return False
    local = now.astimezone(site_zone(timezone))
    slot = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if slot > local:
        slot -= timedelta(days=1)
    if local - slot > DIGEST_LATE:
        return False
    return last_sent is None or last_sent < slot
