"""Who watched or exported what: the audit trail behind ``GET /api/audit``.

Every live view, playback, export and download the API grants is recorded
(user, action, camera, site, range, client address) before the answer is sent.
Records are kept :data:`AUDIT_RETENTION` (Indonesian regulations on personal
data ask for an access trail; a year and a month covers an annual review).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

AUDIT_RETENTION = timedelta(days=400)
#: One query returns at most this many events (newest first).
MAX_AUDIT_EVENTS = 1000


class AuditAction(StrEnum):
    LIVE = "live"
    PLAYBACK = "playback"
    EXPORT = "export"
    DOWNLOAD = "download"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    at: datetime
    username: str
    action: AuditAction
    camera: str
    site: str
    client: str
    start: datetime | None = None
    end: datetime | None = None


class AuditLog(ABC):
    @abstractmethod
    def initialize(self) -> None:
        """Create what storage the log needs (idempotent)."""

    @abstractmethod
    def record(self, event: AuditEvent) -> None: ...

    @abstractmethod
    def query(self, start: datetime, end: datetime, limit: int) -> list[AuditEvent]:
        """Events with ``start <= at < end``, newest first, at most ``limit``."""
