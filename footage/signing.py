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
from urllib.parse import parse_qs, quote

from footage.errors import FootageError


class SignatureError(FootageError):
    """A signed path is malformed, forged or expired (``expired`` says which)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        self.expired = expired
        super().__init__(message)


#: Paths that need no percent-encoding (every key of our key scheme; "=" is a legal
#: path character (RFC 3986 sub-delims) and names the retention class: kept as is).
_URL_SAFE = re.compile(r"[A-Za-z0-9_./~=-]*")


def _digest(path: str, expires: int, secret: bytes) -> str:
    return hmac.digest(secret, f"{path}\n{expires}".encode(), hashlib.sha256).hex()


def sign_path(path: str, expires_at: datetime, secret: bytes) -> str:
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    quoted = path if _URL_SAFE.fullmatch(path) else quote(path)
    expires = int(expires_at.timestamp())
    return f"{quoted}?exp={expires}&sig={_digest(quoted, expires, secret)}"


def verify_signed_path(target: str, now: datetime, secret: bytes) -> str:
    """Return the (quoted) path if the signature is valid and not expired.

    ``target`` is the request target as received: the raw path, then ``?`` and
    the raw query string. Never a URL rebuilt from headers (a forged Host could
    carry another path). Exactly one ``exp`` (decimal digits) and one ``sig``
    (64 lower-case hex digits) are accepted; anything else is malformed.
    """
    path, _, query = target.partition("?")
    expires, signature = _signature_params(query)
    if not hmac.compare_digest(signature, _digest(path, expires, secret)):
        raise SignatureError("bad signature")
    if now.timestamp() >= expires:
        raise SignatureError("link expired", expired=True)
    return path


_EXPIRES = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def _signature_params(query: str) -> tuple[int, str]:
    params = parse_qs(query, keep_blank_values=True)
    expires, signature = params.get("exp", []), params.get("sig", [])
    # fullmatch on ASCII patterns: no other digits, signs, blanks or non-ASCII
    # (hmac.compare_digest raises TypeError on non-ASCII str)
    if (
        len(expires) != 1
        or len(signature) != 1
        or not (_EXPIRES.fullmatch(expires[0]) and _SIGNATURE.fullmatch(signature[0]))
    ):
        raise SignatureError("missing or malformed signature")
    return int(expires[0]), signature[0]


#: Live tokens carry their expiry as exactly this many digits (epoch seconds).
EXPIRES_DIGITS = 10


def live_token(stream: str, expires_at: datetime, secret: bytes) -> tuple[str, str]:
    """A live HLS token as nginx's ``secure_link`` checks it: base64url MD5 (no
    padding) of ``<expires>|<stream>|<secret hex>``, and the expiry as it goes in
    the URL (``EXPIRES_DIGITS`` digits). MD5 is what secure_link offers; the
    separators and the fixed width make every (expiry, stream) pair hash a distinct
    string (without them ``("17", E)`` and ``("7", E*10+1)`` collide); the secret is
    the camera's site's key (32+ random bytes) and the token lives minutes. Bound to
    the stream, not the file, so the playlist's relative fragment names carry it."""
    expires = f"{int(expires_at.timestamp()):0{EXPIRES_DIGITS}d}"
    if len(expires) != EXPIRES_DIGITS or expires_at.timestamp() <= 0:
        raise ValueError(f"a live token cannot expire at {expires_at}")
    message = f"{expires}|{stream}|{secret.hex()}"
    digest = hashlib.md5(message.encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("="), expires
