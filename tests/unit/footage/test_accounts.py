"""Account changes revoke tokens (the per-user token version), the last-admin
guard, disabled users, and the bound on password checks at once."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from footage.adapters.sqlite_users import SqliteUserStore
from footage.auth import Principal, Role
from footage.errors import AuthError, RateLimited, TokenError, UserError
from footage.passwords import PasswordChecks
from footage.ratelimit import MemoryLoginLimiter
from footage.services.accounts import (
    add_user,
    authenticate,
    change_password,
    session_principal,
)
from footage.tokens import decode_token, issue_token

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
KEY = b"k" * 32
SITES = ("HO", "CABANG-01")
BRANCH = Principal("budi", Role.VIEWER, frozenset({"CABANG-01"}))


@pytest.fixture
def store(tmp_path):
    users = SqliteUserStore(tmp_path / "users.sqlite3")
    users.initialize()
    add_user(users, SITES, "admin", Role.ADMIN, [], "admin-password-1", NOW)
    add_user(users, SITES, "budi", Role.VIEWER, ["CABANG-01"], "rahasia-cabang-01", NOW)
    yield users
    users.close()


def _token(store: SqliteUserStore, name: str, password: str) -> str:
    user = authenticate(store, MemoryLoginLimiter(), name, password, "10.0.0.5", NOW)
    return issue_token(user.principal(), KEY, NOW, version=user.token_version)


def _revoked(store: SqliteUserStore, token: str) -> bool:
    try:
        session_principal(store, token, KEY, NOW + timedelta(minutes=1))
    except TokenError:
        return True
    return False


def test_tokens_carry_the_users_version():
    token = issue_token(BRANCH, KEY, NOW, version=7)
    assert jwt.decode(token, options={"verify_signature": False})["ver"] == 7
    assert decode_token(token, KEY, NOW).version == 7
    unversioned = jwt.encode({"iss": "cctv-vms", "sub": "budi", "role": "viewer", "iat": 0,
                              "exp": 2**40}, KEY, algorithm="HS256")  # fmt: skip
    with pytest.raises(TokenError):
        decode_token(unversioned, KEY, NOW)


def test_disable_and_enable_revoke_tokens_and_a_disabled_user_cannot_log_in(store):
    token = _token(store, "budi", "rahasia-cabang-01")
    assert session_principal(store, token, KEY, NOW).username == "budi"
    store.set_disabled("budi", True)
    assert _revoked(store, token)
    with pytest.raises(AuthError):
        authenticate(store, MemoryLoginLimiter(), "budi", "rahasia-cabang-01", "c", NOW)
    store.set_disabled("budi", False)
    assert _revoked(store, token)  # enabling does not bring old tokens back
    assert not _revoked(store, _token(store, "budi", "rahasia-cabang-01"))


def test_a_new_password_revokes_tokens_but_a_rehash_does_not(store):
    token = _token(store, "budi", "rahasia-cabang-01")
    user = store.get("budi")
    assert user is not None
    store.set_password("budi", user.password_hash, revoke=False)  # as a rehash on login
    assert not _revoked(store, token)
    change_password(store, "budi", "a-brand-new-pw-01")
    assert _revoked(store, token)
    with pytest.raises(UserError, match="at least 10"):
        change_password(store, "budi", "short")
    with pytest.raises(UserError, match="no user"):
        change_password(store, "nobody", "a-brand-new-pw-01")


def test_a_removed_users_token_is_revoked(store):
    token = _token(store, "budi", "rahasia-cabang-01")
    store.remove("budi")
    assert _revoked(store, token) and store.get("budi") is None
    with pytest.raises(UserError, match="no user"):
        store.remove("budi")


def test_the_last_enabled_admin_is_kept(store):
    for change in (lambda: store.set_disabled("admin", True), lambda: store.remove("admin")):
        with pytest.raises(UserError, match="last enabled admin"):
            change()
    admin = store.get("admin")
    assert admin is not None and not admin.disabled
    add_user(store, SITES, "ops", Role.ADMIN, [], "ops-password-01", NOW)
    store.set_disabled("ops", True)  # a disabled admin does not count
    with pytest.raises(UserError, match="last enabled admin"):
        store.set_disabled("admin", True)
    store.set_disabled("ops", False)
    store.set_disabled("admin", True)
    store.remove("admin")  # a disabled admin may go
    assert [u.username for u in store.list()] == ["budi", "ops"]


def test_an_older_users_file_gets_the_token_version(tmp_path):
    path = tmp_path / "users.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (username TEXT PRIMARY KEY, role TEXT NOT NULL, "
                   "sites TEXT NOT NULL, password_hash TEXT NOT NULL, created_ms INTEGER "
                   "NOT NULL, disabled INTEGER NOT NULL DEFAULT 0)")  # fmt: skip
        db.execute("INSERT INTO users VALUES ('admin', 'admin', '[]', 'x', 0, 0)")
    db.close()
    store = SqliteUserStore(path)
    store.initialize()
    user = store.get("admin")
    assert user is not None and user.token_version == 0


def test_password_checks_at_once_are_bounded_and_a_refused_one_is_not_a_failure(store):
    checks, limiter = PasswordChecks(size=1, wait_s=0.05), MemoryLoginLimiter()
    held, release = threading.Event(), threading.Event()

    def hold_the_turn() -> None:
        with checks.turn():
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold_the_turn)
    thread.start()
    assert held.wait(5)
    with pytest.raises(RateLimited, match="too many logins at once"):
        authenticate(store, limiter, "admin", "admin-password-1", "10.0.0.5", NOW, checks)
    release.set()
    thread.join()
    assert limiter.attempts() == []  # the reservation was dropped, not counted
    assert authenticate(store, limiter, "admin", "admin-password-1", "10.0.0.5", NOW, checks)
