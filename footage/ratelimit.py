"""Login rate limit: at most ``max_failures`` failed logins per key in ``window``.

Keyed by user name and by client address separately, so neither a guessed
password list against one user nor one client trying many users gets far.
In-memory and per process: the local API is one process.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from datetime import datetime, timedelta

from footage.errors import RateLimited


class LoginLimiter:
    def __init__(self, max_failures: int = 5, window: timedelta = timedelta(minutes=5)) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[datetime]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, keys: list[str], now: datetime) -> None:
        """Raise RateLimited if any key has used up its failures in the window."""
        with self._lock:
            for key in keys:
                recent = self._recent(key, now)
                if len(recent) >= self.max_failures:
                    wait = recent[0] + self.window - now
                    raise RateLimited(max(wait.total_seconds(), 1.0))

    def failed(self, keys: list[str], now: datetime) -> None:
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures
