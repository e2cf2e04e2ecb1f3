"""A WebRTC viewer's link, judged from its browser's receiver reports.

A viewer on a link slower than the stream (a branch's uplink, a phone on 3G)
does not fill its queue: UDP sends never block, so fanout's queue check cannot
see it. Its browser can: every RTCP receiver report counts the packets lost so
far, and against what was sent since the last report (streaming.whep works it
out) that is the share the link lost. Two lossy reports in a row switch the
viewer to keyframes only (a fraction of the bytes); after ``probe_s`` of clean
reports it gets every frame again, and if that loses again soon, it waits twice
as long before the next try (up to ``MAX_PROBE_S``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: The wait before the first try at every frame again, and the longest one.
PROBE_S, MAX_PROBE_S = 10.0, 160.0
#: A try that lasts this long without loss resets the wait to PROBE_S.
HELD_S = 60.0
#: Lossy reports in a row that limit a viewer (one can be a burst).
STRIKES = 2


class LinkChange(StrEnum):
    LIMIT = "limit"  # keyframes only
    RELEASE = "release"  # every frame again


@dataclass(slots=True)
class LinkWatch:
    lossy: float  # fraction of packets lost in a report that counts against the link
    limited: bool = False
    probe_s: float = PROBE_S
    _strikes: int = 0
    _clean_since: float | None = None
    _released_at: float | None = None

    def report(self, fraction_lost: float, at: float) -> LinkChange | None:
        """A new receiver report (``at``: monotonic seconds): the change to make, if any."""
        if fraction_lost >= self.lossy:
            self._clean_since = None
            self._strikes += 1
            if self.limited or self._strikes < STRIKES:
                return None
            if self._released_at is not None and at - self._released_at < HELD_S:
                self.probe_s = min(self.probe_s * 2, MAX_PROBE_S)  # the last try failed
            self.limited, self._strikes = True, 0
            return LinkChange.LIMIT
        self._strikes = 0
        if not self.limited:
            if self._released_at is not None and at - self._released_at >= HELD_S:
                self.probe_s, self._released_at = PROBE_S, None  # it held: trust it again
            return None
        if self._clean_since is None:
            self._clean_since = at
        if at - self._clean_since < self.probe_s:
            return None
        self.limited, self._clean_since, self._released_at = False, None, at
        return LinkChange.RELEASE
