"""The port that keeps alerts, their deliveries and the outbox of messages to send.

The outbox is the deliveries table itself: a message is written PENDING in the
same transaction that opens or clears its alert, so a kill -9 after the
decision loses nothing; the sender takes due rows, sends, and records the
outcome (DELIVERED, or PENDING again with a later ``next_attempt_at``, or
FAILED). A sent message whose outcome was not recorded is sent again after a
restart (at least once).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from footage.alerts.models import AlertFilter, AlertRecord, DeliveryRecord, DeliveryStatus, Event
from footage.notify.base import OutgoingMessage


@dataclass(frozen=True, slots=True)
class Queued:
    """One message to put in the outbox for an alert."""

    event: Event
    message: OutgoingMessage
    not_before: datetime  # now, or the end of the recipient's quiet hours


class AlertStore(ABC):
    @abstractmethod
    def initialize(self) -> None:
        """Create what storage the store needs (idempotent)."""

    @abstractmethod
    def open_alert(self, alert: AlertRecord, messages: list[Queued]) -> bool:
        """Record a new incident and queue its messages, at once. False (and
        nothing written) when an alert with the same key is already open."""

    @abstractmethod
    def clear_alert(self, key: str, at: datetime, messages: list[Queued]) -> AlertRecord | None:
        """Close the open alert with ``key`` and queue its messages, at once;
        None when none is open."""

    @abstractmethod
    def note(self, alert: AlertRecord, messages: list[Queued]) -> None:
        """Record a one-off alert (opened and cleared at once) and queue its messages."""

    @abstractmethod
    def open_keys(self) -> dict[str, AlertRecord]:
        """The open alerts by key (without deliveries)."""

    @abstractmethod
    def get(self, alert_id: str) -> AlertRecord | None:
        """The alert with its deliveries."""

    @abstractmethod
    def find(self, flt: AlertFilter) -> list[AlertRecord]:
        """Newest first, with their deliveries."""

    @abstractmethod
    def acknowledge(self, alert_id: str, user: str, at: datetime) -> AlertRecord | None:
        """Mark the alert seen by ``user`` (the first acknowledgement stays);
        None when there is no such alert."""

    @abstractmethod
    def due(self, now: datetime, limit: int = 50) -> list[tuple[DeliveryRecord, bytes | None]]:
        """PENDING deliveries whose ``next_attempt_at`` has come, oldest first, with their image."""

    @abstractmethod
    def record_attempt(
        self,
        delivery_id: int,
        status: DeliveryStatus,
        at: datetime,
        error: str = "",
        next_attempt_at: datetime | None = None,
    ) -> None:
        """The outcome of one send: attempts + 1, the status, and when to try again."""
