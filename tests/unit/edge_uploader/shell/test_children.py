"""A supervised child of `vms up` (the API, the relay): what a dead run of it
left is stopped before it starts again, a port another program holds is named
rather than fought over, and an exit says why."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edge_uploader.shell.children import ChildProcess
from footage.installation import CHILD_VAR, MARK_VAR

_SLEEPER = "import time; print('up', flush=True); time.sleep(60)"


def _wait(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def supervise() -> Iterator[Callable[[ChildProcess], None]]:
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(child: ChildProcess) -> None:
        thread = threading.Thread(target=child.run, args=(stop,), daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    stop.set()
    for thread in threads:
        thread.join(15)


def test_a_port_another_program_holds_is_named_and_the_child_waits(
    tmp_path: Path, supervise: Callable[[ChildProcess], None]
) -> None:
    holder = socket.create_server(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    started = tmp_path / "started"
    code = f"open({str(started)!r}, 'w').close(); import time; time.sleep(60)"
    child = ChildProcess("api", [sys.executable, "-c", code], tmp_path, (("127.0.0.1", port),))
    supervise(child)

    _wait(lambda: child.status.state == "port busy")
    error = child.status.last_error or ""
    assert f"cannot bind 127.0.0.1:{port}" in error and f"held by pid {os.getpid()}" in error
    assert not started.exists() and child.status.pid is None
    holder.close()
    _wait(lambda: child.status.state == "running" and started.exists())
    assert child.status.last_error is None and child.status.pid is not None


def test_a_child_that_exits_says_why(
    tmp_path: Path, supervise: Callable[[ChildProcess], None]
) -> None:
    lines = [
        "INFO:     Started server process",
        "ERROR:    [Errno 98] error while attempting to bind on address "
        "('127.0.0.1', 5001): address already in use",
        "INFO:     Waiting for application shutdown.",
    ]
    code = f"print({chr(10).join(lines)!r}); raise SystemExit(1)"
    child = ChildProcess("api", [sys.executable, "-c", code], tmp_path)
    supervise(child)

    _wait(lambda: child.status.state == "restarting")
    assert child.status.last_error == f"exited with 1: {lines[1]}"
    assert child.status.restarts >= 1


def test_what_a_dead_run_left_is_stopped_before_the_child_starts_again(
    tmp_path: Path, supervise: Callable[[ChildProcess], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    installation = str(tmp_path)
    monkeypatch.setenv(MARK_VAR, installation)
    left = []
    for name in ("api", "relay"):  # a worker of a killed API; the relay's own tree
        env = {**os.environ, CHILD_VAR: name}
        proc = subprocess.Popen([sys.executable, "-c", _SLEEPER], stdout=subprocess.PIPE, env=env)
        assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
        left.append(proc)
    seen = tmp_path / "env"
    code = f"import os; open({str(seen)!r}, 'w').write(os.environ[{CHILD_VAR!r}]); {_SLEEPER}"
    child = ChildProcess("api", [sys.executable, "-c", code], tmp_path)
    try:
        supervise(child)
        _wait(lambda: seen.exists() and seen.read_text() == "api")
        assert left[0].wait(5) == -signal.SIGTERM
        assert left[1].poll() is None  # another child's tree is not touched
    finally:
        for proc in left:
            proc.kill()
            proc.wait()
