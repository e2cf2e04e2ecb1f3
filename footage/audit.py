"""Who watched or exported what: the audit trail behind ``GET /api/audit``.

Every live view, playback, export, download, footage list and thumbnail
list the API grants is recorded (user, action, camera, site, range, client
address) before the answer is sent, and so is every evidence hold placed or
released, or refused (footage.services.evidence: the reason and count in
``detail``). Records are kept :data:`AUDIT_RETENTION`
(Indonesian regulations on personal data ask for an access trail; a year and
a month covers an annual review).

Every event is hash-chained (footage.audit_chain: ``seq`` and ``prev``), so
``vms verify --audit`` finds an event edited, deleted, inserted or moved.

Footage and thumbnail lists are asked for many times a minute (a viewer
scrubbing, a page polling, 304 revalidations), so they go through
:meth:`AuditLog.record_read`: the same read (user, action, camera, range,
client) is recorded once per :data:`READ_WINDOW` per process. Every distinct
read is recorded; a repeat within the window is not a new record.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from footage.audit_chain import ChainView

AUDIT_RETENTION = timedelta(days=400)
#: One query returns at most this many events (newest first).
MAX_AUDIT_EVENTS = 1000
#: A repeated footage or thumbnail list within this long is not recorded again.
READ_WINDOW = timedelta(seconds=60)
#: Reads remembered per process (~400 bytes each; past this, the oldest may be
#: recorded twice: only more than ~330 distinct reads a second get there).
MAX_RECENT_READS = 20_000


class AuditAction(StrEnum):
    LIVE = "live"
    PLAYBACK = "playback"
    EXPORT = "export"
    DOWNLOAD = "download"
    FOOTAGE = "footage"  # the list of segments and gaps of a range
    THUMBNAILS = "thumbnails"
    #: evidence holds (detail: the reason and how many segments), and refused attempts
    HOLD = "hold"
    RELEASE = "release"
    HOLD_REFUSED = "hold-refused"
    RELEASE_REFUSED = "release-refused"
    #: a clip shared to a recipient (detail: to whom), and refused attempts
    SHARE = "share"
    SHARE_REFUSED = "share-refused"


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
    #: what else the action needs said (an evidence hold's reason and segment count)
    detail: str = ""


_ReadKey = tuple[str, AuditAction, str, datetime | None, datetime | None, str]


class RecentReads:
    """The reads this process recorded in the last :data:`READ_WINDOW`."""

    def __init__(self, window: timedelta = READ_WINDOW, max_keys: int = MAX_RECENT_READS) -> None:
        self._window, self._max = window, max_keys
        self._at: OrderedDict[_ReadKey, datetime] = OrderedDict()  # oldest first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._at)

    @staticmethod
    def _key(event: AuditEvent) -> _ReadKey:
        return (event.username, event.action, event.camera, event.start, event.end, event.client)

    def recorded(self, event: AuditEvent) -> bool:
        """Whether the same read was recorded within the window before ``event.at``."""
        with self._lock:
            last = self._at.get(self._key(event))
        return last is not None and event.at - last < self._window

    def claim(self, event: AuditEvent) -> bool:
        """True (and remembered) if ``event`` must be recorded now."""
        key = self._key(event)
        with self._lock:
            last = self._at.get(key)
            if last is not None and event.at - last < self._window:
                return False
            self._at[key] = event.at
            self._at.move_to_end(key)
            while len(self._at) > self._max or self._oldest_expired(event.at):
                self._at.popitem(last=False)
            return True

    def release(self, event: AuditEvent) -> None:
        """Forget a claimed read whose record failed (the next one records it)."""
        key = self._key(event)
        with self._lock:
            if self._at.get(key) == event.at:
                del self._at[key]

    def _oldest_expired(self, now: datetime) -> bool:
        oldest = next(iter(self._at.values()), None)
        return oldest is not None and now - oldest >= self._window


class AuditLog(ABC):
    @cached_property
    def recent_reads(self) -> RecentReads:
        """The frequent reads this log recorded lately (per process)."""
        return RecentReads()

    def record_read(self, event: AuditEvent) -> None:
        """Record a frequent read (footage or thumbnail list) unless this process
        recorded the same one within :data:`READ_WINDOW`."""
        if not self.recent_reads.claim(event):
            return
        try:
            self.record(event)
        except BaseException:
            self.recent_reads.release(event)
            raise

    @abstractmethod
    def initialize(self) -> None:
        """Create what storage the log needs (idempotent)."""

    @abstractmethod
    def record(self, event: AuditEvent) -> None:
        """Append ``event`` to the hash chain (footage.audit_chain): seq and prev
        are taken from the head under a lock or a condition, never guessed."""

    @abstractmethod
    def chain_view(self, since: datetime | None = None) -> AbstractContextManager[ChainView]:
        """The chain as stored (all of it, or from the last event before ``since``),
        for footage.audit_chain.verify_chain; the events are read while open."""

    @abstractmethod
    def query(self, start: datetime, end: datetime, limit: int) -> list[AuditEvent]:
        """Events with ``start <= at < end``, newest first, at most ``limit``."""
