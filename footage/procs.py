"""Child processes of ``vms``: tied to its life, stopped politely."""

from __future__ import annotations

import ctypes
import signal
import subprocess
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Runs in the child: if ``vms`` is killed (even -9), the child gets SIGTERM
    (ffmpeg closes its segment and exits) instead of running on as an orphan."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_process(proc: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout_s``."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def read_tail(path: Path, limit: int = 4096) -> str:
    """The end of a child's log file ("" if it cannot be read)."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - limit))
            return handle.read().decode(errors="replace")
    except OSError:
        return ""


def last_lines(text: str, limit: int = 300) -> str:
    """The last three non-empty lines on one line: an error message for status."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (" | ".join(lines[-3:]) or "no error output")[-limit:]


def interrupt_once() -> None:
    """The first SIGTERM or Ctrl-C raises KeyboardInterrupt in the main thread, so
    shutdown runs as ordinary code; later ones are ignored, so they cannot cut
    that shutdown short. (A handler that sets a threading.Event instead can
    deadlock: it runs on the main thread, possibly while that thread holds the
    Event's lock, and every thread waiting on the Event stops with it.)"""

    def interrupt(_signum: int, _frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
