"""Short-lived bearer tokens for local mode: HS256 JWTs signed with the site key.

The token carries the principal (user, role, sites) and the user's token
version (``ver``); it expires after ``ttl`` (15 minutes by default). The API
checks on every request that the account still exists, is enabled and still
has that version (footage.services.accounts.session_principal), so disabling,
removing or re-passwording a user revokes their tokens at once. A forged,
altered or malformed token is a TokenError; an expired one says so (HTTP 401
either way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from footage.auth import Principal, Role
from footage.errors import TokenError

ALGORITHM = "HS256"
ISSUER = "cctv-vms"
DEFAULT_TTL = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    principal: Principal
    #: the user's token version when it was issued
    version: int


def issue_token(
    principal: Principal, key: bytes, now: datetime, ttl: timedelta = DEFAULT_TTL,
    version: int = 0,
) -> str:  # fmt: skip
    claims = {
        "iss": ISSUER,
        "sub": principal.username,
        "role": principal.role.value,
        "sites": sorted(principal.sites),
        "ver": version,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def decode_token(token: str, key: bytes, now: datetime) -> TokenClaims:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "ver"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise TokenError(f"invalid token: {exc}") from exc
    if int(claims["exp"]) <= now.timestamp():  # checked here so tests can inject the clock
        raise TokenError("token expired", expired=True)
    try:
        role = Role(str(claims.get("role")))
        sites = frozenset(str(s) for s in claims.get("sites", []))
        version = claims["ver"]
    except (ValueError, TypeError) as exc:
        raise TokenError("invalid token claims") from exc
    if type(version) is not int:
        raise TokenError("invalid token claims")
    return TokenClaims(Principal(str(claims["sub"]), role, sites), version)


def verify_token(token: str, key: bytes, now: datetime) -> Principal:
    """The principal of a well-signed, unexpired token (no account check)."""
    return decode_token(token, key, now).principal
