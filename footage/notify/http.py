"""One HTTP POST with the standard library (no client library needed for the
two JSON/multipart calls our channels make), answered as a Delivery.

Errors name the status and the server's short reason, never the URL (a bot
token lives in the Telegram URL).
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping

from footage.notify.base import Delivery

#: Worth another try: the server is busy, throttles us, or failed.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def post(url: str, body: bytes, headers: Mapping[str, str], timeout_s: float,
         hide: str = "") -> Delivery:  # fmt: skip
    """POST ``body``; delivered on 2xx. ``hide``: a secret to keep out of errors."""
    if not url.startswith(("https://", "http://")):
        return Delivery.failed("not an http(s) URL", retryable=False)
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            response.read()
            return Delivery.ok()
    except urllib.error.HTTPError as exc:
        detail = _reason(exc)
        error = f"HTTP {exc.code}{': ' + detail if detail else ''}"
        return Delivery.failed(_hidden(error, hide), retryable=exc.code in RETRYABLE_STATUS)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        return Delivery.failed(_hidden(f"cannot connect: {reason}", hide))


def _reason(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read(2000).decode("utf-8", "replace")
    except OSError:
        return ""
    try:
        parsed = json.loads(raw)
        return str(parsed.get("description", "")) if isinstance(parsed, dict) else ""
    except ValueError:
        return raw[:200].strip()


def _hidden(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def multipart(fields: Mapping[str, str], file_field: str, filename: str,
              data: bytes, content_type: str) -> tuple[bytes, str]:  # fmt: skip
    """A multipart/form-data body with ``fields`` and one file; (body, content type)."""
    boundary = "vms" + secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n')  # fmt: skip
    body = b"".join(parts) + head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
