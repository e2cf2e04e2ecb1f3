"""Web push subscriptions: a viewer installed as a PWA asks to be told of alerts.

The browser's ``PushManager.subscribe`` answers an endpoint (the browser maker's
push service) and two keys (``p256dh``: the browser's P-256 public key, ``auth``:
16 random bytes) that encrypt what we send (RFC 8291). A subscription belongs to
the user who posted it; alerts for that user go to each of their subscriptions.

The server POSTs to the endpoint, so an endpoint is accepted only over https on
a push service host the config allows (:data:`DEFAULT_PUSH_HOSTS`): a user
cannot make the server call an address of their choosing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

#: The push services of Chrome/Edge/Android (FCM), Firefox (autopush), Safari/iOS
#: (Apple) and Windows (WNS); a host matches a name or ends with "." + it.
DEFAULT_PUSH_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)
MAX_ENDPOINT_LENGTH = 2048
#: Subscriptions one user may keep (a phone, a laptop, a few browsers).
MAX_PER_USER = 10


@dataclass(frozen=True, slots=True)
class PushSubscription:
    username: str
    endpoint: str
    p256dh: str  # base64url, 65 bytes: an uncompressed P-256 point
    auth: str  # base64url, 16 bytes
    created_at: datetime

    def info(self) -> dict[str, object]:
        """As pywebpush takes it (the browser's PushSubscription.toJSON())."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def subscription_id(endpoint: str) -> str:
    """A short handle of a subscription (its endpoint is a long secret URL): the first
    32 hex digits of the endpoint's SHA-256, as the viewer computes it too."""
    return hashlib.sha256(endpoint.encode()).hexdigest()[:32]


def _b64url(value: str, size: int, what: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{what} is not base64url") from exc
    if len(raw) != size:
        raise ValueError(f"{what} must be {size} bytes, not {len(raw)}")
    return raw


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == name or host.endswith("." + name) for name in allowed)


def checked_subscription(
    username: str,
    endpoint: str,
    p256dh: str,
    auth: str,
    now: datetime,
    allowed_hosts: Iterable[str] = DEFAULT_PUSH_HOSTS,
) -> PushSubscription:
    """A subscription as posted by the viewer, or ValueError saying what is wrong."""
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise ValueError(f"endpoint: at most {MAX_ENDPOINT_LENGTH} characters")
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise ValueError("endpoint must be an https URL of a push service")
    if not host_allowed(parts.hostname, allowed_hosts):
        raise ValueError(f"endpoint host {parts.hostname!r} is not an allowed push service"
                         " (config push.allowed_hosts)")  # fmt: skip
    if _b64url(p256dh, 65, "keys.p256dh")[0] != 4:
        raise ValueError("keys.p256dh must be an uncompressed P-256 point")
    _b64url(auth, 16, "keys.auth")
    return PushSubscription(username, endpoint, p256dh, auth, now)


class PushSubscriptions(ABC):
    """The port: subscriptions by user (SQLite on-prem)."""

    @abstractmethod
    def initialize(self) -> None:
        """Create what is missing; safe on every start."""

    @abstractmethod
    def add(self, subscription: PushSubscription) -> None:
        """Store it (the same endpoint again replaces the old one, whoever had it);
        a user's oldest beyond :data:`MAX_PER_USER` are dropped."""

    @abstractmethod
    def remove(self, username: str, endpoint: str) -> bool:
        """Forget the user's subscription; False when they had none at ``endpoint``."""

    @abstractmethod
    def of_user(self, username: str) -> list[PushSubscription]:
        """The user's subscriptions, oldest first."""

    @abstractmethod
    def drop(self, endpoint: str) -> None:
        """Forget an endpoint its push service says is gone (404/410)."""
