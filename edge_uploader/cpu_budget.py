"""Run a child process (an ffmpeg encode) within a CPU budget.

The edge box records, relays live view and serves the viewer; compression may
have what is left, and no more. ``nice`` alone does not cap anything on an
idle box, and cgroups need privileges an appliance may not grant. So the
governor measures the child's CPU time (``/proc/<pid>/stat``, all threads)
every ``period_s`` and pauses it (SIGSTOP) while it is ahead of
``cores`` x elapsed time, resuming it (SIGCONT) once it is back under: the
average over any run is ``cores`` plus at most one period's burst. The encoder
is also started with few threads (footage.media.encoders), so its bursts are
small, and at nice 10, so recording and live view win any contention.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from pathlib import Path

from footage.errors import MediaError
from footage.procs import die_with_parent, last_lines

_TICK = os.sysconf("SC_CLK_TCK")
_NICE = 10


@dataclass(frozen=True, slots=True)
class RunStats:
    cpu_s: float  # user + system time of the child, from the kernel's accounting
    wall_s: float
    paused_s: float  # time spent stopped to honour the budget

    @property
    def cores(self) -> float:
        return self.cpu_s / self.wall_s if self.wall_s > 0 else 0.0


def threads_for(cores: float) -> int:
    """Encoder threads for a budget: enough to use it, few enough to keep bursts short."""
    return max(1, ceil(cores))


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of every thread of ``pid`` so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces
    return (int(fields[11]) + int(fields[12])) / _TICK


class CpuGovernor:
    def __init__(self, cores: float, period_s: float = 0.1) -> None:
        if cores <= 0:
            raise ValueError("a CPU budget must be above 0 cores")
        self.cores = cores
        self.period_s = period_s

    def run(self, args: Sequence[str], timeout_s: float) -> RunStats:
        """Run ``args`` to completion within the budget; MediaError on failure."""
        with tempfile.TemporaryFile() as errors:
            try:
                proc = subprocess.Popen(
                    list(args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=errors, preexec_fn=_child_setup,
                )  # fmt: skip
            except OSError as exc:
                raise MediaError(f"cannot run {args[0]}: {exc.strerror}") from exc
            status, cpu_s, wall_s, paused_s = self._govern(proc, timeout_s)
            if status != 0:
                errors.seek(0)
                tail = last_lines(errors.read().decode(errors="replace"), 600)
                raise MediaError(f"{args[0]} failed (exit {status}): {tail}")
        return RunStats(cpu_s, wall_s, paused_s)

    def _govern(
        self, proc: subprocess.Popen[bytes], timeout_s: float
    ) -> tuple[int, float, float, float]:
        start = time.monotonic()
        paused_at: float | None = None
        paused_s = 0.0
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                now = time.monotonic()
                if pid:
                    proc.returncode = os.waitstatus_to_exitcode(status)
                    if paused_at is not None:
                        paused_s += now - paused_at
                    return proc.returncode, usage.ru_utime + usage.ru_stime, now - start, paused_s
                if now - start > timeout_s:
                    raise MediaError(f"encoder timed out after {timeout_s:.0f} s")
                try:
                    ahead = process_cpu_s(proc.pid) > self.cores * (now - start)
                except (OSError, ValueError, IndexError):
                    ahead = False  # exiting between wait4 and the read
                if ahead and paused_at is None:
                    os.kill(proc.pid, signal.SIGSTOP)
                    paused_at = now
                elif not ahead and paused_at is not None:
                    os.kill(proc.pid, signal.SIGCONT)
                    paused_s += now - paused_at
                    paused_at = None
                time.sleep(self.period_s)
        finally:
            if proc.returncode is None:  # timeout or interrupted: do not leave it stopped
                proc.kill()  # SIGKILL ends a stopped process too
                proc.wait()


def _child_setup() -> None:
    os.nice(_NICE)
    die_with_parent()
