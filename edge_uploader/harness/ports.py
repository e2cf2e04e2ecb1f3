"""Free TCP ports for the simulated cameras, local servers, tests and benchmarks.

Ports come from below the kernel's ephemeral range (32768+), so no outgoing
connection takes one between the pick and the bind, and a port is never handed
out twice by one process: a camera and a relay started in the same run cannot
be given the same port. Another process may still take one (nothing holds it
between the pick and the bind), which is as good as picking gets without
passing bound sockets around.
"""

from __future__ import annotations

import random
import socket
import threading

#: Picks come from [LOW, HIGH): above the well-known and registered services most
#: machines run, below Linux's default ephemeral range (32768-60999).
LOW, HIGH = 20_000, 32_000

_given: set[int] = set()
_lock = threading.Lock()
_rng = random.Random()


class NoFreePort(RuntimeError):
    """No run of free ports was found below the ephemeral range."""


def _bindable(port: int, host: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port_block(count: int, host: str = "127.0.0.1") -> int:
    """The first of ``count`` consecutive ports, each free now and never handed out
    before by this process."""
    bases = range(LOW, HIGH - count + 1)
    # random picks first (two runs side by side rarely collide), then every base in
    # turn: a crowded range still yields the block it has
    tries = [_rng.randrange(LOW, HIGH - count + 1) for _ in range(min(200, len(bases)))]
    with _lock:
        for base in (*tries, *bases):
            block = range(base, base + count)
            if _given.intersection(block) or not all(_bindable(p, host) for p in block):
                continue
            _given.update(block)
            return int(base)
    raise NoFreePort(f"no {count} consecutive free ports in [{LOW}, {HIGH})")


def free_port(host: str = "127.0.0.1") -> int:
    """One port, free now and never handed out before by this process."""
    return free_port_block(1, host)
