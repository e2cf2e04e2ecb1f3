"""The log of a child of `vms up` (<data-dir>/logs/<name>.log): stdout and stderr
through the pump, appended across restarts, rotated to .1 past its limit."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from edge_uploader.shell import children
from edge_uploader.shell.children import ChildProcess
from footage.logfiles import LogCap, rotated

LINE = 'INFO:     127.0.0.1:50000 - "GET /api/status HTTP/1.1" 200 OK'


def test_a_child_log_is_rotated_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = LogCap(limit=16 * 1024, append=True)
    monkeypatch.setattr(children, "CHILD_LOG", cap)
    code = (
        "import sys, time\n"
        f"for i in range(3000): print(i, {LINE!r}, flush=True)\n"
        "print('to stderr too', file=sys.stderr, flush=True)\n"
        "time.sleep(60)"
    )
    child = ChildProcess("api", [sys.executable, "-c", code], tmp_path)
    log = child.log_path
    stop = threading.Event()
    thread = threading.Thread(target=child.run, args=(stop,), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while "to stderr too" not in _read(log):
            assert time.monotonic() < deadline, "the child's output never reached its log"
            time.sleep(0.05)
        assert child.status.state == "running"  # rotated under a child that runs on
        assert log.stat().st_size <= cap.limit + 200
        assert rotated(log).stat().st_size <= cap.limit + 200
        assert f"2999 {LINE}" in log.read_text()
    finally:
        stop.set()
        thread.join(15)


def _read(log: Path) -> str:
    """The log as it is now: rotation may rename it between a check and the read (CI
    once saw it exist, then not), and a new one is opened at once."""
    try:
        return log.read_text()
    except FileNotFoundError:
        return ""
