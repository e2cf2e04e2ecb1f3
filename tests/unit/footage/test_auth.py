"""Local accounts, tokens, the login rate limit and the per-site access rule."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from footage.adapters.sqlite_users import SqliteUserStore
from footage.auth import Principal, Role, principal_from_groups
from footage.errors import AuthError, RateLimited, TokenError, UserError
from footage.ratelimit import LoginPolicy, MemoryLoginLimiter
from footage.services.accounts import add_user, authenticate, bootstrap_admin
from footage.tokens import issue_token, verify_token

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
KEY = b"k" * 32
SITES = ("HO", "CABANG-01")
BRANCH = Principal("budi", Role.VIEWER, frozenset({"CABANG-01"}))


@pytest.fixture
def store(tmp_path):
    users = SqliteUserStore(tmp_path / "users.sqlite3")
    users.initialize()
    yield users
    users.close()


def test_branch_user_sees_only_its_branch_and_admin_sees_all():
    assert BRANCH.can_see("CABANG-01") and not BRANCH.can_see("HO")
    assert BRANCH.visible(["HO", "CABANG-01"]) == ["CABANG-01"]
    assert Principal("root", Role.ADMIN).visible(SITES) == list(SITES)


def test_cognito_groups_map_to_principals():
    assert principal_from_groups("a", ["admin", "site-HO"]).role is Role.ADMIN
    branch = principal_from_groups("b", ["site-CABANG-01", "other"])
    assert branch == Principal("b", Role.VIEWER, frozenset({"CABANG-01"}))
    assert principal_from_groups("c", []).visible(SITES) == []


def test_token_round_trip_expiry_and_forgery():
    token = issue_token(BRANCH, KEY, NOW, timedelta(minutes=15))
    assert verify_token(token, KEY, NOW + timedelta(minutes=14)) == BRANCH
    with pytest.raises(TokenError) as expired:
        verify_token(token, KEY, NOW + timedelta(minutes=15))
    assert expired.value.expired
    with pytest.raises(TokenError, match="invalid token") as forged:
        verify_token(token, b"x" * 32, NOW)
    assert not forged.value.expired
    header, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    admin_claims = {**claims, "role": "admin", "sites": list(SITES)}
    payload = base64.urlsafe_b64encode(json.dumps(admin_claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenError):  # a client raising its own role keeps the old signature
        verify_token(f"{header}.{payload}.{signature}", KEY, NOW)
    none_alg = jwt.encode({**admin_claims, "exp": 2**40}, None, algorithm="none")
    with pytest.raises(TokenError):
        verify_token(none_alg, KEY, NOW)
    with pytest.raises(TokenError):
        verify_token("garbage", KEY, NOW)


def test_login_with_the_right_password_only(store):
    add_user(store, SITES, "budi", Role.VIEWER, ["CABANG-01"], "rahasia-cabang-01", NOW)
    limiter = MemoryLoginLimiter()
    for name in ("budi", "BUDI"):
        user = authenticate(store, limiter, name, "rahasia-cabang-01", "10.0.0.5", NOW)
        assert user.principal() == BRANCH
    for name, password in (("budi", "wrong-password"), ("nobody", "rahasia-cabang-01")):
        with pytest.raises(AuthError, match="wrong user name or password"):
            authenticate(store, limiter, name, password, "10.0.0.5", NOW)


def test_failed_logins_lock_the_user_on_that_client_only(store):
    add_user(store, SITES, "budi", Role.VIEWER, ["CABANG-01"], "rahasia-cabang-01", NOW)
    limiter = MemoryLoginLimiter(LoginPolicy(pair_failures=3, window=timedelta(minutes=5)))
    for n in range(3):
        with pytest.raises(AuthError):
            authenticate(store, limiter, "budi", f"guess-{n}-xxxxx", "10.0.0.9", NOW)
    with pytest.raises(RateLimited) as limited:  # even the right password, for now
        authenticate(store, limiter, "budi", "rahasia-cabang-01", "10.0.0.9", NOW)
    assert 0 < limited.value.retry_after_s <= 300
    assert authenticate(store, limiter, "budi", "rahasia-cabang-01", "10.0.0.7", NOW).username
    later = NOW + timedelta(minutes=5, seconds=1)
    assert authenticate(store, limiter, "budi", "rahasia-cabang-01", "10.0.0.9", later).username
    assert limiter.attempts() == []  # a success clears the pair's failures


@pytest.mark.parametrize(
    ("name", "role", "sites", "password", "message"),
    [
        ("Budi!", Role.VIEWER, ["HO"], "long-enough-pw", "user name"),
        ("budi", Role.VIEWER, ["HO"], "short", "at least 10"),
        ("budi", Role.VIEWER, ["CABANG-99"], "long-enough-pw", "unknown site"),
        ("budi", Role.VIEWER, [], "long-enough-pw", "at least one --site"),
        ("boss", Role.ADMIN, ["HO"], "long-enough-pw", "every site"),
    ],
)
def test_bad_accounts_are_refused(store, name, role, sites, password, message):
    with pytest.raises(UserError, match=message):
        add_user(store, SITES, name, role, sites, password, NOW)
    assert store.list() == []


def test_duplicate_user_is_refused(store):
    add_user(store, SITES, "budi", Role.VIEWER, ["HO"], "long-enough-pw", NOW)
    with pytest.raises(UserError, match="already exists"):
        add_user(store, SITES, "budi", Role.VIEWER, ["HO"], "another-long-pw", NOW)


def test_admin_is_bootstrapped_once_with_no_default_password(store):
    generated = bootstrap_admin(store, {}, NOW)
    assert generated is not None and len(generated) >= 20
    assert (
        authenticate(store, MemoryLoginLimiter(), "admin", generated, "c", NOW).role is Role.ADMIN
    )
    assert bootstrap_admin(store, {"VMS_ADMIN_PASSWORD": "changed-password"}, NOW) is None
    with pytest.raises(AuthError):  # the first password stays until changed on purpose
        authenticate(store, MemoryLoginLimiter(), "admin", "changed-password", "c", NOW)


def test_admin_password_from_the_environment_is_not_echoed(tmp_path):
    store = SqliteUserStore(tmp_path / "u.sqlite3")
    store.initialize()
    assert bootstrap_admin(store, {"VMS_ADMIN_PASSWORD": "from-env-secret"}, NOW) is None
    user = authenticate(store, MemoryLoginLimiter(), "admin", "from-env-secret", "c", NOW)
    assert user.role is Role.ADMIN
    assert oct((tmp_path / "u.sqlite3").stat().st_mode & 0o777) == "0o600"
