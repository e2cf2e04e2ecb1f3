"""The other processes of ``vms up``, supervised: the API and the live relay.

Each is its own deployable (``functions.api``, the same app Lambda runs;
``streaming``, the relay), so ``vms up`` starts them as ``python -m ...`` with
the same config and data dir, restarts them with backoff if they die, and
sends their output to ``<data-dir>/logs/<name>.log``. They die with ``vms``
(PDEATHSIG).

    browser -> nginx (relay.http_port: viewer, API, live HLS) -> uvicorn (relay.api_port)
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

from footage.backoff import Backoff
from footage.procs import die_with_parent, stop_process

log = logging.getLogger(__name__)


class ChildProcess:
    def __init__(self, name: str, command: list[str], data_dir: Path) -> None:
        self.name = name
        self.command = command
        self.log_path = data_dir / "logs" / f"{name}.log"
        self.restarts = 0

    def run(self, stop: threading.Event) -> None:
        backoff = Backoff(1.0, 30.0)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        while not stop.is_set():
            with self.log_path.open("ab") as out:
                proc = subprocess.Popen(
                    self.command, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
                )
            started = time.monotonic()
            while proc.poll() is None and not stop.wait(0.5):
                pass
            if stop.is_set():
                stop_process(proc)
                return
            if time.monotonic() - started > 60:
                backoff.reset()
            self.restarts += 1
            delay = backoff.next()
            log.warning("%s exited with %s; restarting in %.0f s (log: %s)",
                        self.name, proc.returncode, delay, self.log_path)  # fmt: skip
            stop.wait(delay)


def api_server(config_path: Path, data_dir: Path, port: int) -> ChildProcess:
    """The API and viewer on loopback: browsers reach it through the relay's nginx."""
    command = [
        sys.executable, "-m", "functions.api.serve", "--config", str(config_path),
        "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    return ChildProcess("api", command, data_dir)


def relay_server(config_path: Path, data_dir: Path, host: str, port: int) -> ChildProcess:
    """nginx (the site's one origin) and the camera relays."""
    command = [
        sys.executable, "-m", "streaming", "run", "--config", str(config_path),
        "--data-dir", str(data_dir), "--host", host, "--port", str(port),
    ]  # fmt: skip
    return ChildProcess("relay", command, data_dir)
