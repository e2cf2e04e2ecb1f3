"""Short-lived bearer tokens for local mode: HS256 JWTs signed with the site key.

The token carries the principal (user, role, sites), so a request needs no
lookup; it expires after ``ttl`` (15 minutes by default). A forged, altered or
malformed token is a TokenError; an expired one says so (HTTP 401 either way).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import jwt

from footage.auth import Principal, Role
from footage.errors import TokenError

ALGORITHM = "HS256"
ISSUER = "cctv-vms"
DEFAULT_TTL = timedelta(minutes=15)


def issue_token(
    principal: Principal, key: bytes, now: datetime, ttl: timedelta = DEFAULT_TTL
) -> str:
    claims = {
        "iss": ISSUER,
        "sub": principal.username,
        "role": principal.role.value,
        "sites": sorted(principal.sites),
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def verify_token(token: str, key: bytes, now: datetime) -> Principal:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(f"invalid token: {exc}") from exc
    if int(claims["exp"]) <= now.timestamp():  # checked here so tests can inject the clock
        raise TokenError("token expired", expired=True)
    try:
        role = Role(str(claims.get("role")))
        sites = frozenset(str(s) for s in claims.get("sites", []))
    except (ValueError, TypeError) as exc:
        raise TokenError("invalid token claims") from exc
    return Principal(str(claims["sub"]), role, sites)
