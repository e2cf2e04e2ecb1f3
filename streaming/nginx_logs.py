"""nginx's logs under ``<data-dir>/relay/logs``, each capped (footage.logfiles).

* ``access.log``, ``error.log``, ``rtmp.log``: checked every few seconds; one past
  its limit is renamed to ``<name>.1`` (replacing the one before) and nginx is told
  to reopen its logs (SIGUSR1 to its master, as logrotate does). Until it has,
  nginx writes on into the ``.1``: no line is lost.
* ``nginx.stderr.log`` (nginx's own stderr, which only hears of what fails before
  it reads its config): rotated the same way, before each start of nginx.
* ``live.log``, the supervisor's demand signal, is cut by its reader
  (streaming.demand.LiveLog), which alone knows what it has read.
"""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from footage.logfiles import NGINX_LOGS, rotate_if_over
from streaming.nginx import RelayPaths

#: Rotated while nginx runs (it reopens them on SIGUSR1).
ROTATED_LIVE = ("access.log", "error.log", "rtmp.log")
CHECK_EVERY_S = 5.0


def reopen_logs(paths: RelayPaths) -> bool:
    """SIGUSR1 to the nginx master of ``paths`` (from its pid file), checked to be
    an nginx on our config first: a stale pid file may name another process."""
    try:
        pid = int(paths.pid.read_text().strip())
        # "nginx: master process nginx -c <conf> ...": nginx rewrites its title
        title = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return False
    if not title.startswith(b"nginx") or str(paths.conf).encode() not in title:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGUSR1)
        return True
    return False


@dataclass(slots=True)
class NginxLogs:
    """Call :meth:`tick` often (the supervisor's loop); it checks every ``every_s``."""

    paths: RelayPaths
    every_s: float = CHECK_EVERY_S
    checked: float | None = None

    def tick(self, now: float) -> list[str]:
        """Rotate what is past its limit; the names rotated."""
        if self.checked is not None and now - self.checked < self.every_s:
            return []
        self.checked = now
        moved = [n for n in ROTATED_LIVE if rotate_if_over(self.paths.logs / n, NGINX_LOGS[n])]
        if moved:
            reopen_logs(self.paths)
        return moved


def before_start(paths: RelayPaths) -> Path:
    """nginx's stderr log, rotated if past its limit: open it (append) for the next run."""
    path = paths.logs / "nginx.stderr.log"
    rotate_if_over(path, NGINX_LOGS[path.name])
    return path
