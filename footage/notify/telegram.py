"""Telegram through the Bot API over HTTPS: ``sendMessage``, or ``sendPhoto``
with the snapshot and the text as its caption, or ``sendVideo`` with a shared
clip (at most 50 MB: footage.media.fit; :data:`VIDEO_TIMEOUT_S` to upload it)
and the text as its caption. The API base is configurable (a self-hosted Bot
API server, or the tests' fake); the token is a secret, kept out of errors and
logs."""

from __future__ import annotations

import json

from footage.notify.base import Delivery, OutgoingMessage
from footage.notify.http import multipart, post

#: A 50 MB clip over a branch's uplink.
VIDEO_TIMEOUT_S = 300.0
#: Bot API limits: a message's text, a photo's caption.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def message_text(msg: OutgoingMessage) -> str:
    parts = [msg.subject, msg.text] + ([msg.link] if msg.link else [])
    return "\n".join(parts)


class TelegramBot:
    def __init__(self, name: str, api_base: str, token: str, timeout_s: float = 15.0) -> None:
        self.name = name
        self._base = api_base.rstrip("/")
        self._token = token
        self._timeout = timeout_s

    def _url(self, method: str) -> str:
        return f"{self._base}/bot{self._token}/{method}"

    def send(self, msg: OutgoingMessage) -> Delivery:
        text = message_text(msg)
        if msg.video is not None and len(text) <= CAPTION_LIMIT:
            fields = {"chat_id": msg.recipient, "caption": text, "supports_streaming": "true"}
            body, content_type = multipart(fields, "video", msg.video_name, msg.video,
                                           "video/mp4")  # fmt: skip
            return post(self._url("sendVideo"), body, {"Content-Type": content_type},
                        max(self._timeout, VIDEO_TIMEOUT_S), hide=self._token)  # fmt: skip
        if msg.image is not None and len(text) <= CAPTION_LIMIT:
            body, content_type = multipart({"chat_id": msg.recipient, "caption": text}, "photo",
                                           msg.image_name, msg.image, "image/jpeg")  # fmt: skip
            return post(self._url("sendPhoto"), body, {"Content-Type": content_type},
                        self._timeout, hide=self._token)  # fmt: skip
        payload = {"chat_id": msg.recipient, "text": text[:TEXT_LIMIT],
                   "disable_web_page_preview": True}  # fmt: skip
        return post(self._url("sendMessage"), json.dumps(payload).encode(),
                    {"Content-Type": "application/json"}, self._timeout,
                    hide=self._token)  # fmt: skip
