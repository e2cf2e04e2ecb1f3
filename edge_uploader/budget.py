"""Each site's upload budget at this edge: one token bucket per site, its rate
following the site's schedule and whether anyone watches the site live (the
relay's status, footage.live)."""

from __future__ import annotations

import threading
import time
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
