"""The viewer and API process of ``vms up``, supervised.

The API is its own deployable (``functions.api``, the same app Lambda runs),
so ``vms up`` starts it as ``python -m functions.api.serve`` with the same
config and data dir, and restarts it with backoff if it dies. Its log goes to
``<data-dir>/logs/api.log``. The child dies with ``vms`` (PDEATHSIG).
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

from edge_uploader.backoff import Backoff
from edge_uploader.procs import die_with_parent, stop_process

log = logging.getLogger(__name__)


class ViewerServer:
    def __init__(
        self,
        config_path: Path,
        data_dir: Path,
        host: str,
        port: int,
        *,
        web_dir: Path | None = None,
    ) -> None:
        self.url = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"  # noqa: S104
        self.log_path = data_dir / "logs" / "api.log"
        self.command = [
            sys.executable, "-m", "functions.api.serve", "--config", str(config_path),
            "--data-dir", str(data_dir), "--host", host, "--port", str(port),
        ]  # fmt: skip
        if web_dir is not None:
            self.command += ["--web-dir", str(web_dir)]
        self.restarts = 0

    def run(self, stop: threading.Event) -> None:
        backoff = Backoff(1.0, 30.0)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        while not stop.is_set():
            with self.log_path.open("ab") as out:
                proc = subprocess.Popen(
                    self.command, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
                )
            while proc.poll() is None and not stop.wait(0.5):
                pass
            if stop.is_set():
                stop_process(proc)
                return
            self.restarts += 1
            delay = backoff.next()
            log.warning("the API exited with %s; restarting in %.0f s (log: %s)",
                        proc.returncode, delay, self.log_path)  # fmt: skip
            stop.wait(delay)
