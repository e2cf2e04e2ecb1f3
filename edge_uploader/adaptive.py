"""Adaptive edge compression: how hard to compress, decided from what happens.

One controller per site (a site has one uplink). Every ``check_interval_s`` it
looks at the site's backlog, what the link drained and what the cameras
recorded, and at the compressor (footage.profiles.ADAPTIVE_LADDER, lightest
first), and moves at most one level:

* **up** when the backlog would take longer than ``high_water_s`` to drain at
  the link's rate, and either nothing is compressed yet or it still grows:
  the link is too slow for footage this size;
* **down** when the encoder cannot keep up within its CPU budget (undecided
  footage piles up while it is busy all the time) and a lighter encoding level
  exists: it is faster, a heavier one would only make the pile grow;
* **down** (relax) when the backlog drains within ``low_water_s`` and what the
  cameras record, at the lighter level's measured size, fits in 80 % of the
  link: so a site whose link never fits ``copy`` does not bounce back to it.
  Small files on a fast link never keep it busy long enough to measure it, so
  after ``relax_probe_s`` without a measurement a caught-up site tries the
  lighter level anyway; if the link is still too slow, the backlog says so.

While the backlog is above high water (``overflowing``), or whenever the last
segment in the encoder's queue would reach storage sooner as recorded, the
uploader does not leave the link idle waiting for the encoder: it sends that
footage as recorded (edge_uploader.lifecycle.send_as_recorded). So
compression only ever adds to what the link alone would drain.

The link's rate is what the uploads put on the wire per second that any was in
flight (edge_uploader.budget.LinkMeter), from windows where uploads ran at least
half the time; until then it is the site's cap. The ratio each level
achieves is learnt from its encodes. Both are moving averages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from footage.config import CompressionConfig

_ALPHA = 0.3  # weight of the newest window in the moving averages
_FIT = 0.8  # relax only if the lighter level would use at most this much of the link
_BUSY = 0.9  # the encoder counts as saturated above this share of the window


@dataclass(frozen=True, slots=True)
class Window:
    """What one site did over one decision period."""

    seconds: float
    backlog_bytes: int  # pending bytes of the site's adaptive cameras, at the end
    sent_bytes: int  # bytes the site's uploads put on the wire during the window
    sending_s: float  # seconds of the window with at least one upload in flight
    recorded_bytes: int  # bytes its adaptive cameras recorded during the window
    undecided: int  # segments waiting for the compressor, at the end
    encoder_busy: float  # share of the window the (box-wide) encoder was running


@dataclass(frozen=True, slots=True)
class Decision:
    at: datetime
    level: int
    profile: str
    reason: str


@dataclass(slots=True)
class AdaptiveController:
    ladder: tuple[str, ...]
    settings: CompressionConfig
    level: int = 0
    link_bps: float | None = None  # bytes/s the link drains while busy (learnt)
    ratios: dict[int, float] = field(default_factory=lambda: {0: 1.0})  # out/in per level
    history: list[Decision] = field(default_factory=list)
    backlog_s: float = 0.0  # the last window's backlog, in seconds of the link
    unmeasured_s: float = 0.0  # time since the link's rate was last measured
    _last: Window | None = None

    @property
    def overflowing(self) -> bool:
        """The backlog is past high water: the link must not wait for the encoder."""
        return self.backlog_s > self.settings.high_water_s

    @property
    def profile(self) -> str:
        return self.ladder[self.level]

    def learn_ratio(self, level: int, recorded: int, compressed: int) -> None:
        """One encode at ``level`` turned ``recorded`` bytes into ``compressed``."""
        if recorded <= 0 or level == 0:
            return
        sample = min(1.0, compressed / recorded)  # a file that grew is sent as recorded
        self.ratios[level] = moving_average(self.ratios.get(level), sample)

    def observe(self, window: Window, now: datetime) -> Decision | None:
        """Feed one window; returns the decision when the level changes."""
        last, self._last = self._last, window
        if window.sending_s >= 0.5 * window.seconds and window.sent_bytes > 0:
            rate = window.sent_bytes / window.sending_s
            self.link_bps = moving_average(self.link_bps, rate)
            self.unmeasured_s = 0.0
        else:
            self.unmeasured_s += window.seconds
        if last is None:
            return None
        step, reason = self._step(last, window)
        if step == 0:
            return None
        self.level += step
        decision = Decision(now, self.level, self.profile, reason)
        self.history.append(decision)
        return decision

    def _step(self, last: Window, now: Window) -> tuple[int, str]:
        link = self.link_bps or 0.0
        drain_s = now.backlog_bytes / link if link > 0 else float("inf")
        if now.backlog_bytes == 0:
            drain_s = 0.0
        self.backlog_s = drain_s
        saturated = now.encoder_busy >= _BUSY and now.undecided > last.undecided
        if saturated and self.level > 1:
            return -1, "the encoder cannot keep up within its CPU budget: a lighter level"
        growing = now.backlog_bytes > last.backlog_bytes
        top = self.level + 1 >= len(self.ladder)
        if drain_s > self.settings.high_water_s and not top and (growing or self.level == 0):
            if now.encoder_busy >= _BUSY:
                return 0, ""  # no CPU left for a heavier level
            if self.level == 0:
                return 1, f"backlog takes {_eta(drain_s)} to drain: compressing"
            return 1, f"backlog grows faster than the link drains ({_eta(drain_s)} to drain)"
        if self.level > 0 and drain_s <= self.settings.low_water_s:
            incoming = now.recorded_bytes / now.seconds
            lighter = self.ratios.get(self.level - 1, 1.0)
            if link > 0 and incoming * lighter <= _FIT * link:
                return -1, f"caught up ({_eta(drain_s)} to drain): relaxing"
            if self.unmeasured_s >= self.settings.relax_probe_s:
                self.unmeasured_s = 0.0  # one probe per period
                return -1, "caught up, the link idle: trying a lighter level"
        return 0, ""


def moving_average(old: float | None, sample: float) -> float:
    """Exponentially weighted: the newest sample weighs ``_ALPHA``; the first is taken as is."""
    return sample if old is None else old + _ALPHA * (sample - old)


def _eta(seconds: float) -> str:
    return "unknown" if seconds == float("inf") else f"{seconds:.0f} s"
