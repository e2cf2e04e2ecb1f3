"""The log files the system writes, each with a bound: no log may fill the disk
the spool needs.

A log is capped one of two ways (:class:`LogCap`):

* **tail** (ffmpeg's logs, which status messages read the end of): past
  ``limit`` bytes the file is cut back, in place, to its last ``keep`` bytes;
  each run of the child starts it afresh.
* **rotate** (the children's and nginx's logs, which people read): past
  ``limit`` bytes the file becomes ``<name>.1``, replacing the one before, and
  a new file starts; a new run appends.

A child's output reaches its log through a :class:`LogPump`: a pipe drained at
once by a thread of ours, with credentials masked (footage.redact). The pump
never stops draining, even when the disk is full (a line it cannot write is
lost): a child blocked on a full pipe would stop recording.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from footage.redact import redact

KIB, MIB = 1024, 1024 * 1024
#: How many of a child's last lines a pump keeps in memory.
TAIL_LINES = 20
#: A longer line is written in pieces of this size: the pump's memory is bounded,
#: and so is the time footage.redact spends on one piece (it grows with the square
#: of the length of a run of letters: 0.13 s at 8 KiB, 7 s at 64 KiB).
MAX_LINE = 8 * KIB


@dataclass(frozen=True, slots=True)
class LogCap:
    """How large one log may grow (see the module's docstring)."""

    limit: int
    keep: int = 0  # > 0: cut back in place to the last ``keep`` bytes; 0: rotate to .1
    append: bool = False  # a new run appends (else it starts the file afresh)

    @property
    def bound(self) -> int:
        """The most bytes the log holds on disk (with its ``.1``), plus one line."""
        return self.limit if self.keep else 2 * self.limit


#: The recorder's and the relay's ffmpeg (``.ffmpeg.log``): only its tail matters.
FFMPEG_LOG = LogCap(limit=1 * MIB, keep=64 * KIB)
#: ``<data-dir>/logs/api.log`` and ``relay.log``: the output of vms up's children.
CHILD_LOG = LogCap(limit=8 * MIB, append=True)
#: nginx's own logs under ``<data-dir>/relay/logs`` (live.log: streaming.demand).
NGINX_LOGS = {
    "access.log": LogCap(limit=4 * MIB, append=True),
    "error.log": LogCap(limit=1 * MIB, append=True),
    "rtmp.log": LogCap(limit=1 * MIB, append=True),
    "nginx.stderr.log": LogCap(limit=256 * KIB, append=True),
}


def log_dirs(data_dir: Path) -> tuple[Path, ...]:
    """Where an installation's logs are, besides the recorders' (in the spool):
    vms up's children (``logs/``) and the relay's nginx and ffmpegs (``relay/logs/``)."""
    return (data_dir / "logs", data_dir / "relay" / "logs")


def rotated(path: Path) -> Path:
    return path.with_name(path.name + ".1")


def rotate_if_over(path: Path, cap: LogCap) -> bool:
    """Move ``path`` to ``<name>.1`` (replacing it) if it is past ``cap.limit``.
    Whoever writes it must reopen it (nginx: SIGUSR1); until then it writes the .1."""
    try:
        if path.stat().st_size <= cap.limit:
            return False
        os.replace(path, rotated(path))
    except FileNotFoundError:
        return False
    return True


def log_bytes(folders: Iterable[Path]) -> int:
    """Bytes of the log files (``*.log``, ``*.log.1``; hidden ones too) in ``folders``."""
    total = 0
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith((".log", ".log.1")):
                try:
                    total += entry.stat(follow_symlinks=False).st_size
                except OSError:
                    continue
    return total


class LogPump:
    """A child's output into ``path`` line by line, masked and capped by ``cap``.

    A pipe, drained at once by this thread, so the child never waits on it. The
    last lines are also kept in memory (:meth:`tail`), for status messages that
    must not depend on a disk with room for the log."""

    def __init__(self, path: Path, cap: LogCap = FFMPEG_LOG) -> None:
        self.path = path
        self.cap = cap
        self.lost_lines = 0  # lines the disk had no room for
        self._last: deque[str] = deque(maxlen=TAIL_LINES)
        self._read, self.write_fd = os.pipe()
        self._thread = threading.Thread(target=self._pump, name=f"log-{path.name}", daemon=True)

    def start(self) -> None:
        """After the child has its copy of ``write_fd``: ours closes, so EOF comes
        when the child (and whatever inherited the pipe) exits."""
        os.close(self.write_fd)
        self._thread.start()

    def join(self, timeout_s: float = 2.0) -> None:
        """Wait for the lines the child wrote before it exited."""
        self._thread.join(timeout_s)

    def tail(self) -> str:
        """The child's last lines (masked), whether or not the file has them."""
        return "".join(list(self._last))

    def _pump(self) -> None:
        out = self._open(self.cap.append)
        with os.fdopen(self._read, "rb") as pipe:
            for line in iter(partial(pipe.readline, MAX_LINE), b""):
                text = redact(line.decode(errors="replace"))
                self._last.append(text)
                out = self._write(out, text.encode())
        if out is not None:
            out.close()

    def _open(self, append: bool = True) -> BinaryIO | None:
        try:
            return self.path.open("ab" if append else "wb")
        except OSError:
            return None

    def _write(self, out: BinaryIO | None, data: bytes) -> BinaryIO | None:
        """Write one line, then cap the file. A full disk costs the line, never the
        pump: the file is opened again (appending) at the next line."""
        try:
            out = out or self._open()
            if out is None:
                raise OSError(f"cannot open {self.path}")
            out.write(data)
            out.flush()
            if out.tell() > self.cap.limit:
                out = self._cut(out)
        except OSError:
            self.lost_lines += 1
            if out is not None:
                with contextlib.suppress(OSError):
                    out.close()
            return None
        return out

    def _cut(self, out: BinaryIO) -> BinaryIO | None:
        if self.cap.keep:  # in place: works whether the file was opened to append or not
            tail = _tail_bytes(self.path, self.cap.keep)
            out.seek(0)
            out.truncate()
            out.write(tail)
            out.flush()
            return out
        out.close()
        os.replace(self.path, rotated(self.path))
        return self._open()


def _tail_bytes(path: Path, limit: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - limit))
        return handle.read()


def spawn_logged(
    command: list[str],
    log_path: Path,
    cap: LogCap = FFMPEG_LOG,
    *,
    with_stdout: bool = False,
    **popen: Any,
) -> tuple[subprocess.Popen[bytes], LogPump]:
    """Start ``command`` with its stderr (and stdout, ``with_stdout``) pumped, masked,
    into ``log_path``, capped by ``cap``."""
    pump = LogPump(log_path, cap)
    if with_stdout:
        popen["stdout"] = pump.write_fd
    try:
        process = subprocess.Popen(command, stderr=pump.write_fd, **popen)
    except BaseException:
        os.close(pump.write_fd)
        raise
    pump.start()
    return process, pump
