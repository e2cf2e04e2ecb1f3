"""Child processes of ``vms``: tied to its life, stopped politely."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

from footage.redact import redact

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


#: A child's log is cut back to its last LOG_KEEP bytes once it passes LOG_LIMIT.
LOG_LIMIT, LOG_KEEP = 1024 * 1024, 64 * 1024


class LogPump:
    """A child's stderr into ``path`` line by line, with credentials masked
    (footage.redact): ffmpeg repeats its input URL, password included, in errors.

    A pipe, drained at once by this thread, so the child never waits on it; the
    file keeps the tail for status messages (:func:`read_tail`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._read, self.write_fd = os.pipe()
        self._thread = threading.Thread(target=self._pump, name=f"log-{path.name}", daemon=True)

    def start(self) -> None:
        """After the child has its copy of ``write_fd``: ours closes, so EOF comes
        when the child exits."""
        os.close(self.write_fd)
        self._thread.start()

    def join(self, timeout_s: float = 2.0) -> None:
        """Wait for the lines the child wrote before it exited."""
        self._thread.join(timeout_s)

    def _pump(self) -> None:
        with os.fdopen(self._read, "rb") as lines, self.path.open("wb") as out:
            for line in lines:
                out.write(redact(line.decode(errors="replace")).encode())
                out.flush()
                if out.tell() > LOG_LIMIT:
                    out.seek(0)
                    out.write(_tail_bytes(self.path, LOG_KEEP))
                    out.truncate()


def spawn_logged(
    command: list[str], log_path: Path, **popen: Any
) -> tuple[subprocess.Popen[bytes], LogPump]:
    """Start ``command`` with its stderr pumped, masked, into ``log_path``."""
    pump = LogPump(log_path)
    try:
        process = subprocess.Popen(command, stderr=pump.write_fd, **popen)
    except BaseException:
        os.close(pump.write_fd)
        raise
    pump.start()
    return process, pump


def _tail_bytes(path: Path, limit: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - limit))
        return handle.read()


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
