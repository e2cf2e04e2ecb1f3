"""Short-lived signed paths for storage that has no URLs of its own (NAS folder).

``sign_path("/media/segments/HO/...", expires_at, key)`` appends ``?exp=...&sig=...``;
the API verifies it with :func:`verify_signed_path` before serving the file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime
from urllib.parse import parse_qs, quote, urlsplit

from footage.errors import FootageError


class SignatureError(FootageError):
    """A signed path is malformed, forged or expired (``expired`` says which)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        self.expired = expired
        super().__init__(message)


#: Paths that need no percent-encoding (every key of our key scheme).
_URL_SAFE = re.compile(r"[A-Za-z0-9_./~-]*")


def _digest(path: str, expires: int, secret: bytes) -> str:
    return hmac.digest(secret, f"{path}\n{expires}".encode(), hashlib.sha256).hex()


def sign_path(path: str, expires_at: datetime, secret: bytes) -> str:
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    quoted = path if _URL_SAFE.fullmatch(path) else quote(path)
    expires = int(expires_at.timestamp())
    return f"{quoted}?exp={expires}&sig={_digest(quoted, expires, secret)}"


def verify_signed_path(url: str, now: datetime, secret: bytes) -> str:
    """Return the (quoted) path if the signature is valid and not expired."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    try:
        expires = int(query["exp"][0])
        signature = query["sig"][0]
    except (KeyError, ValueError, IndexError) as exc:
        raise SignatureError("missing or malformed signature") from exc
    if not hmac.compare_digest(signature, _digest(parts.path, expires, secret)):
        raise SignatureError("bad signature")
    if now.timestamp() >= expires:
        raise SignatureError("link expired", expired=True)
    return parts.path


def live_token(stream: str, expires_at: datetime, secret: bytes) -> tuple[str, int]:
    """A live HLS token as nginx's ``secure_link`` checks it: base64url MD5 (no
    padding) of ``<expires><stream> <secret>``. MD5 is what secure_link offers; the
    secret is 32 random bytes and the token lives minutes. Bound to the stream,
    not the file, so the playlist's relative fragment names carry it along."""
    expires = int(expires_at.timestamp())
    digest = hashlib.md5(f"{expires}{stream} {secret.hex()}".encode(), usedforsecurity=False)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("="), expires
