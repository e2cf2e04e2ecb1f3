"""A single-threaded guard between ``vms`` and an ffmpeg whose output matters.

    python -I -S footage/guard.py ffmpeg ...    (built by :func:`guarded`)

The parent-death signal (footage.procs.die_with_parent) comes once per
reparenting, and a multi-threaded parent killed with -9 hands its children
from one dying thread to the next: a recorder's ffmpeg got two SIGTERMs 3 ms
apart. ffmpeg takes a second signal as "exit now": it aborts its output, and
what it had buffered (256 KB: all of a 10 s segment of a quiet camera) never
reaches the disk.

So the guard runs the command as the only child of this single-threaded
process and passes it the first SIGTERM or SIGINT only: a kill -9 of ``vms``,
a clean stop (SIGINT) and any number of repeats reach ffmpeg as one signal,
and it closes its segment. If the guard itself is killed (a stop escalated to
SIGKILL), the child gets SIGKILL from the kernel. The guard exits as its child
did (same code, or the same signal).

Standard library only: it runs isolated (``-I -S``, about 20 ms to start).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_PASSED = (signal.SIGTERM, signal.SIGINT)


GUARD_SCRIPT = str(Path(__file__).resolve())


def guarded(command: list[str]) -> list[str]:
    """``command`` run under the guard."""
    return [sys.executable, "-I", "-S", GUARD_SCRIPT, *command]


def main(command: list[str]) -> int:
    if not command:
        print("usage: guard.py COMMAND [ARG...]", file=sys.stderr)
        return 2
    state = {"child": 0, "passed": 0}

    def pass_once(signum: int, _frame: object) -> None:
        if state["child"] and not state["passed"]:
            state["passed"] = signum
            os.kill(state["child"], signum)

    signal.pthread_sigmask(signal.SIG_BLOCK, _PASSED)  # none is lost before the fork
    for signum in _PASSED:
        signal.signal(signum, pass_once)
    guard = os.getpid()
    child = os.fork()
    if child == 0:
        _exec(command, guard)
    state["child"] = child
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _PASSED)
    _, status = os.waitpid(child, 0)  # retried after each signal (PEP 475)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:  # died of a signal: so does the guard, for its parent to see
        signal.signal(-code, signal.SIG_DFL)
        os.kill(guard, -code)
    return code


def _exec(command: list[str], guard: int) -> None:
    """In the child: SIGKILL if the guard dies, default signal handling, exec."""
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != guard:
        os._exit(1)
    for signum in (*_PASSED, signal.SIGPIPE, signal.SIGXFSZ):  # Python ignores the last two
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _PASSED)
    try:
        os.execvp(command[0], command)  # noqa: S606 (an argument list, no shell)
    except OSError as exc:
        os.write(2, f"guard: cannot run {command[0]}: {exc.strerror}\n".encode())
    os._exit(127)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
