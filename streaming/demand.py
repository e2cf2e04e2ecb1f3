"""Who is watching: read from nginx's live log, not from the API.

nginx logs every signed playlist request (``$msec $stream $status
$remote_addr``, streaming.nginx.LIVE_LOG_FORMAT). A viewer's player fetches
the playlist about once a fragment, so a stream is watched while its lines keep
coming. This works for viewers sent by this site's API and by the cloud's alike,
and costs nothing per request. Only requests nginx let through count (200, 304,
and 503 while the relay starts): a forged or expired token cannot start ffmpeg.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: The log is truncated once read past this size, so it holds at most this much
#: plus what nginx writes between two reads (250 ms). nginx appends (O_APPEND), so
#: it carries on at the new end; at worst a line written between the read and the
#: truncation is lost, which a player's next poll makes up for.
TRUNCATE_AT = 1 << 20
#: A viewer counts as present while it fetched a playlist this recently.
VIEWER_WINDOW_S = 10.0
_DEMAND_STATUSES = frozenset({"200", "304", "503"})


@dataclass(slots=True)
class LiveLog:
    path: Path
    offset: int = 0

    def read(self) -> list[tuple[str, str]]:
        """``(stream, address)`` of each new counted request."""
        try:
            with self.path.open("rb+") as handle:
                size = handle.seek(0, 2)
                if size < self.offset:  # truncated or replaced behind our back
                    self.offset = 0
                handle.seek(self.offset)
                data = handle.read()
                complete = data[: data.rfind(b"\n") + 1]
                self.offset += len(complete)
                if self.offset >= TRUNCATE_AT:  # even while lines keep coming
                    handle.truncate(0)
                    self.offset = 0
        except FileNotFoundError:
            return []
        seen = []
        for line in complete.decode(errors="replace").splitlines():
            fields = line.split()
            if len(fields) == 4 and fields[2] in _DEMAND_STATUSES:
                seen.append((fields[1], fields[3]))
        return seen


@dataclass(slots=True)
class Demand:
    """When each stream was last asked for, and by which addresses."""

    last: dict[str, float] = field(default_factory=dict)
    addresses: dict[str, dict[str, float]] = field(default_factory=dict)

    def seen(self, stream: str, address: str, now: float) -> None:
        self.last[stream] = now
        self.addresses.setdefault(stream, {})[address] = now

    def wanted(self, stream: str, now: float, idle_timeout_s: float) -> bool:
        last = self.last.get(stream)
        return last is not None and now - last < idle_timeout_s

    def viewers(self, stream: str, now: float) -> int:
        recent = self.addresses.get(stream, {})
        for address in [a for a, t in recent.items() if now - t >= VIEWER_WINDOW_S]:
            del recent[address]
        return len(recent)
