"""A site's uplink over a week, hour by hour in the site's wall clock: what its
upload budget lets through each hour (footage.bandwidth's caps and schedule
windows, nobody watching live) and the backlog when the cameras record a steady
number of bytes an hour. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from footage.bandwidth import cap_kbps
from footage.config import Site

WEEK_H = 7 * 24
#: The simulated week starts on this Monday, 00:00 in the site's zone; any week
#: would do (the schedule repeats weekly), a fixed one keeps the plan reproducible.
REFERENCE_MONDAY = date(2026, 1, 5)
#: A backlog at or below this many bytes counts as drained.
DRAINED_BYTES = 1.0


@dataclass(frozen=True, slots=True)
class Simulation:
    """The second of two simulated weeks (the first fills any backlog the week leaves
    over): ``backlog`` at the end of each hour, ``sent`` in it."""

    backlog: list[float]
    sent: list[float]
    growth_per_week: float  # bytes the backlog grows each week: > 0 never catches up

    @property
    def keeps_up(self) -> bool:
        return self.growth_per_week <= DRAINED_BYTES

    @property
    def peak(self) -> float:
        return max(self.backlog)

    @property
    def peak_at(self) -> int:
        """When the backlog peaks: hours since Monday 00:00 (the end of that hour)."""
        return (max(range(WEEK_H), key=lambda h: self.backlog[h]) + 1) % WEEK_H

    @property
    def drained_at(self) -> int | None:
        """When the backlog is next empty after its peak (hours since Monday 00:00),
        or None: never."""
        peak = self.peak_at - 1
        for step in range(1, WEEK_H + 1):
            hour = (peak + step) % WEEK_H
            if self.backlog[hour] <= DRAINED_BYTES:
                return (hour + 1) % WEEK_H
        return None


def hourly_capacity(site: Site) -> list[float | None]:
    """Bytes the site may upload in each hour of the week (None: no cap), by its
    schedule to the minute; the line's speed (``network.uplink_kbps``) caps it too."""
    line = site.network.uplink_kbps if site.network else None
    start = datetime.combine(REFERENCE_MONDAY, datetime.min.time(), site.zone)
    cuts = _cuts(site)
    out: list[float | None] = []
    for hour in range(WEEK_H):
        marks = cuts[hour % 24]
        total: float | None = 0.0
        for begin, end in zip(marks, [*marks[1:], 60], strict=True):
            local = start + timedelta(hours=hour, minutes=begin)
            cap = _lower(cap_kbps(site.upload, local), line)
            total = None if cap is None or total is None else total + cap * 125 * 60 * (end - begin)
        out.append(total)
    return out


def _cuts(site: Site) -> list[list[int]]:
    """For each hour of the day, the minutes where a schedule window may start or
    end in it (0 always): the cap is constant between them."""
    cuts: list[set[int]] = [{0} for _ in range(24)]
    for window in site.upload.schedule:
        for moment in (window.start, window.end):
            cuts[moment.hour].add(moment.minute)
    return [sorted(minutes) for minutes in cuts]


def _lower(cap: int | None, line: int | None) -> int | None:
    if cap is None or line is None:
        return cap if line is None else line
    return min(cap, line)


def simulate(incoming_per_hour: float, capacity: Sequence[float | None]) -> Simulation:
    """Two weeks of a steady ``incoming_per_hour`` against ``capacity`` (per hour of
    the week), from an empty spool; the second week is the steady state's."""
    backlog, ends = 0.0, []
    weeks: list[tuple[list[float], list[float]]] = []
    for _ in range(2):
        waiting, sent = [], []
        for cap in capacity:
            out = (
                backlog + incoming_per_hour
                if cap is None
                else min(backlog + incoming_per_hour, cap)
            )
            backlog += incoming_per_hour - out
            waiting.append(backlog)
            sent.append(out)
        ends.append(backlog)
        weeks.append((waiting, sent))
    waiting, sent = weeks[1]
    return Simulation(waiting, sent, max(0.0, ends[1] - ends[0]))


def weekday_hour(hour: int) -> str:
    """Hour of the simulated week as 'Mon 07:00'."""
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    return f"{days[hour // 24 % 7]} {hour % 24:02d}:00"
