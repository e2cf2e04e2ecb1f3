"""What the sweep's net repairs, decided without I/O: which camera-days it reads and
what it does about each difference between a camera-day's listing and its rows.

In AWS, S3 lifecycle (by retention class, footage.retention.expiry_schedule) and
DynamoDB TTL delete, each on its own clock. A miss is possible only on some days:

- **The expiry edge.** Lifecycle expires a class-``R`` object ``E = R - 2`` days
  after its upload, rounded up to midnight UTC, so on ``today`` every object of a
  day up to ``today - E - 1`` may be gone while its row lives until its end plus
  ``R`` (and TTL's lag): rows whose object is gone. And once the row went (TTL,
  the retention pass), an object no rule covered (a key from before classes, a
  class no rule expires yet) stays: objects past retention whose row is gone.
  The net reads the days from ``today - E - 1`` back to ``lookback_days`` days
  past retention: each day past retention is read ``lookback_days`` times, so
  ``lookback_days - 1`` failed daily runs in a row still miss nothing.
- **The last ``recent_days`` days.** An ingest message lost past the DLQ leaves
  an object without a row: re-indexed. A daily run reads each day
  ``recent_days`` times, the first after the ingest queue's retries are over.

Days in between are left alone: nothing deletes there, so nothing goes missing
unless someone deletes by hand. Renditions are never read (their own lifecycle).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from footage.errors import KeyFormatError
from footage.keys import EVIDENCE_PREFIX, SPRITE_WINDOW, KeyKind, ParsedKey, parse_key
from footage.models import ObjectInfo, Protection, Segment
from footage.retention import TtlShare, expiry_schedule, ttl_share


def repair_days(
    today: date, retention_days: int, lookback_days: int, recent_days: int
) -> list[date]:
    """The camera-days the net reads for a camera of ``retention_days``, newest first."""
    expired_by_rule = expiry_schedule(retention_days).expire_current_after_days + 1
    edge_newest = today - timedelta(days=min(expired_by_rule, retention_days))
    edge_oldest = today - timedelta(days=retention_days + lookback_days - 1)
    edge = _span(edge_oldest, edge_newest)
    recent = _span(today - timedelta(days=recent_days - 1), today)
    return sorted(set(edge) | set(recent), reverse=True)


def _span(oldest: date, newest: date) -> list[date]:
    return [oldest + timedelta(days=n) for n in range((newest - oldest).days + 1)]


@dataclass(frozen=True, slots=True)
class DayFacts:
    """One camera-day as read: its rows (the Query), then what the store holds under
    each prefix it listed (``listed``: every prefix read, empty ones included)."""

    rows: Sequence[Segment]
    objects: Sequence[ObjectInfo]
    listed: Collection[str]
    cutoff: datetime  # footage that starts before it is past its camera's retention
    settled: datetime  # an object written after it may still be on its way to a row
    holds: Sequence[Protection] = ()
    #: where TTL deletes rows (AWS): a row starting before ``lifecycle_edge`` may have
    #: lost its object to lifecycle on schedule, and unless TTL missed it by ``now``
    #: (footage.retention.ttl_share with ``ttl_grace``) its row is TTL's to delete
    lifecycle_edge: datetime | None = None
    ttl_grace: timedelta | None = None
    now: datetime | None = None


@dataclass(slots=True)
class DayPlan:
    drop_rows: list[Segment] = field(default_factory=list)  # their object is gone
    reindex: list[str] = field(default_factory=list)  # no row, within retention
    delete: list[ObjectInfo] = field(default_factory=list)  # no row, not wanted
    held: int = 0  # past retention, no row, under an evidence hold: kept
    waiting: int = 0  # no row yet, but too new to judge
    left_to_ttl: int = 0  # rows whose object lifecycle took on schedule: TTL's
    missed_by_ttl: int = 0  # of ``drop_rows``: past TTL's grace
    missed_by_lifecycle: int = 0  # of ``delete``: past retention, lifecycle's to delete


def plan_day(facts: DayFacts) -> DayPlan:
    """Compare the day's sorted key sets: rows whose object is gone, objects no row
    names. Evidence is never touched: a protected row, a row of held (evidence/)
    keys or one a hold covers stays, and so does an object a hold covers."""
    plan = DayPlan()
    stored = {obj.key for obj in facts.objects}
    known = {key for row in facts.rows for key in (*row.all_keys, row.sprite_key) if key}
    for row in facts.rows:
        if not _judged(row, facts) or row.key in stored:
            continue
        if _ttls(row, facts):
            plan.left_to_ttl += 1
            continue
        plan.drop_rows.append(row)
        plan.missed_by_ttl += _past_grace(row, facts)
    reindexed: set[tuple[datetime, str | None]] = set()
    for obj in sorted(facts.objects, key=lambda o: o.key):
        parsed = _parsed(obj.key)
        if obj.key in known or parsed is None:
            continue
        if _past_retention(parsed, facts.cutoff):
            if _held(parsed, facts.holds):
                plan.held += 1
            else:
                plan.delete.append(obj)
                plan.missed_by_lifecycle += 1
        elif obj.modified is None or obj.modified > facts.settled:
            plan.waiting += 1
        elif parsed.kind is KeyKind.SEGMENT:
            plan.reindex.append(obj.key)
            reindexed.add((parsed.start, parsed.variant))
        elif parsed.kind is KeyKind.THUMBNAIL and not parsed.is_sprite:
            plan.delete.append(obj)  # a thumbnail no row names (ingest crashed after it)
    # a thumbnail of a segment being re-indexed is its own again once that is done
    plan.delete = [o for o in plan.delete if not _of(o.key, reindexed)]
    return plan


def _judged(row: Segment, facts: DayFacts) -> bool:
    """Whether the listing can say the row's object is gone: its prefix was read,
    and nothing holds the row (evidence keys are never listed here)."""
    if row.protected or row.key.startswith(EVIDENCE_PREFIX):
        return False
    if any(h.start < row.end and h.end > row.start for h in facts.holds):
        return False
    return any(row.key.startswith(prefix) for prefix in facts.listed)


def _ttls(row: Segment, facts: DayFacts) -> bool:
    """A row whose object lifecycle may have taken on schedule and whose expiry TTL
    still has time for: TTL deletes it (the API hides it past its expiry)."""
    if facts.lifecycle_edge is None or facts.ttl_grace is None or row.expires_at is None:
        return False  # no TTL here, or none for this row
    return row.start < facts.lifecycle_edge and not _past_grace(row, facts)


def _past_grace(row: Segment, facts: DayFacts) -> bool:
    if facts.ttl_grace is None or facts.now is None:
        return False
    return ttl_share(row, facts.now, facts.ttl_grace) is TtlShare.MISSED


def _parsed(key: str) -> ParsedKey | None:
    try:
        return parse_key(key)
    except KeyFormatError:
        return None


def _past_retention(parsed: ParsedKey, cutoff: datetime) -> bool:
    """A sprite is past retention once its whole window is."""
    end = parsed.start + SPRITE_WINDOW if parsed.is_sprite else parsed.start
    return end < cutoff


def _held(parsed: ParsedKey, holds: Iterable[Protection]) -> bool:
    return any(h.start <= parsed.start < h.end for h in holds)


def _of(key: str, segments: set[tuple[datetime, str | None]]) -> bool:
    parsed = _parsed(key)
    return parsed is not None and (parsed.start, parsed.variant) in segments
