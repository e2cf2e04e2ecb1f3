"""One installation's processes: locked, marked, and cleared after a crash.

* **The instance lock.** ``vms up`` holds ``<data-dir>/vms.pid`` locked
  (``flock``) while it runs; the kernel drops the lock the moment its holder
  dies, even on kill -9. A second ``vms up`` on the same data dir therefore
  refuses to start instead of fighting the live one.
* **The mark.** Every process ``vms up`` starts, and every process those start,
  inherits ``VMS_INSTALLATION=<the data dir, resolved>``; the tree of a
  supervised child also ``VMS_CHILD=<its name>``. nginx overwrites its
  environment with its process title, so an nginx is known by its working
  directory instead: ``<data-dir>/<child>`` (the relay runs it in
  ``<data-dir>/relay``).
* **The sweep.** Children die with their parent (footage.procs.die_with_parent),
  but a grandchild (nginx's and uvicorn's workers) or a child caught mid-start
  can outlive a kill -9 and keep ports and files. So whoever holds the lock
  clears every process carrying this installation's mark before it starts
  anything (SIGTERM, then SIGKILL): with the lock free, none of them belongs to
  a running instance. A supervisor does the same for one child's mark before
  it restarts that child.

Only processes of this user, with this installation's own mark, are signalled;
never the caller or its ancestors.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import select
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from footage.guard import GUARD_SCRIPT

log = logging.getLogger(__name__)
MARK_VAR = "VMS_INSTALLATION"
CHILD_VAR = "VMS_CHILD"
LOCK_NAME = "vms.pid"
PROC = Path("/proc")
#: Seconds a stale tree's root has to stop its own children before they are signalled.
_SETTLE_S = 1.0
#: Programs that overwrite their environment (process title): known by their cwd.
_TITLE_REWRITERS = frozenset({"nginx"})


class InstanceRunning(RuntimeError):
    """Another live process holds the installation's lock."""

    def __init__(self, lock_path: Path, pid: int | None) -> None:
        self.pid = pid
        who = f"pid {pid}" if pid else "another process"
        super().__init__(f"vms up is already running on {lock_path.parent} ({who})")


@dataclass(frozen=True, slots=True)
class Member:
    """A process carrying an installation's mark."""

    pid: int
    child: str | None  # the supervised child whose tree it is in, if any
    program: str  # the executable's file name
    command: str  # its command line, for messages


def installation_id(data_dir: Path) -> str:
    return str(data_dir.resolve())


def child_env(name: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a supervised child: ours plus its name."""
    return {**(os.environ if base is None else base), CHILD_VAR: name}


def membership(pid: int, installation: str, proc: Path = PROC) -> Member | None:
    """The process if it carries ``installation``'s mark, else None (gone, another
    installation or user, or no mark)."""
    root = proc / str(pid)
    try:
        if root.stat().st_uid != os.geteuid():
            return None
        env = _environ(root / "environ")
        program = (root / "exe").readlink().name.removesuffix(" (deleted)")
        command = (root / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        if env.get(MARK_VAR) == installation:
            return Member(pid, env.get(CHILD_VAR), program, command.strip())
        if program in _TITLE_REWRITERS:
            where = (root / "cwd").readlink().relative_to(installation)
            return Member(pid, where.parts[0] if where.parts else None, program, command.strip())
    except (OSError, ValueError):  # gone, not ours to read, or cwd elsewhere
        return None
    return None


def _environ(path: Path) -> dict[str, str]:
    pairs = path.read_bytes().split(b"\0")
    return dict(item.decode(errors="replace").split("=", 1) for item in pairs if b"=" in item)


def members(
    installation: str,
    *,
    child: str | None = None,
    program: str | None = None,
    proc: Path = PROC,
) -> list[Member]:
    """Every process with the mark (of ``child``'s tree, running ``program``, when
    given), except this process and its ancestors."""
    spared = _lineage(os.getpid(), proc)
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) in spared:
            continue
        member = membership(int(entry.name), installation, proc)
        if member is None or (child is not None and member.child != child):
            continue
        if program is None or member.program == program:
            found.append(member)
    return found


def _lineage(pid: int, proc: Path) -> set[int]:
    """``pid`` and its ancestors."""
    seen: set[int] = set()
    while pid > 0 and pid not in seen:
        seen.add(pid)
        pid = _parent(pid, proc)
    return seen


def clear(
    installation: str,
    *,
    child: str | None = None,
    program: str | None = None,
    grace_s: float = 3.0,
) -> list[Member]:
    """Stop every process :func:`members` finds, the way each expects:

    * each tree's root gets SIGTERM (and SIGCONT, for a paused one), and passes
      it on (nginx and uvicorn to their workers, the relay to its ffmpegs);
    * a second later, whatever still runs gets it too (a parent may be waiting
      for its child instead: the relay for an ffprobe), except the child of a
      guard (footage.guard): a second SIGTERM makes ffmpeg drop what it has
      buffered;
    * whatever still runs after ``grace_s`` gets SIGKILL.

    Returns them once they are gone."""
    found = members(installation, child=child, program=program)
    handles = {fd: m for m in found if (fd := _pidfd(m, installation)) is not None}
    try:
        by_pid = {m.pid: m for m in found}
        started = time.monotonic()
        for fd, member in handles.items():
            if _parent(member.pid) not in by_pid:
                _send(fd, signal.SIGTERM, signal.SIGCONT)
        left = _wait_exit(list(handles), started + min(_SETTLE_S, grace_s))
        for fd in left:
            if not _guarded(handles[fd], by_pid):
                _send(fd, signal.SIGTERM, signal.SIGCONT)
        _kill(_wait_exit(left, started + grace_s), handles, grace_s)
    finally:
        for fd in handles:
            os.close(fd)
    return found


def _guarded(member: Member, by_pid: dict[int, Member]) -> bool:
    parent = by_pid.get(_parent(member.pid))
    return parent is not None and GUARD_SCRIPT in parent.command


def _kill(fds: list[int], handles: dict[int, Member], grace_s: float) -> None:
    if fds:
        names = ", ".join(f"{handles[fd].pid} ({handles[fd].program})" for fd in fds)
        log.warning("still running %.0f s after SIGTERM, killed: %s", grace_s, names)
    for fd in fds:
        _send(fd, signal.SIGKILL)
    _wait_exit(fds, time.monotonic() + 5.0)


def _pidfd(member: Member, installation: str) -> int | None:
    """A pidfd of ``member``, checked again after opening it (so a reused pid is
    never signalled), or None if it is gone."""
    try:
        fd = os.pidfd_open(member.pid)
    except OSError:
        return None
    if membership(member.pid, installation) is None:
        os.close(fd)
        return None
    return fd


def _parent(pid: int, proc: Path = PROC) -> int:
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return 0
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def _send(fd: int, *signums: signal.Signals) -> None:
    for signum in signums:
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(fd, signum)


def _wait_exit(fds: list[int], deadline: float) -> list[int]:
    """Wait until each pidfd's process has exited or the deadline; those still running."""
    left = list(fds)
    while left:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        ready, _, _ = select.select(left, [], [], remaining)
        left = [fd for fd in left if fd not in ready]
    return left


class InstanceLock:
    """``<data-dir>/vms.pid``, held with flock by the running ``vms up``."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self, wait_s: float = 2.0) -> None:
        """Take the lock (waiting ``wait_s`` for :func:`is_running` of a ``vms status``
        to let go) and write our pid; InstanceRunning if a live instance holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise InstanceRunning(self.path, _read_pid(self.path)) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the lock
            self._fd = None


def is_running(data_dir: Path) -> bool:
    """Whether a live ``vms up`` holds ``data_dir``'s lock (its pid file may be
    stale: a kill -9 leaves it behind, the lock goes with the process)."""
    try:
        fd = os.open(data_dir / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def claim(data_dir: Path, grace_s: float = 3.0) -> Iterator[list[Member]]:
    """Run as this installation's instance: take the lock, clear what an earlier
    run left, and mark this process (so every child inherits the mark). On exit,
    clear anything of ours still running, then let the lock go."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = InstanceLock(data_dir)
    lock.acquire()
    installation = installation_id(data_dir)
    previous = os.environ.get(MARK_VAR)
    try:
        stale = clear(installation, grace_s=grace_s)
        os.environ[MARK_VAR] = installation
        yield stale
    finally:
        clear(installation, grace_s=grace_s)
        if previous is None:
            os.environ.pop(MARK_VAR, None)
        else:
            os.environ[MARK_VAR] = previous
        lock.release()
