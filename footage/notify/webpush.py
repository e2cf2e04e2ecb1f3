"""Web push (VAPID, RFC 8292; payload encrypted as aes128gcm, RFC 8291) to the viewer
installed as a PWA, through pywebpush (maintained; does the ECDH + HKDF + AES-GCM
and the signed JWT, which we would otherwise hand-write).

The channel's recipient is a user name: the message goes to each browser that
user subscribed (footage.push). A push service answering 404 or 410 says the
subscription is gone: it is forgotten. The payload is small JSON (title, body,
link, severity, tag) that the service worker (web/public/sw.js) shows as a
notification; images do not fit a push message (4 KB) and are left out.

The VAPID key pair is the installation secret ``vapid`` (footage.secrets: 32
random bytes, kept with the other keys): its bytes are the P-256 private scalar,
and browsers get the public point (:func:`application_server_key`).
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02  # type: ignore[import-untyped]
from pywebpush import WebPushException, webpush  # type: ignore[import-untyped]

from footage.notify.base import Delivery, OutgoingMessage
from footage.push import PushSubscription, PushSubscriptions
from footage.secrets import VAPID_KEY, installation_key

if TYPE_CHECKING:
    from footage.alerts.config import WebPushChannel as WebPushConfig

log = logging.getLogger(__name__)
#: How long a push service keeps an undelivered message (a phone switched off).
PUSH_TTL_S = 24 * 3600
TIMEOUT_S = 10.0
#: Push services refuse payloads over 4096 bytes; ours stay well under.
MAX_BODY_CHARS = 1000
_GONE = (404, 410)


def vapid_private_key(secret: bytes) -> ec.EllipticCurvePrivateKey:
    """The VAPID key from the installation secret (its first 32 bytes as the scalar)."""
    scalar = int.from_bytes(secret[:32], "big")
    return ec.derive_private_key(scalar, ec.SECP256R1())


def application_server_key(secret: bytes) -> str:
    """The public key browsers subscribe with (base64url, uncompressed point)."""
    point = (
        vapid_private_key(secret)
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return base64.urlsafe_b64encode(point).decode().rstrip("=")


def push_payload(msg: OutgoingMessage) -> str:
    body = msg.text if len(msg.text) <= MAX_BODY_CHARS else msg.text[: MAX_BODY_CHARS - 1] + "…"
    return json.dumps({"title": msg.subject, "body": body, "url": msg.link,
                       "severity": msg.severity.value, "tag": msg.subject[:64]})  # fmt: skip


@dataclass
class WebPushChannel:
    """Sends to every subscription of the recipient (a user name)."""

    name: str
    subscriptions: PushSubscriptions
    secret: bytes  # the installation's VAPID secret
    #: who runs this server, for push services to contact (mailto: or https:)
    subject: str
    session: requests.Session = field(default_factory=requests.Session)

    def send(self, msg: OutgoingMessage) -> Delivery:
        targets = self.subscriptions.of_user(msg.recipient)
        if not targets:
            why = f"user {msg.recipient!r} has no push subscription (they subscribe in the viewer)"
            return Delivery.failed(why, retryable=False)
        payload = push_payload(msg)
        errors = [e for e in (self._send_one(target, payload) for target in targets) if e]
        if len(errors) < len(targets):
            return Delivery.ok()
        retry = any(not e.startswith("gone") for e in errors)
        return Delivery.failed("; ".join(errors), retryable=retry)

    def _send_one(self, target: PushSubscription, payload: str) -> str:
        """'' when the push service took it, else why not (no secrets in it)."""
        host = target.endpoint.split("/")[2]
        key = Vapid02(vapid_private_key(self.secret))
        try:
            webpush(target.info(), payload, vapid_private_key=key,
                    vapid_claims={"sub": self.subject}, ttl=PUSH_TTL_S, timeout=TIMEOUT_S,
                    requests_session=self.session)  # fmt: skip
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in _GONE:
                self.subscriptions.drop(target.endpoint)
                log.info("push subscription gone, forgotten", extra={"key": host})
                return f"gone: {host} answered {status}"
            return f"{host} answered {status}"
        except (requests.RequestException, ValueError) as exc:
            return f"{host}: {type(exc).__name__}"
        return ""


def push_channel(
    name: str, config: WebPushConfig, data_dir: Path, environ: Mapping[str, str]
) -> WebPushChannel:
    """The channel of an on-prem installation: subscriptions in its users database,
    the VAPID key among its secrets (made on first use)."""
    from footage.adapters.sqlite_push import SqlitePushSubscriptions

    store = SqlitePushSubscriptions(data_dir / "users.sqlite3")
    store.initialize()
    return WebPushChannel(name, store, installation_key(data_dir, VAPID_KEY, environ),
                          config.subject)  # fmt: skip
