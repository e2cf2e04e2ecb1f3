"""The process table as a fault test sees it: who is whose child, and who is
still alive. Read from /proc, so it works for any process tree, the stack's own
marks or not."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class Proc:
    pid: int
    ppid: int
    started: int  # clock ticks after boot: tells a reused pid apart
    program: str  # the executable's file name
    command: str

    @property
    def alive(self) -> bool:
        now = read(self.pid)
        return now is not None and now.started == self.started and not _zombie(self.pid)


def read(pid: int) -> Proc | None:
    root = PROC / str(pid)
    try:
        stat = (root / "stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        command = (root / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        program = (root / "exe").readlink().name.removesuffix(" (deleted)")
    except (OSError, ValueError):
        return None
    return Proc(pid, int(fields[1]), int(fields[19]), program, command.strip())


def _zombie(pid: int) -> bool:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] in "ZX"


def table() -> dict[int, Proc]:
    procs = (read(int(p.name)) for p in PROC.iterdir() if p.name.isdigit())
    return {p.pid: p for p in procs if p is not None}


def descendants(root: int, procs: dict[int, Proc]) -> list[Proc]:
    children: dict[int, list[Proc]] = {}
    for proc in procs.values():
        children.setdefault(proc.ppid, []).append(proc)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child.pid)
    return found


def carrying(variable: str, value: str) -> list[Proc]:
    """Processes whose environment holds ``variable=value`` (nginx rewrites its own)."""
    wanted = f"{variable}={value}".encode()
    found = []
    for entry in PROC.iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and wanted in (entry / "environ").read_bytes().split(b"\0"):
                proc = read(int(entry.name))
                if proc is not None and not _zombie(proc.pid):
                    found.append(proc)
    return found


def bind_failures(host: str, tcp: range, udp: range) -> list[str]:
    """The ports that cannot be bound now, as a server would (SO_REUSEADDR)."""
    failed = []
    for kind, ports in ((socket.SOCK_STREAM, tcp), (socket.SOCK_DGRAM, udp)):
        for port in ports:
            with socket.socket(socket.AF_INET, kind) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind((host, port))
                except OSError as exc:
                    failed.append(f"{'tcp' if kind == socket.SOCK_STREAM else 'udp'} {port}: {exc}")
    return failed
