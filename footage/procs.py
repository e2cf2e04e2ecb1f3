"""Child processes of ``vms``: tied to its life, stopped politely."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from pathlib import Path

# their home was here: footage.logfiles
from footage.logfiles import LogPump as LogPump
from footage.logfiles import spawn_logged as spawn_logged

_PR_SET_PDEATHSIG = 1
_spawner: int | None = None  # the pid that forked last, as its child sees it


def _remember_spawner() -> None:
    global _spawner
    _spawner = os.getpid()


# Runs in the parent just before every fork (subprocess with a preexec_fn included).
os.register_at_fork(before=_remember_spawner)


def die_with_parent(parent: int | None = None) -> None:
    """Runs in the child: if its parent is killed (even -9), the child gets SIGTERM
    (ffmpeg closes its segment and exits) instead of running on as an orphan.

    The kernel sends it when the parent *thread* that forked ends, so spawn from
    a thread that lives as long as the child should; a multi-threaded parent
    killed with -9 may send it several times (footage.guard: one for ffmpeg). A
    parent that died before this call sends nothing: the child then exits at
    once. ``parent``: the pid it must still have (default: the process that
    forked it, as a preexec_fn)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    expected = _spawner if parent is None else parent
    if expected is not None and os.getppid() != expected:
        os._exit(1)


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
