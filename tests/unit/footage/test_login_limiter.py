"""The login limiter's rules, on the in-memory limiter and on the SQLite one the API
worker processes share, with an injected clock (every call takes ``now``)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from footage.adapters.sqlite_login_limiter import SqliteLoginLimiter
from footage.errors import RateLimited
from footage.ratelimit import LoginLimiter, LoginPolicy, MemoryLoginLimiter, client_key

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
POLICY = LoginPolicy()  # 5 per (user, client) and 20 per client in 5 min; back-off after 10


@pytest.fixture(params=["memory", "sqlite"])
def limiter(request: pytest.FixtureRequest, tmp_path) -> Iterator[LoginLimiter]:
    if request.param == "memory":
        yield MemoryLoginLimiter(POLICY)
        return
    shared = SqliteLoginLimiter(tmp_path / "users.sqlite3", POLICY)
    shared.initialize()
    yield shared
    shared.close()


def _fail(limiter: LoginLimiter, user: str, client: str, now: datetime, times: int = 1) -> None:
    for _ in range(times):
        limiter.failed(limiter.reserve(user, client, now), now)


def _wait(limiter: LoginLimiter, user: str, client: str, now: datetime) -> float:
    with pytest.raises(RateLimited) as limited:
        limiter.reserve(user, client, now)
    return limited.value.retry_after_s


def test_five_failures_lock_the_user_on_that_client_only_for_the_window(limiter):
    _fail(limiter, "admin", "10.0.0.66", NOW, times=5)
    assert _wait(limiter, "admin", "10.0.0.66", NOW + timedelta(seconds=10)) == 290
    limiter.succeeded(limiter.reserve("admin", "10.0.0.5", NOW), NOW)  # the admin's desk
    limiter.succeeded(limiter.reserve("budi", "10.0.0.66", NOW), NOW)  # another user there
    later = NOW + timedelta(minutes=5, seconds=1)
    assert limiter.reserve("admin", "10.0.0.66", later).pending


def test_checks_in_flight_count_and_a_crashed_check_stops_counting(limiter):
    held = [limiter.reserve("admin", "10.0.0.66", NOW) for _ in range(5)]
    assert all(a.pending for a in held) and _wait(limiter, "admin", "10.0.0.66", NOW) > 0
    limiter.cancel(held[0])  # never checked (the server was busy): not a failure
    assert limiter.reserve("admin", "10.0.0.66", NOW).pending
    _wait(limiter, "admin", "10.0.0.66", NOW + POLICY.pending_ttl - timedelta(seconds=1))
    assert limiter.reserve("admin", "10.0.0.66", NOW + POLICY.pending_ttl)


def test_a_client_spraying_user_names_is_limited_per_client(limiter):
    for n in range(20):
        _fail(limiter, f"user{n}", "10.0.0.66", NOW)
    assert _wait(limiter, "user99", "10.0.0.66", NOW) == 300
    assert limiter.reserve("user99", "10.0.0.5", NOW)  # another client is not


def test_failures_from_many_clients_back_off_new_clients_but_not_a_trusted_one(limiter):
    limiter.succeeded(limiter.reserve("admin", "10.0.0.5", NOW), NOW)
    _fail(limiter, "admin", "10.0.0.66", NOW, times=5)
    _fail(limiter, "admin", "10.0.0.67", NOW, times=5)  # 10 failures: the back-off starts
    assert _wait(limiter, "admin", "10.0.0.68", NOW) == 15
    limiter.succeeded(limiter.reserve("admin", "10.0.0.5", NOW), NOW)  # logged in here before
    t = NOW + timedelta(seconds=15)
    _fail(limiter, "admin", "10.0.0.68", t)  # the 11th failure doubles the delay
    assert _wait(limiter, "admin", "10.0.0.69", t + timedelta(seconds=1)) == 29


def test_the_back_off_grows_to_its_cap(limiter):
    t = NOW
    for n in range(40):  # one attacker address after another, each waiting its turn
        _fail(limiter, "admin", f"10.1.{n}.1", t)
        t += POLICY.backoff_max
    assert _wait(limiter, "admin", "10.2.0.1", t - timedelta(seconds=1)) == 1
    assert limiter.reserve("admin", "10.2.0.1", t)


def test_trust_lasts_thirty_days_from_the_last_login(limiter):
    limiter.succeeded(limiter.reserve("admin", "10.0.0.5", NOW), NOW)
    stale = NOW + POLICY.trusted_for
    for client in ("10.0.0.66", "10.0.0.67"):
        _fail(limiter, "admin", client, stale, times=5)
    assert _wait(limiter, "admin", "10.0.0.5", stale) == 15


def test_success_clears_the_pairs_failures_but_not_other_clients(limiter):
    _fail(limiter, "admin", "10.0.0.5", NOW, times=4)
    _fail(limiter, "admin", "10.0.0.66", NOW, times=3)
    limiter.succeeded(limiter.reserve("admin", "10.0.0.5", NOW), NOW)
    left = limiter.attempts()  # both limiters list what they hold
    assert [(a.client, a.pending) for a in left] == [("10.0.0.66", False)] * 3


def test_forty_parallel_reservations_from_separate_connections_get_five(tmp_path):
    """As the API's worker processes do: one SQLite connection each, one file."""
    path = tmp_path / "users.sqlite3"
    SqliteLoginLimiter(path).initialize()
    granted: list[int] = []
    gate = threading.Barrier(40)

    def guess() -> None:
        limiter = SqliteLoginLimiter(path, POLICY)
        gate.wait()
        with contextlib.suppress(RateLimited):
            granted.append(limiter.reserve("admin", "10.0.0.66", NOW).id)
        limiter.close()

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(granted) == 5
    assert len(SqliteLoginLimiter(path).attempts()) == 5


def test_old_attempts_are_forgotten(tmp_path):
    limiter = SqliteLoginLimiter(tmp_path / "users.sqlite3", POLICY)
    limiter.initialize()
    _fail(limiter, "admin", "10.0.0.66", NOW, times=3)
    limiter.reserve("admin", "10.0.0.5", NOW)  # a check that crashed
    later = NOW + POLICY.user_window + timedelta(seconds=1)
    limiter.reserve("budi", "10.0.0.7", later)
    assert [(a.username, a.at) for a in limiter.attempts()] == [("budi", later)]


def test_client_keys():
    assert client_key("10.0.0.5") == "10.0.0.5"
    assert client_key("::ffff:10.0.0.5") == "10.0.0.5"
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9")
    assert client_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert client_key("testclient") == "testclient"
