"""The guard passes its child one stop signal, however many it gets: a recorder's
ffmpeg takes a second SIGTERM as "exit now" and drops what it has buffered."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from footage.guard import guarded

#: Counts the stop signals it gets in a file; exits 3 a moment after the first.
_COUNTER = """
import signal, sys, time
seen = []
def note(signum, frame):
    seen.append(signum)
    with open(sys.argv[1], "a") as out:
        out.write(f"{signum}\\n")
signal.signal(signal.SIGTERM, note)
signal.signal(signal.SIGINT, note)
print("up", flush=True)
while not seen:
    time.sleep(0.01)
time.sleep(0.5)
sys.exit(3)
"""

#: A parent with many threads, like `vms up`, that starts the command (argv) with
#: the parent-death signal set from one of them, prints its pid, and waits.
_THREADED_PARENT = """
import subprocess, sys, threading, time
from footage.procs import die_with_parent
def start():
    child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, preexec_fn=die_with_parent)
    child.stdout.readline()
    print(child.pid, flush=True)
    time.sleep(60)
for _ in range(40):
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
threading.Thread(target=start, daemon=True).start()
time.sleep(60)
"""


def _counter(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    seen = tmp_path / "signals"
    proc = subprocess.Popen(guarded([sys.executable, "-c", _COUNTER, str(seen)]),
                            stdout=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
    return proc, seen


def test_the_first_stop_signal_only_reaches_the_child(tmp_path: Path) -> None:
    guard, seen = _counter(tmp_path)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGTERM, signal.SIGINT):
        guard.send_signal(signum)
        time.sleep(0.02)
    assert guard.wait(5) == 3  # the child's own exit code
    assert seen.read_text().split() == [str(int(signal.SIGINT))]


def test_a_child_killed_by_a_signal_is_reported_as_such() -> None:
    done = subprocess.run(guarded(["sh", "-c", "kill -TERM $$"]), timeout=10, check=False)
    assert done.returncode == -signal.SIGTERM
    missing = subprocess.run(guarded(["/nonexistent/ffmpeg"]), capture_output=True, timeout=10,
                             check=False)  # fmt: skip
    assert missing.returncode == 127 and b"cannot run /nonexistent/ffmpeg" in missing.stderr


def test_a_killed_guard_takes_its_child_along(tmp_path: Path) -> None:
    guard, seen = _counter(tmp_path)
    child = int((Path("/proc") / str(guard.pid) / "task" / str(guard.pid) / "children")
                .read_text().split()[0])  # fmt: skip
    guard.kill()
    guard.wait(5)
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    status = Path(f"/proc/{child}/stat")
    assert not status.exists() or status.read_text().split(") ")[1][0] in "ZX"
    assert not seen.exists()  # SIGKILL: nothing to catch


def test_kill_9_of_a_threaded_parent_gives_the_guarded_child_one_sigterm(tmp_path: Path) -> None:
    """Unguarded, the child got 1 to 42 SIGTERMs (half the time more than one)."""
    for attempt in range(5):
        seen = tmp_path / f"signals-{attempt}"
        command = guarded([sys.executable, "-c", _COUNTER, str(seen)])
        parent = subprocess.Popen([sys.executable, "-c", _THREADED_PARENT, *command],
                                  stdout=subprocess.PIPE)  # fmt: skip
        assert parent.stdout is not None and parent.stdout.readline().strip().isdigit()
        parent.kill()
        parent.wait(5)
        deadline = time.monotonic() + 5
        while not seen.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # any repeat would have come by now
        assert seen.read_text().split() == [str(int(signal.SIGTERM))], f"attempt {attempt}"
