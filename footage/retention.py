"""Retention decisions: pure functions over plain data, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from footage.models import Protection, Segment

DEFAULT_RETENTION_DAYS = 180


class Verdict(StrEnum):
    KEEP = "keep"
    DELETE = "delete"
    PROTECTED = "protected"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    reason: str


def expiry(end: datetime, retention_days: int) -> datetime:
    return end + timedelta(days=retention_days)


def is_protected(segment: Segment, protections: Sequence[Protection]) -> bool:
    return segment.protected or any(
        p.camera == segment.camera and p.start < segment.end and p.end > segment.start
        for p in protections
    )


def decide(
    segment: Segment,
    retention_days: int | None,
    protections: Sequence[Protection],
    now: datetime,
) -> Decision:
    """Keep or delete one segment.

    ``retention_days`` is the camera's current setting; None when the camera is
    no longer configured, in which case the expiry stored at ingest decides.
    """
    if is_protected(segment, protections):
        return Decision(Verdict.PROTECTED, "under an evidence hold")
    if retention_days is not None:
        due = expiry(segment.end, retention_days)
        reason = f"older than {retention_days} days"
    elif segment.expires_at is not None:
        due, reason = segment.expires_at, "past its stored expiry"
    else:
        return Decision(Verdict.KEEP, "no retention known")
    if due <= now:
        return Decision(Verdict.DELETE, reason)
    return Decision(Verdict.KEEP, f"expires {due.isoformat()}")


def kept_by_protection(
    segment: Segment,
    retention_days: int | None,
    protections: Sequence[Protection],
    now: datetime,
) -> bool:
    """Whether only protection keeps ``segment``: it is past its retention and under
    an evidence hold (or marked protected). A protected row stores no expiry, so
    with its camera no longer configured nothing says it is past retention."""
    if retention_days is None or not is_protected(segment, protections):
        return False
    return expiry(segment.end, retention_days) <= now


def next_daily_run(now: datetime, at: time) -> datetime:
    """The first ``at`` (UTC) strictly after ``now``."""
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + timedelta(days=1)
