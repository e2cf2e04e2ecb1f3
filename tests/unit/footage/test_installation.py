"""An installation's processes: which carry its mark (a fake /proc), which a
sweep stops (real processes), and the instance lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from footage.guard import guarded
from footage.installation import (
    CHILD_VAR,
    MARK_VAR,
    InstanceLock,
    InstanceRunning,
    claim,
    clear,
    is_running,
    members,
)

OURS = "/srv/vms/var"


def _fake(proc: Path, pid: int, env: dict[str, str], exe: str = "/usr/bin/ffmpeg",
          cwd: str = "/", ppid: int = 1) -> Path:  # fmt: skip
    entry = proc / str(pid)
    entry.mkdir()
    (entry / "environ").write_bytes(b"".join(f"{k}={v}\0".encode() for k, v in env.items()))
    (entry / "cmdline").write_bytes(Path(exe).name.encode() + b"\0-i\0x\0")
    (entry / "stat").write_text(f"{pid} ({Path(exe).name}) S {ppid} {pid} {pid} 0")
    (entry / "exe").symlink_to(exe)
    (entry / "cwd").symlink_to(cwd)
    return entry


def test_marked_processes_are_found_by_installation_and_child(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    proc.mkdir()
    _fake(proc, 10, {MARK_VAR: OURS})
    _fake(proc, 11, {MARK_VAR: OURS, CHILD_VAR: "api"}, exe="/usr/bin/python3.11")
    _fake(proc, 12, {MARK_VAR: "/srv/other/var"})  # another installation
    _fake(proc, 13, {"PATH": "/usr/bin"})  # not ours
    _fake(proc, 14, {}, exe="/usr/sbin/nginx", cwd=f"{OURS}/relay")  # env rewritten
    _fake(proc, 15, {}, exe="/usr/sbin/nginx", cwd="/srv/other/var/relay")
    _fake(proc, 16, {}, exe="/usr/bin/bash", cwd=f"{OURS}/relay")  # a shell cd'ed there

    assert {m.pid for m in members(OURS, proc=proc)} == {10, 11, 14}
    assert [m.pid for m in members(OURS, child="api", proc=proc)] == [11]
    assert [(m.pid, m.child) for m in members(OURS, program="nginx", proc=proc)] == [(14, "relay")]
    assert [m.pid for m in members(OURS, child="relay", proc=proc)] == [14]


def test_another_users_process_is_never_ours(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root (as in CI)")
    proc = tmp_path / "proc"
    proc.mkdir()
    os.chown(_fake(proc, 10, {MARK_VAR: OURS}), 4242, 4242)
    assert members(OURS, proc=proc) == []


def test_the_caller_and_its_ancestors_are_spared(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    proc.mkdir()
    me, parent = os.getpid(), os.getppid()
    _fake(proc, me, {MARK_VAR: OURS}, ppid=parent)
    _fake(proc, parent, {MARK_VAR: OURS}, ppid=1)
    _fake(proc, 99999, {MARK_VAR: OURS}, ppid=me)  # a child is not spared
    assert [m.pid for m in members(OURS, proc=proc)] == [99999]


_SLEEPER = "import time; print('up', flush=True); time.sleep(60)"
_STUBBORN = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('up', flush=True); time.sleep(60)"
)


@pytest.fixture
def spawned() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        proc.kill()
        proc.wait()


def _spawn(procs: list[subprocess.Popen[bytes]], code: str, **env: str) -> subprocess.Popen[bytes]:
    base = {k: v for k, v in os.environ.items() if k not in (MARK_VAR, CHILD_VAR)}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            env={**base, **env})  # fmt: skip
    procs.append(proc)
    assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
    return proc


def test_a_sweep_stops_this_installations_processes_and_no_others(
    tmp_path: Path, spawned: list[subprocess.Popen[bytes]]
) -> None:
    ours, theirs = str(tmp_path / "ours"), str(tmp_path / "theirs")
    mine = _spawn(spawned, _SLEEPER, **{MARK_VAR: ours})
    api = _spawn(spawned, _SLEEPER, **{MARK_VAR: ours, CHILD_VAR: "api"})
    other = _spawn(spawned, _SLEEPER, **{MARK_VAR: theirs})
    plain = _spawn(spawned, _SLEEPER)

    assert [m.pid for m in clear(ours, child="api")] == [api.pid]
    assert api.wait(5) == -signal.SIGTERM and mine.poll() is None
    assert {m.pid for m in clear(ours)} == {mine.pid}
    assert mine.wait(5) == -signal.SIGTERM
    assert other.poll() is None and plain.poll() is None


def test_what_ignores_sigterm_is_killed_after_the_grace(
    tmp_path: Path, spawned: list[subprocess.Popen[bytes]]
) -> None:
    stubborn = _spawn(spawned, _STUBBORN, **{MARK_VAR: str(tmp_path)})
    began = time.monotonic()
    clear(str(tmp_path), grace_s=0.5)
    assert stubborn.wait(1) == -signal.SIGKILL
    assert 0.5 <= time.monotonic() - began < 3


_HOLD_LOCK = """
import sys, time
from pathlib import Path
from footage.installation import InstanceLock
InstanceLock(Path(sys.argv[1])).acquire()
print("up", flush=True)
time.sleep(60)
"""


def test_a_second_instance_is_refused_until_the_first_dies_even_by_kill_9(
    tmp_path: Path, spawned: list[subprocess.Popen[bytes]]
) -> None:
    first = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(tmp_path)],
                             stdout=subprocess.PIPE)  # fmt: skip
    spawned.append(first)
    assert first.stdout is not None and first.stdout.readline() == b"up\n"
    assert is_running(tmp_path)
    with pytest.raises(InstanceRunning, match=f"pid {first.pid}"):
        InstanceLock(tmp_path).acquire(wait_s=0.2)

    first.send_signal(signal.SIGKILL)
    first.wait(5)
    assert not is_running(tmp_path)  # the pid file stays, stale
    second = InstanceLock(tmp_path)
    second.acquire(wait_s=0.2)
    assert is_running(tmp_path) and (tmp_path / "vms.pid").read_text() == f"{os.getpid()}\n"
    second.release()
    assert not is_running(tmp_path)


def test_claim_clears_what_a_dead_run_left_and_marks_what_it_starts(
    tmp_path: Path, spawned: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MARK_VAR, raising=False)
    installation = str(tmp_path.resolve())
    left = _spawn(spawned, _SLEEPER, **{MARK_VAR: installation})
    with claim(tmp_path) as stale:
        assert [m.pid for m in stale] == [left.pid] and left.wait(5) == -signal.SIGTERM
        assert os.environ[MARK_VAR] == installation
        started = _spawn(spawned, _SLEEPER, **{MARK_VAR: os.environ[MARK_VAR]})
    assert started.wait(5) == -signal.SIGTERM  # nothing of ours outlives the instance
    assert MARK_VAR not in os.environ and not is_running(tmp_path)


#: Starts a child (argv) and, on SIGTERM, waits for it instead of passing the
#: signal on, as the relay waits for an ffprobe; exits 0 if the child got SIGTERM.
_WAITING_PARENT = """
import signal, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
child.stdout.readline()
def stop(*_):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once, as footage.procs.interrupt_once
    sys.exit(0 if child.wait() == -15 else 1)
signal.signal(signal.SIGTERM, stop)
print("up", flush=True)
signal.pause()
"""
#: Notes each SIGTERM in a file; exits 1.5 s after the first.
_SLOW_COUNTER = """
import signal, sys, time
seen = []
def note(signum, frame):
    seen.append(signum)
    open(sys.argv[1], "a").write("TERM\\n")
signal.signal(signal.SIGTERM, note)
print("up", flush=True)
while not seen:
    time.sleep(0.01)
time.sleep(1.5)
"""


def _start(procs: list[subprocess.Popen[bytes]], command: list[str], installation: str
           ) -> subprocess.Popen[bytes]:  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE,
                            env={**os.environ, MARK_VAR: installation})  # fmt: skip
    procs.append(proc)
    assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
    return proc


def test_a_parent_that_waits_for_its_child_does_not_hold_the_sweep_up(
    tmp_path: Path, spawned: list[subprocess.Popen[bytes]]
) -> None:
    sleeper = [sys.executable, "-c", _SLEEPER]
    parent = _start(spawned, [sys.executable, "-c", _WAITING_PARENT, *sleeper], str(tmp_path))
    began = time.monotonic()
    clear(str(tmp_path), grace_s=5)
    assert parent.wait(1) == 0  # its child got SIGTERM, a second after it did
    assert time.monotonic() - began < 2.5  # not the grace: no SIGKILL


def test_the_child_of_a_guard_hears_only_from_its_guard(
    tmp_path: Path, spawned: list[subprocess.Popen[bytes]]
) -> None:
    seen = tmp_path / "signals"
    command = guarded([sys.executable, "-c", _SLOW_COUNTER, str(seen)])
    guard = _start(spawned, command, str(tmp_path))
    clear(str(tmp_path), grace_s=5)  # the child still runs after the first second
    assert guard.wait(1) == 0
    assert seen.read_text().split() == ["TERM"]
