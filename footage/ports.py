"""Who holds a TCP port: the reason a server cannot start, in words.

``bind_error`` tries the bind a server would do (SO_REUSEADDR, so a port left
in TIME_WAIT is free) and, when it fails, names the process listening there
(from ``/proc/net/tcp*`` and each process's open sockets). Another user's
process is only visible to root; then the message says so.
"""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_LISTEN = "0A"


@dataclass(frozen=True, slots=True)
class Listener:
    pid: int
    command: str


def bind_error(host: str, port: int, proc: Path = PROC) -> str | None:
    """Why ``host:port`` cannot be bound now, or None if it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            holder = listener(port, proc)
            who = f"pid {holder.pid} ({holder.command})" if holder else "a process not visible here"
            return f"cannot bind {host}:{port}: {exc.strerror or exc}; held by {who}"
    return None


def listener(port: int, proc: Path = PROC) -> Listener | None:
    """A process with a socket listening on TCP ``port`` (any address), if visible."""
    inodes = listening_inodes(port, proc)
    if not inodes:
        return None
    for entry in proc.iterdir():
        if entry.name.isdigit() and _holds(entry, inodes):
            with contextlib.suppress(OSError):
                raw = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                return Listener(
                    int(entry.name), " ".join(raw.decode(errors="replace").split())[:200]
                )
    return None


def listening_inodes(port: int, proc: Path = PROC) -> set[str]:
    """Socket inodes of the TCP listeners on ``port`` (IPv4 and IPv6)."""
    found = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (proc / "net" / table).read_text().splitlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == _LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                    found.add(inode)
    return found


def _holds(process: Path, inodes: set[str]) -> bool:
    try:
        for fd in (process / "fd").iterdir():
            with contextlib.suppress(OSError):
                target = str(fd.readlink())
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return True
    except OSError:
        return False
    return False
