"""A generic webhook: the message as JSON, signed so the receiver (a WhatsApp
gateway, a chat tool's bridge) can tell it came from us.

Headers: ``X-VMS-Signature: sha256=<hex HMAC-SHA256 of the body with the shared
key>``. The body carries ``sent_at`` (UTC) so a receiver can refuse replays.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime

from footage.notify.base import Delivery, OutgoingMessage
from footage.notify.http import post

SIGNATURE_HEADER = "X-VMS-Signature"


def sign(key: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def webhook_body(msg: OutgoingMessage, sent_at: datetime) -> bytes:
    image = base64.b64encode(msg.image).decode() if msg.image else None
    obj = {"channel": msg.channel, "recipient": msg.recipient, "subject": msg.subject,
           "text": msg.text, "language": msg.language.value, "severity": msg.severity.value,
           "link": msg.link, "sent_at": sent_at.isoformat(),
           "image_jpeg_base64": image}  # fmt: skip
    return json.dumps(obj, ensure_ascii=False).encode()


class Webhook:
    def __init__(self, name: str, url: str, key: bytes, now: Callable[[], datetime],
                 timeout_s: float = 15.0) -> None:  # fmt: skip
        self.name = name
        self._url = url
        self._key = key
        self._now = now
        self._timeout = timeout_s

    def send(self, msg: OutgoingMessage) -> Delivery:
        body = webhook_body(msg, self._now())
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self._key, body)}
        return post(self._url, body, headers, self._timeout)
