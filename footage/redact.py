"""Credentials out of everything we print: one function, used by every error path.

Camera passwords reach us as ``rtsp://user:password@host`` URLs (ffmpeg takes
them no other way) and ffmpeg repeats the URL in its errors, which become a
camera's ``last_error`` in ``vms status``, ``/api/status``, the edge's
``status/<SITE>.json``, live-view answers and log lines. :func:`redact`
replaces the password of any URL, and any value registered as secret (a
camera's password, as is and URL-quoted, in case it appears elsewhere), with
``***``. The log formatter, the child-process log pumps (footage.procs) and
the status builders all call it.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import quote

MASK = "***"
#: ``scheme://user:password@``: the password is everything up to the last ``@``
#: before the host (passwords may contain ``@`` and ``:`` when not quoted).
#: The lookbehind starts a match only where a scheme can start, so a long run of
#: letters is scanned once, not once per letter (linear, not quadratic, in a line).
_USERINFO = re.compile(
    r"(?<![A-Za-z0-9+.-])(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*):(?P<password>[^\s/]*)@"
)
#: Shorter values would mask ordinary words; a camera password that short is
#: still masked in URLs by the pattern above.
_MIN_SECRET = 4
_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Mask ``value`` (and its URL-quoted form) wherever :func:`redact` runs in
    this process from now on."""
    if len(value) < _MIN_SECRET:
        return
    with _lock:
        _secrets.update({value, quote(value, safe="")})


def redact(text: str) -> str:
    """``text`` without URL passwords or registered secrets."""
    text = _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@", text)
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)  # a longer secret may contain a shorter
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_optional(text: str | None) -> str | None:
    return None if text is None else redact(text)
