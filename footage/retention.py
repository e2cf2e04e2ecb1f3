"""Retention decisions: pure functions over plain data, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from footage.errors import KeyFormatError
from footage.keys import DEFAULT_RETENTION_DAYS as DEFAULT_RETENTION_DAYS
from footage.keys import parse_key
from footage.models import Protection, Segment

#: S3 lifecycle counts in whole days and never expires sooner than one day.
MIN_LIFECYCLE_DAYS = 1
#: Days an expired version waits, noncurrent, before its bytes may go.
NONCURRENT_DAYS = 1
_DAY = timedelta(days=1)


#: How long after a row's ``expires_at`` DynamoDB TTL is given to delete it before
#: the sweep does. AWS documents TTL deletion as "typically within a few days" of
#: expiry (it used to say 48 hours): three days give TTL its usual lag and a day to
#: spare, so the sweep deletes (paid writes) only the rows TTL truly missed. The
#: API hides rows past ``expires_at`` meanwhile, so the grace never shows expired
#: footage; it only keeps a few days of rows stored (~1 KB a segment).
TTL_GRACE = timedelta(days=3)


class TtlShare(StrEnum):
    """Who deletes a row that is due, where TTL runs (AWS)."""

    WAITING = "waiting"  # its expires_at passed less than the grace ago: TTL's
    MISSED = "missed"  # past the grace and still there: TTL missed it, the sweep's
    NOT_TTL = "not-ttl"  # no expiry passed yet (retention shortened since): the sweep's


def ttl_share(segment: Segment, now: datetime, grace: timedelta) -> TtlShare:
    """Whether TTL deletes ``segment`` (a row the sweep found due) or the sweep must."""
    if segment.expires_at is None or segment.expires_at > now:
        return TtlShare.NOT_TTL
    return TtlShare.WAITING if segment.expires_at > now - grace else TtlShare.MISSED


class Verdict(StrEnum):
    KEEP = "keep"
    DELETE = "delete"
    PROTECTED = "protected"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    reason: str


@dataclass(frozen=True, slots=True)
class ExpirySchedule:
    """A retention class's S3 lifecycle on a versioned bucket, in days."""

    expire_current_after_days: int
    noncurrent_after_days: int

    @property
    def bytes_gone_before_days(self) -> int:
        """Bytes are eligible for removal before this many days after the upload."""
        return self.expire_current_after_days + 1 + self.noncurrent_after_days


def expiry_schedule(retention_days: int) -> ExpirySchedule:
    """When S3 expires a retention class so that its bytes are gone by the declared
    retention ``R``, not a week later.

    On a versioned bucket, expiring the current version only adds a delete marker;
    the bytes stay, billed, as a noncurrent version until NoncurrentVersionExpiration.
    S3 rounds every lifecycle date up to the next midnight UTC. So with the current
    version expiring after ``E`` days and the noncurrent one after ``N``, an object
    uploaded at ``t``:

    - is current (playable) until ``M = ceil_midnight(t + E)``, so at least ``E`` days;
    - becomes noncurrent at ``M`` (the delete marker is its successor) and is
      eligible for removal at ``ceil_midnight(M + N) = M + N`` (``M`` is midnight);
    - ``M < t + E + 1``, so its bytes are eligible before ``t + E + 1 + N``.

    ``E = R - 2`` and ``N = 1`` give: playable at least ``R - 2`` days, bytes
    eligible for removal before day ``R`` (S3 stops billing an object at
    eligibility; the removal itself is asynchronous). Below ``R = 3`` S3's one-day
    minimum wins: ``E = N = 1``, bytes gone before day 3. The bound assumes S3 writes
    the delete marker on the day the object becomes eligible; a marker written a
    day late moves the noncurrent clock, and so the bound, by that day.
    """
    if retention_days < MIN_LIFECYCLE_DAYS:
        raise ValueError(f"retention must be at least {MIN_LIFECYCLE_DAYS} day: {retention_days}")
    current = max(MIN_LIFECYCLE_DAYS, retention_days - 1 - NONCURRENT_DAYS)
    return ExpirySchedule(current, NONCURRENT_DAYS)


def expiry(end: datetime, retention_days: int) -> datetime:
    return end + timedelta(days=retention_days)


def shown_until(segment: Segment) -> datetime | None:
    """When the viewer stops showing (and playing, and exporting) a row, where TTL and
    lifecycle delete: at its expiry, or sooner once S3 lifecycle may have expired
    its object (its key's retention class ``R``: at the first midnight UTC ``E =
    R - 2`` days after the upload, which is at or after its end; the row stays
    until TTL deletes it). None: always (a protected row has no expiry; its held
    copy no lifecycle rule expires)."""
    if segment.expires_at is None:
        return None
    try:
        days = parse_key(segment.key).retention_days
    except KeyFormatError:
        days = None
    if days is None:
        return segment.expires_at
    lifecycle = segment.end + timedelta(days=expiry_schedule(days).expire_current_after_days)
    midnight = datetime.combine(lifecycle.date(), time(), lifecycle.tzinfo)
    return min(segment.expires_at, midnight if midnight == lifecycle else midnight + _DAY)


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
