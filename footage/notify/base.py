"""What a channel sends and what it answers.

An :class:`OutgoingMessage` is one message for one recipient on one channel,
already rendered in the recipient's language and the site's clock. A
:class:`Channel` delivers it once (no retry of its own: the outbox retries with
back-off) and answers a :class:`Delivery`. A channel never raises for a failed
delivery; it says why in ``Delivery.error`` (never with a secret in it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"  # sent even in a recipient's quiet hours


class Language(StrEnum):
    ID = "id"
    EN = "en"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    channel: str  # the configured channel's name (alerts.channels key)
    recipient: str  # chat id, e-mail address or webhook name, as the channel reads it
    subject: str
    text: str
    language: Language = Language.ID
    severity: Severity = Severity.WARNING
    image: bytes | None = None  # a snapshot (JPEG) where the channel can carry it
    image_name: str = "snapshot.jpg"
    link: str | None = None  # e.g. a signed clip or viewer URL
    video: bytes | None = None  # a shared clip itself (MP4), where the channel carries it
    video_name: str = "clip.mp4"

    def __post_init__(self) -> None:
        if not self.channel or not self.recipient:
            raise ValueError("a message needs a channel and a recipient")


@dataclass(frozen=True, slots=True)
class Delivery:
    delivered: bool
    error: str = ""  # why it failed, for the record (no secrets)
    attempts: int = 1
    retryable: bool = True  # False: retrying cannot help (bad chat id, refused address)

    @staticmethod
    def ok(attempts: int = 1) -> Delivery:
        return Delivery(True, "", attempts)

    @staticmethod
    def failed(error: str, *, retryable: bool = True, attempts: int = 1) -> Delivery:
        return Delivery(False, error, attempts, retryable)


@runtime_checkable
class Channel(Protocol):
    """One configured way of sending (a bot, an SMTP account, a webhook URL)."""

    name: str

    def send(self, msg: OutgoingMessage) -> Delivery:
        """Try once; never raise for a delivery that did not work."""
        ...
