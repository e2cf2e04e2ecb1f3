"""The other processes of ``vms up``, supervised: the API and the live relay.

Each is its own deployable (``functions.api``, the same app Lambda runs;
``streaming``, the relay), so ``vms up`` starts them as ``python -m ...`` with
the same config and data dir, restarts them with backoff if they die, and
sends their output to ``<data-dir>/logs/<name>.log`` (rotated to ``.1`` past 8 MiB:
footage.logfiles.CHILD_LOG). They die with ``vms``
(PDEATHSIG), and their tree carries ``VMS_CHILD=<name>`` (footage.installation):
before each (re)start, whatever a dead run left of that tree (uvicorn's
workers after a kill -9 of its main process) is stopped first. A port another
program holds is not fought over: the child waits, and ``vms status`` names
the holder.

    browser -> nginx (relay.http_port: viewer, API, live HLS) -> uvicorn (relay.api_port)
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from edge_uploader.shell.status import ServiceStatus
from footage.backoff import Backoff
from footage.installation import MARK_VAR, child_env, clear
from footage.logfiles import CHILD_LOG, LogPump, spawn_logged
from footage.ports import bind_error
from footage.procs import die_with_parent, last_lines, stop_process
from footage.redact import redact

log = logging.getLogger(__name__)
#: A run this long resets the restart backoff.
_HEALTHY_S = 60.0


class ChildProcess:
    def __init__(
        self, name: str, command: list[str], data_dir: Path, ports: tuple[tuple[str, int], ...] = ()
    ) -> None:
        self.name = name
        self.command = command
        self.log_path = data_dir / "logs" / f"{name}.log"
        self.ports = ports  # (host, port) the child binds
        self.status = ServiceStatus()
        self._pump: LogPump | None = None

    @property
    def restarts(self) -> int:
        return self.status.restarts

    def run(self, stop: threading.Event) -> None:
        backoff = Backoff(1.0, 30.0)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        while not stop.is_set():
            ran_s = self._run_once(stop)
            if stop.is_set():
                break
            if ran_s > _HEALTHY_S:
                backoff.reset()
            self.status.restarts += 1
            delay = backoff.next()
            log.warning("%s: %s; restarting in %.0f s (log: %s)", self.name,
                        self.status.last_error, delay, self.log_path)  # fmt: skip
            stop.wait(delay)
        self.status = self.status.model_copy(update={"state": "stopped", "pid": None})

    def _run_once(self, stop: threading.Event) -> float:
        """Start the child and wait for it to exit (or ``stop``); seconds it ran."""
        self._clear_stale()
        busy = next(filter(None, (bind_error(host, port) for host, port in self.ports)), None)
        if busy is not None:
            self._set("port busy", None, busy)
            return 0.0
        offset = _size(self.log_path)
        proc = self._spawn()
        self._set("running", proc.pid, None)
        started = time.monotonic()
        while proc.poll() is None and not stop.wait(0.5):
            pass
        if stop.is_set():
            stop_process(proc)
            return time.monotonic() - started
        if self._pump is not None:
            self._pump.join()  # its last lines are in the log
        why = _exit_reason(self.log_path, offset)
        self._set("restarting", None, f"exited with {proc.returncode}: {why}")
        return time.monotonic() - started

    def _spawn(self) -> subprocess.Popen[bytes]:
        # stdout and stderr through a pipe into the log, capped and rotated (CHILD_LOG)
        proc, self._pump = spawn_logged(
            self.command, self.log_path, CHILD_LOG, with_stdout=True,
            env=child_env(self.name), preexec_fn=die_with_parent,
        )  # fmt: skip
        return proc

    def _clear_stale(self) -> None:
        """Stop what a dead run of this child left (under ``vms up`` only)."""
        installation = os.environ.get(MARK_VAR)
        if installation is None:
            return
        stale = clear(installation, child=self.name)
        if stale:
            log.warning("%s: stopped %d processes a dead run left: %s", self.name, len(stale),
                        ", ".join(f"{m.pid} ({m.program})" for m in stale))  # fmt: skip

    def _set(self, state: str, pid: int | None, error: str | None) -> None:
        self.status = self.status.model_copy(
            update={"state": state, "pid": pid, "last_error": redact(error) if error else None}
        )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _exit_reason(path: Path, offset: int, limit: int = 8192) -> str:
    """What the child's run wrote last: its bind error if it had one."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(offset if offset <= size else 0, size - limit))
            text = handle.read().decode(errors="replace")
    except OSError:
        return "no log"
    for line in reversed(text.splitlines()):
        if "address already in use" in line.lower():
            return line.strip()[-300:]
    return last_lines(text)


def api_server(config_path: Path, data_dir: Path, port: int) -> ChildProcess:
    """The API and viewer on loopback: browsers reach it through the relay's nginx."""
    command = [
        sys.executable, "-m", "functions.api.serve", "--config", str(config_path),
        "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    return ChildProcess("api", command, data_dir, (("127.0.0.1", port),))


def relay_server(config_path: Path, data_dir: Path, host: str, port: int) -> ChildProcess:
    """nginx (the site's one origin) and the camera relays."""
    command = [
        sys.executable, "-m", "streaming", "run", "--config", str(config_path),
        "--data-dir", str(data_dir), "--host", host, "--port", str(port),
    ]  # fmt: skip
    return ChildProcess("relay", command, data_dir, ((host, port),))
