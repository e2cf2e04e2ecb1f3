"""Local accounts: log in (rate-limited), check a session, add, disable, enable,
remove and re-password users, bootstrap the admin."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from datetime import datetime
from functools import cache

from footage.auth import Principal, Role, User, validate_username
from footage.errors import AuthError, TokenError, UserError
from footage.passwords import (
    PROCESS_CHECKS,
    PasswordChecks,
    hash_password,
    needs_rehash,
    verify_password,
)
from footage.ratelimit import LoginLimiter, client_key
from footage.tokens import decode_token
from footage.users import UserStore

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD_ENV = "VMS_ADMIN_PASSWORD"  # noqa: S105 (the variable's name)
_REFUSED = "wrong user name or password"


def authenticate(
    store: UserStore, limiter: LoginLimiter, username: str, password: str, client: str,
    now: datetime, checks: PasswordChecks = PROCESS_CHECKS,
) -> User:  # fmt: skip
    """The user of a correct login; AuthError (or RateLimited) otherwise. The attempt
    is reserved before the password is checked, so parallel guesses count too."""
    attempt = limiter.reserve(username.lower(), client_key(client), now)
    try:
        with checks.turn():
            user = store.get(username.lower())
            valid = verify_password(user.password_hash if user else _dummy_hash(), password)
    except BaseException:
        limiter.cancel(attempt)
        raise
    if user is None or user.disabled or not valid:
        limiter.failed(attempt, now)
        raise AuthError(_REFUSED)
    limiter.succeeded(attempt, now)
    if needs_rehash(user.password_hash):
        store.set_password(user.username, hash_password(password), revoke=False)
    return user


def session_principal(store: UserStore, token: str, key: bytes, now: datetime) -> Principal:
    """Who a local token speaks for, now: TokenError unless it is valid and its user
    still exists, is enabled and has the token's version (one primary-key read)."""
    claims = decode_token(token, key, now)
    user = store.get(claims.principal.username)
    if user is None or user.disabled or user.token_version != claims.version:
        raise TokenError("token revoked")
    return user.principal()


@cache
def _dummy_hash() -> str:
    """Checked when the user does not exist, so a wrong name costs as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(18))


def add_user(
    store: UserStore, known_sites: Collection[str], username: str, role: Role,
    sites: Collection[str], password: str, now: datetime,
) -> User:  # fmt: skip
    try:
        validate_username(username)
        password_hash = hash_password(password)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    unknown = sorted(set(sites) - set(known_sites))
    if unknown:
        raise UserError(f"unknown site(s): {', '.join(unknown)}")
    if role is Role.VIEWER and not sites:
        raise UserError("a viewer needs at least one --site")
    if role is Role.ADMIN and sites:
        raise UserError("an admin sees every site: give no --site")
    user = User(username, role, frozenset(sites), password_hash, now)
    store.add(user)
    return user


def bootstrap_admin(store: UserStore, environ: Mapping[str, str], now: datetime) -> str | None:
    """Create ``admin`` once: from $VMS_ADMIN_PASSWORD, else a generated password,
    which is returned so the caller prints it once. None when admin exists."""
    if store.get(ADMIN_USERNAME) is not None:
        return None
    given = environ.get(ADMIN_PASSWORD_ENV)
    password = given or secrets.token_urlsafe(18)
    add_user(store, (), ADMIN_USERNAME, Role.ADMIN, (), password, now)
    return None if given else password


def change_password(store: UserStore, username: str, password: str) -> None:
    """A new password; the user's tokens stop working at once."""
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    store.set_password(username, password_hash, revoke=True)
