"""The upload budget of a site's uplink: a token bucket shared by every upload.

A branch's uplink also carries live view and the office, so uploads get a byte
rate, not the whole link:

* ``max_kbps`` is the site's cap; ``schedule`` windows (in the site's own zone)
  replace it at given hours, e.g. 30 % of the link in business hours and 90 %
  at night;
* while someone watches the site's cameras live, uploads get ``live_share`` of
  the cap, so the relay's HLS keeps its room;
* all uploads of the site draw from one :class:`TokenBucket`, so two workers
  share the cap instead of doubling it.

The bucket holds at most ``burst_s`` of tokens: short enough that the rate over
any few seconds stays within a few percent of the cap, long enough that one
read (the storage SDKs read 8-256 KiB at a time) never waits for itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from footage.config import Site, UploadBudget

#: Seconds of the current rate the bucket may hold.
BURST_S = 0.25
#: Largest single wait: a changed cap (schedule, live viewers) applies this soon.
_MAX_SLEEP_S = 0.5


class TokenBucket:
    """Blocks callers so the bytes they report flow at ``rate()`` bytes/s on average.

    ``rate`` is read on every call, so the cap follows schedules and live viewers
    without restarting transfers; None or 0 means unlimited.
    """

    def __init__(
        self,
        rate: Callable[[], float | None],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate = rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = 0.0
        self._stamp = clock()
        self.consumed = 0

    def consume(self, amount: int) -> None:
        """Take ``amount`` bytes from the bucket, waiting for them as long as needed."""
        if amount <= 0:
            return
        with self._lock:
            self.consumed += amount
        remaining = float(amount)
        while remaining > 0:
            with self._lock:
                rate = self._rate()
                now = self._clock()
                if not rate:
                    self._stamp = now
                    return
                burst = rate * BURST_S
                self._tokens = min(burst, self._tokens + (now - self._stamp) * rate)
                self._stamp = now
                # Go into debt for what remains: later callers wait for it too, so
                # concurrent uploads share the rate instead of each taking it.
                self._tokens -= remaining
                wait = -self._tokens / rate if self._tokens < 0 else 0.0
                remaining = 0
                if wait > _MAX_SLEEP_S:  # take back the part beyond this sleep
                    remaining = (wait - _MAX_SLEEP_S) * rate
                    self._tokens += remaining
                    wait = _MAX_SLEEP_S
            if wait > 0:
                self._sleep(wait)


@dataclass(frozen=True, slots=True)
class SiteBudget:
    """The byte rate a site's uploads may use at a given moment."""

    site: Site
    budget: UploadBudget

    def rate(self, now: datetime, live_viewers: int) -> float | None:
        """Bytes per second, or None for unlimited."""
        cap = cap_kbps(self.budget, now.astimezone(ZoneInfo(self.site.timezone)))
        if cap is None:
            return None
        share = self.budget.live_share if live_viewers > 0 else 1.0
        return cap * share * 1000 / 8


def cap_kbps(budget: UploadBudget, local: datetime) -> int | None:
    """The cap at ``local`` (the site's wall clock): the first schedule window that
    holds it, else ``max_kbps``; None: no cap."""
    for window in budget.schedule:
        if window.contains(local):
            return window.max_kbps
    return budget.max_kbps
