"""The login limiter (the ``LoginLimiter`` port): may this client have a password checked now?

Three rules, each counting failed logins *and* checks still in flight, so a
burst of parallel guesses cannot slip past together:

- **user + client** (the lock): ``pair_failures`` per ``window`` (5 per 5 min);
- **client**, over every user name: ``client_failures`` per ``window``, so a
  client spraying user names is limited too;
- **user**, over every client (the slow global back-off): past
  ``user_free_failures`` in ``user_window``, each attempt waits a doubling delay
  after the last one (``backoff_base`` up to ``backoff_max``); a client that has
  logged in as that user within ``trusted_for`` is exempt, so a spray from many
  clients slows strangers down but never locks the real user out of their desk.

An attempt is reserved (:meth:`LoginLimiter.reserve`, atomically with the rules)
before the password is checked, then marked failed, succeeded or cancelled; a
reservation whose check crashed stops counting after ``pending_ttl``. The SQLite
adapter (footage.adapters.sqlite_login_limiter) shares the counts between the
API's worker processes; ``MemoryLoginLimiter`` serves tests and one process.
"""

from __future__ import annotations

import ipaddress
import itertools
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from footage.errors import RateLimited


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    pair_failures: int = 5
    client_failures: int = 20
    window: timedelta = timedelta(minutes=5)
    user_free_failures: int = 10
    user_window: timedelta = timedelta(hours=24)
    backoff_base: timedelta = timedelta(seconds=15)
    backoff_max: timedelta = timedelta(minutes=15)
    pending_ttl: timedelta = timedelta(seconds=30)
    trusted_for: timedelta = timedelta(days=30)

    @property
    def horizon(self) -> timedelta:
        """How long an attempt can matter to any rule."""
        return max(self.window, self.user_window)


@dataclass(frozen=True, slots=True)
class Attempt:
    """A failed login, or a check in flight (``pending``); ``id`` names its reservation."""

    id: int
    username: str
    client: str
    at: datetime
    pending: bool = True


@dataclass(frozen=True, slots=True)
class Recent:
    """What the rules read for one (user, client): the user's attempts from every
    client, the client's attempts for every user, and whether the client has
    logged in as that user within ``trusted_for``."""

    by_user: Sequence[Attempt]
    by_client: Sequence[Attempt]
    trusted: bool


def client_key(address: str) -> str:
    """The client as the limiter counts it: an IPv4 address, or the /64 of an
    IPv6 one (one host owns a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def wait_before(
    policy: LoginPolicy, username: str, client: str, recent: Recent, now: datetime
) -> float | None:
    """Seconds until (username, client) may have a password checked; None: now."""
    by_client = [a for a in recent.by_client if _counts(policy, a, now, policy.window)]
    pair = [a for a in by_client if a.username == username]
    waits = [
        _over_limit(pair, policy.pair_failures, policy.window, now),
        _over_limit(by_client, policy.client_failures, policy.window, now),
    ]
    if not recent.trusted:
        by_user = [a for a in recent.by_user if _counts(policy, a, now, policy.user_window)]
        waits.append(_backoff(policy, by_user, now))
    found = [wait for wait in waits if wait is not None]
    return max(found) if found else None


def _counts(policy: LoginPolicy, attempt: Attempt, now: datetime, window: timedelta) -> bool:
    return attempt.at > now - (policy.pending_ttl if attempt.pending else window)


def _over_limit(
    attempts: Sequence[Attempt], limit: int, window: timedelta, now: datetime
) -> float | None:
    if len(attempts) < limit:
        return None
    expiries = sorted(a.at + window for a in attempts)
    return _seconds(expiries[len(attempts) - limit] - now)


def _backoff(policy: LoginPolicy, attempts: Sequence[Attempt], now: datetime) -> float | None:
    over = len(attempts) - policy.user_free_failures
    if over < 0:
        return None
    delay = min(policy.backoff_base * 2 ** min(over, 30), policy.backoff_max)
    ready = max(a.at for a in attempts) + delay
    return _seconds(ready - now) if now < ready else None


def _seconds(wait: timedelta) -> float:
    return max(wait.total_seconds(), 1.0)


class LoginLimiter(ABC):
    """Keys are a lower-case user name and a :func:`client_key`."""

    def __init__(self, policy: LoginPolicy | None = None) -> None:
        self.policy = policy or LoginPolicy()

    @abstractmethod
    def reserve(self, username: str, client: str, now: datetime) -> Attempt:
        """Count a check in flight, atomically with the rules; RateLimited if it must wait."""

    @abstractmethod
    def failed(self, attempt: Attempt, now: datetime) -> None:
        """The password was wrong: the reservation becomes a failure at ``now``."""

    @abstractmethod
    def succeeded(self, attempt: Attempt, now: datetime) -> None:
        """Drop the reservation and the pair's failures; trust the client for the user."""

    @abstractmethod
    def cancel(self, attempt: Attempt) -> None:
        """The password was never checked: drop the reservation."""


class MemoryLoginLimiter(LoginLimiter):
    """In this process only (tests, one-process tools)."""

    def __init__(self, policy: LoginPolicy | None = None) -> None:
        super().__init__(policy)
        self._attempts: dict[int, Attempt] = {}
        self._trusted: dict[tuple[str, str], datetime] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def reserve(self, username: str, client: str, now: datetime) -> Attempt:
        with self._lock:
            horizon = now - self.policy.horizon
            self._attempts = {i: a for i, a in self._attempts.items() if a.at > horizon}
            live = self._attempts.values()
            trusted = self._trusted.get((username, client), now) > now
            recent = Recent([a for a in live if a.username == username],
                            [a for a in live if a.client == client], trusted)  # fmt: skip
            wait = wait_before(self.policy, username, client, recent, now)
            if wait is not None:
                raise RateLimited(wait)
            attempt = Attempt(next(self._ids), username, client, now)
            self._attempts[attempt.id] = attempt
            return attempt

    def failed(self, attempt: Attempt, now: datetime) -> None:
        with self._lock:
            self._attempts[attempt.id] = replace(attempt, at=now, pending=False)

    def succeeded(self, attempt: Attempt, now: datetime) -> None:
        with self._lock:
            pair = (attempt.username, attempt.client)
            self._attempts = {
                i: a for i, a in self._attempts.items()
                if i != attempt.id and (a.pending or (a.username, a.client) != pair)
            }  # fmt: skip
            self._trusted = {p: until for p, until in self._trusted.items() if until > now}
            self._trusted[pair] = now + self.policy.trusted_for

    def cancel(self, attempt: Attempt) -> None:
        with self._lock:
            self._attempts.pop(attempt.id, None)

    def attempts(self) -> list[Attempt]:
        """Every attempt held (for tests)."""
        with self._lock:
            return sorted(self._attempts.values(), key=lambda a: a.id)
