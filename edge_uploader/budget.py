"""Each site's upload budget at this edge: one token bucket per site, its rate
following the site's schedule and whether anyone watches the site live (the
relay's status, footage.live)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from footage.bandwidth import SiteBudget, TokenBucket
from footage.clock import Clock
from footage.config import Config
from footage.live import RelayStatus, read_relay_status

#: How often the relay's viewer counts are re-read.
_VIEWERS_EVERY_S = 2.0


class SiteBudgets:
    def __init__(self, config: Config, clock: Clock, relay_status: Path) -> None:
        self._clock = clock
        self._relay_path = relay_status
        self._relay: RelayStatus | None = None
        self._read_at = float("-inf")
        self._lock = threading.Lock()
        self._plans = {site.id: SiteBudget(site, site.upload) for site in config.sites}
        self.buckets = {site: TokenBucket(partial(self.rate, site)) for site in self._plans}

    def rate(self, site: str) -> float | None:
        """The site's upload rate now, bytes/s (None: no cap)."""
        return self._plans[site].rate(self._clock.now(), self.viewers(site))

    def viewers(self, site: str) -> int:
        with self._lock:
            if time.monotonic() - self._read_at >= _VIEWERS_EVERY_S:
                self._relay = read_relay_status(self._relay_path, self._clock.now())
                self._read_at = time.monotonic()
            relay = self._relay
        return relay.viewers(site) if relay else 0


class LinkMeter:
    """What one site's uploads put on the wire, and for how long any was in flight:
    ``sent / sending_s`` is the rate the link (or the cap) allows."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._active = 0
        self._since = 0.0
        self._busy = 0.0
        self.sent = 0

    def add(self, amount: int) -> None:
        with self._lock:
            self.sent += amount

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        with self._lock:
            if self._active == 0:
                self._since = self._clock()
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0:
                    self._busy += self._clock() - self._since

    @property
    def sending_s(self) -> float:
        """Seconds with at least one upload in flight so far (the current one included)."""
        with self._lock:
            ongoing = self._clock() - self._since if self._active else 0.0
            return self._busy + ongoing


class LinkMeters(defaultdict[str, LinkMeter]):
    """One meter per site, made on first use."""

    def __init__(self) -> None:
        super().__init__(LinkMeter)
