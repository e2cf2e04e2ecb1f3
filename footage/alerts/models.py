"""Alerts as recorded: one :class:`AlertRecord` per incident (opened, maybe cleared,
maybe acknowledged) and one :class:`DeliveryRecord` per message per recipient
(who was told what, when, and whether it worked).

Times are timezone-aware UTC. An incident is identified by its ``key``
(rule, site and subject, e.g. ``camera_offline/jkt-01/cam-2``): while an alert
with that key is open, the same condition raises nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from footage.notify.base import Language, Severity


class Rule(StrEnum):
    CAMERA_OFFLINE = "camera_offline"
    SITE_DOWN = "site_down"  # every camera of a site offline: one message, not one per camera
    TAMPERING = "tampering"
    SITE_SILENT = "site_silent"
    UPLOAD_BACKLOG = "upload_backlog"
    SPOOL_FULL = "spool_full"
    FOOTAGE_DROPPED = "footage_dropped"
    RECORDING_GAP = "recording_gap"
    QUARANTINE = "quarantine"
    DRILL_FAILED = "drill_failed"
    FAILED_LOGINS = "failed_logins"
    DIGEST = "digest"
    TEST = "test"


class Event(StrEnum):
    OPEN = "open"  # the incident began
    CLEAR = "clear"  # it is over
    NOTE = "note"  # a one-off message with nothing to clear (digest, test, dropped footage)


class DeliveryStatus(StrEnum):
    #: in the outbox, not yet delivered: retrying, or held to the end of the
    #: recipient's quiet hours (``next_attempt_at`` says until when)
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # given up: not retryable, or out of attempts


def alert_key(rule: Rule, site: str, subject: str = "") -> str:
    return f"{rule.value}/{site}/{subject}" if subject else f"{rule.value}/{site}"


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: int
    alert_id: str
    event: Event
    channel: str
    recipient: str
    language: Language
    subject: str
    text: str
    status: DeliveryStatus
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    last_error: str = ""
    has_image: bool = False
    severity: Severity = Severity.WARNING


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: str
    key: str
    rule: Rule
    site: str
    camera: str | None
    severity: Severity
    opened_at: datetime
    message: str  # English summary, for the Alerts page and logs
    cleared_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    deliveries: tuple[DeliveryRecord, ...] = ()

    @property
    def open(self) -> bool:
        return self.cleared_at is None


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """What ``AlertStore.list`` returns: all given conditions hold (None: any)."""

    sites: frozenset[str] | None = None  # a branch user sees their sites only
    rule: Rule | None = None
    open_only: bool = False
    unacknowledged_only: bool = False
    since: datetime | None = None  # opened at or after
    until: datetime | None = None  # opened before
    limit: int = field(default=200)

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= 1000:
            raise ValueError("limit must be 1..1000")
