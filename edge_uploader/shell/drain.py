"""Drain the spool: upload until nothing is waiting, showing progress."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from edge_uploader.shell.bootstrap import Runtime


@dataclass(frozen=True, slots=True)
class DrainProgress:
    done: int  # segments uploaded (or settled) since the drain began
    total: int  # segments waiting when it began
    bytes_left: int
    bytes_total: int
    rate_bps: float  # average since the drain began
    last_error: str | None


def drain(rt: Runtime, timeout_s: float | None, report: Callable[[DrainProgress], None]) -> int:
    """Upload every waiting segment; return how many are still waiting at the end.
    ``report`` hears each change (a segment done, a new error)."""
    compressor = rt.compressor()  # the site's cap, order and compression apply here too
    uploader = rt.uploader(retry_max_s=30.0)
    total = backlog = rt.journal.stats.backlog()
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    started = time.monotonic()
    shown: tuple[int, str | None] = (-1, None)
    while backlog.count:
        if deadline is not None and time.monotonic() > deadline:
            break
        if uploader.tick() + compressor.tick() == 0:
            time.sleep(0.5)
        backlog = rt.journal.stats.backlog()
        done = total.count - backlog.count
        if (done, uploader.last_error) == shown:
            continue  # report only when something changed
        shown = (done, uploader.last_error)
        rate = uploader.uploaded_bytes * 8 / max(time.monotonic() - started, 1e-6)
        report(DrainProgress(done, total.count, backlog.bytes, total.bytes, rate,
                             uploader.last_error))  # fmt: skip
    return backlog.count
