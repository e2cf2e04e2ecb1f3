"""Amazon Cognito bearer tokens for AWS mode: RS256 JWTs checked against the pool's JWKS.

A Cognito user pool signs id and access tokens with RSA keys it publishes at
``https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json``.
:class:`CognitoVerifier` accepts only RS256 (no ``none``, no HS256 signed with
the public key), a ``kid`` from that JWKS, the pool's issuer, this app client and
an unexpired token; the groups (``admin``, ``site-<SITE>``) become a
:class:`~footage.auth.Principal`. Every rejection is a TokenError (HTTP 401; an
expired token says so); unreachable keys raise AuthUnavailable (HTTP 503).
Unknown ``kid`` -> one JWKS refresh (at most once a minute) so key rotation is
followed without letting bad tokens hammer Cognito.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from jwt.algorithms import RSAAlgorithm
from jwt.types import Options

from footage.auth import Principal, principal_from_groups
from footage.errors import AuthUnavailable, KeyFormatError, TokenError

ALGORITHM = "RS256"
TOKEN_USES = frozenset({"id", "access"})
DEFAULT_LEEWAY = timedelta(seconds=30)
REFRESH_INTERVAL = timedelta(seconds=60)
DEFAULT_TIMEOUT_S = 5.0
MAX_JWKS_BYTES = 1 << 20
MAX_USERNAME_LENGTH = 128
_REQUIRED_CLAIMS = ["iss", "exp", "iat", "token_use"]
_DECODE_OPTIONS: Options = {
    "require": _REQUIRED_CLAIMS,
    # Time, issuer and audience are checked below against the injected clock.
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_iss": False,
    "verify_aud": False,
}

Jwk = dict[str, Any]


def cognito_issuer(region: str, user_pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def cognito_jwks_url(region: str, user_pool_id: str) -> str:
    return f"{cognito_issuer(region, user_pool_id)}/.well-known/jwks.json"


def parse_jwks(document: object) -> dict[str, Jwk]:
    """A JWKS document (``{"keys": [...]}``) -> ``{kid: jwk}``; AuthUnavailable if malformed."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise AuthUnavailable("signing keys unavailable: malformed JWKS document")
    keys: dict[str, Jwk] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            raise AuthUnavailable("signing keys unavailable: malformed key in JWKS document")
        keys[jwk["kid"]] = dict(jwk)
    return keys


class JwksSource(ABC):
    """Where the pool's signing keys come from: ``keys()`` is cached, ``refresh()`` refetches."""

    @abstractmethod
    def keys(self) -> dict[str, Jwk]:
        """The current keys by ``kid`` (fetched on first use)."""

    @abstractmethod
    def refresh(self) -> None:
        """Fetch the keys again (after a rotation)."""


class StaticJwks(JwksSource):
    """In-memory JWKS: ``publish()`` changes what the next ``refresh()`` loads."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._published: Mapping[str, Any] = document
        self._keys = parse_jwks(dict(document))
        self.refreshes = 0

    def keys(self) -> dict[str, Jwk]:
        return dict(self._keys)

    def publish(self, document: Mapping[str, Any]) -> None:
        self._published = document

    def refresh(self) -> None:
        self.refreshes += 1
        self._keys = parse_jwks(dict(self._published))


class HttpJwks(JwksSource):
    """The JWKS fetched over HTTP(S) with urllib, cached until ``refresh()``."""

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"JWKS URL must be http(s): {url!r}")
        self.url = url
        self.timeout = timeout
        self._keys: dict[str, Jwk] | None = None
        self._lock = threading.Lock()

    def keys(self) -> dict[str, Jwk]:
        with self._lock:
            if self._keys is None:
                self._keys = self._fetch()
            return dict(self._keys)

    def refresh(self) -> None:
        keys = self._fetch()  # a failed refresh keeps the cached keys
        with self._lock:
            self._keys = keys

    def _fetch(self) -> dict[str, Jwk]:
        # The scheme is checked in __init__ (http/https only).
        request = urllib.request.Request(self.url, headers={"Accept": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(MAX_JWKS_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise AuthUnavailable(
                f"signing keys unavailable: cannot fetch {self.url}: {exc}"
            ) from exc
        if len(body) > MAX_JWKS_BYTES:
            raise AuthUnavailable(f"signing keys unavailable: {self.url} is too large")
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise AuthUnavailable(f"signing keys unavailable: {self.url} is not JSON") from exc
        return parse_jwks(document)


class CognitoVerifier:
    """Checks a Cognito id or access token and returns who it is for."""

    def __init__(
        self,
        region: str,
        user_pool_id: str,
        client_id: str,
        jwks: JwksSource,
        *,
        leeway: timedelta = DEFAULT_LEEWAY,
    ) -> None:
        self.issuer = cognito_issuer(region, user_pool_id)
        self.client_id = client_id
        self.jwks = jwks
        self.leeway = leeway
        self._last_refresh: datetime | None = None
        self._refresh_lock = threading.Lock()

    def verify(self, token: str, now: datetime) -> Principal:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        kid = _signing_kid(token)
        key = self._public_key(kid, now)
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], options=_DECODE_OPTIONS)
        except jwt.InvalidSignatureError as exc:
            raise TokenError("invalid token: signature verification failed") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"invalid token: missing claim {exc.claim!r}") from exc
        except jwt.PyJWTError as exc:
            raise TokenError("invalid token: malformed") from exc
        self._check_times(claims, now)
        if claims["iss"] != self.issuer:
            raise TokenError("invalid token: wrong issuer")
        return self._principal(claims)

    def _public_key(self, kid: str, now: datetime) -> RSAPublicKey:
        jwk = self.jwks.keys().get(kid)
        if jwk is None and self._may_refresh(now):
            self.jwks.refresh()
            jwk = self.jwks.keys().get(kid)
        if jwk is None:
            raise TokenError("invalid token: unknown signing key")
        return _rsa_public_key(jwk)

    def _may_refresh(self, now: datetime) -> bool:
        """True at most once per REFRESH_INTERVAL (a clock going backwards counts as too soon)."""
        with self._refresh_lock:
            last = self._last_refresh
            if last is not None and now - last < REFRESH_INTERVAL:
                return False
            self._last_refresh = now
            return True

    def _check_times(self, claims: Mapping[str, Any], now: datetime) -> None:
        at = now.timestamp()
        leeway = self.leeway.total_seconds()
        exp = _numeric_date(claims, "exp")
        if exp is not None and exp <= at - leeway:
            raise TokenError("token expired", expired=True)
        for claim in ("iat", "nbf"):
            moment = _numeric_date(claims, claim)
            if moment is not None and moment > at + leeway:
                raise TokenError(f"invalid token: {claim} is in the future")

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        use = claims["token_use"]
        if use not in TOKEN_USES:
            raise TokenError("invalid token: token_use must be 'id' or 'access'")
        if use == "id":
            client, username = claims.get("aud"), claims.get("cognito:username")
        else:
            client, username = claims.get("client_id"), claims.get("username")
        if client != self.client_id:
            raise TokenError("invalid token: issued for another app client")
        if not isinstance(username, str) or not 0 < len(username) <= MAX_USERNAME_LENGTH:
            raise TokenError("invalid token: missing or invalid user name")
        groups = claims.get("cognito:groups", [])
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise TokenError("invalid token: cognito:groups must be a list of names")
        try:
            return principal_from_groups(username, groups)
        except KeyFormatError as exc:
            raise TokenError(f"invalid token: bad site group: {exc}") from exc


def cognito_verifier(
    region: str,
    user_pool_id: str,
    client_id: str,
    *,
    jwks_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> CognitoVerifier:
    """A verifier fetching the pool's JWKS over HTTPS (``jwks_url`` overrides where from)."""
    url = jwks_url or cognito_jwks_url(region, user_pool_id)
    return CognitoVerifier(region, user_pool_id, client_id, HttpJwks(url, timeout))


def _signing_kid(token: str) -> str:
    """The header's ``kid``, once the header is well formed and says RS256."""
    if not isinstance(token, str):
        raise TokenError("invalid token: malformed")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenError("invalid token: malformed") from exc
    if header.get("alg") != ALGORITHM:
        raise TokenError(f"invalid token: algorithm must be {ALGORITHM}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenError("invalid token: missing key id")
    return kid


def _rsa_public_key(jwk: Jwk) -> RSAPublicKey:
    if jwk.get("alg", ALGORITHM) != ALGORITHM or jwk.get("use", "sig") != "sig":
        raise TokenError("invalid token: signing key is not an RS256 signature key")
    try:
        key = RSAAlgorithm.from_jwk(jwk)
    except (jwt.InvalidKeyError, ValueError, TypeError, KeyError) as exc:
        raise AuthUnavailable("signing keys unavailable: malformed RSA key in JWKS") from exc
    if isinstance(key, RSAPrivateKey):
        return key.public_key()
    return key


def _numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenError(f"invalid token: {name} must be a number")
    return float(value)
