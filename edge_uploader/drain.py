"""Drain the spool: upload until nothing is waiting, showing progress."""

from __future__ import annotations

import time
from collections.abc import Callable

from edge_uploader.bootstrap import Runtime
from edge_uploader.uploader import Uploader, upload_policy


def drain(rt: Runtime, timeout_s: float | None, say: Callable[[str], None]) -> int:
    """Upload every waiting segment; return how many are still waiting at the end."""
    policy = upload_policy(rt.config.uploader, retry_max_s=30.0)
    uploader = Uploader(rt.journal, rt.storage, rt.clock, policy)
    total = backlog = rt.journal.backlog()
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    started = time.monotonic()
    shown: tuple[int, str | None] = (-1, None)
    while backlog.count:
        if deadline is not None and time.monotonic() > deadline:
            break
        if uploader.tick() == 0:
            time.sleep(0.5)
        backlog = rt.journal.backlog()
        done = total.count - backlog.count
        if (done, uploader.last_error) == shown:
            continue  # print only when something changed
        shown = (done, uploader.last_error)
        rate = uploader.uploaded_bytes / max(time.monotonic() - started, 1e-6)
        say(
            f"[{done}/{total.count}] {backlog.bytes / 1e6:.1f} MB left, "
            f"{rate * 8 / 1e6:.2f} Mbit/s"
            + (f", last error: {uploader.last_error}" if uploader.last_error else "")
        )
    return backlog.count
