"""A slow link for tests: a network namespace joined by a veth pair whose edge
side is shaped with ``tc tbf``, like a branch uplink. Needs root (CI runs as
root); only the namespace and links created here are touched.

    with shaped_link(8) as link:            # 8 Mbit/s from the edge to link.server_ip
        with moto_in(link, log_dir) as url: # a moto server inside the namespace
            ...
"""

from __future__ import annotations

import contextlib
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import ServerStartError, stop, venv_script, wait_for_http

#: The tests' branch uplink, Mbit/s.
LINK_MBIT = 8


@dataclass(frozen=True, slots=True)
class ShapedLink:
    namespace: str
    edge_device: str
    edge_ip: str
    server_ip: str
    mbit: float


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True)


def _tbf(mbit: float) -> list[str]:
    # burst: 10 ms of the rate (at least one 1500-byte packet); latency: queue up to 200 ms
    burst = max(1600, int(mbit * 1_000_000 / 8 * 0.01))
    return ["tbf", "rate", f"{mbit}mbit", "burst", str(burst), "latency", "200ms"]


@contextlib.contextmanager
def shaped_link(mbit: float) -> Iterator[ShapedLink]:
    tag = uuid.uuid4().hex[:6]
    namespace, edge, far = f"vms-{tag}", f"vmse{tag}", f"vmsf{tag}"
    octet = int(tag[:2], 16) % 250 + 1  # 10.<octet>.<x>.0/30: unlikely to clash
    edge_ip, server_ip = f"10.{octet}.{int(tag[2:4], 16)}.1", f"10.{octet}.{int(tag[2:4], 16)}.2"
    _run("ip", "netns", "add", namespace)
    try:
        _run("ip", "link", "add", edge, "type", "veth", "peer", "name", far)
        _run("ip", "link", "set", far, "netns", namespace)
        _run("ip", "addr", "add", f"{edge_ip}/30", "dev", edge)
        _run("ip", "link", "set", edge, "up")
        inside = ["ip", "netns", "exec", namespace]
        _run(*inside, "ip", "addr", "add", f"{server_ip}/30", "dev", far)
        _run(*inside, "ip", "link", "set", far, "up")
        _run(*inside, "ip", "link", "set", "lo", "up")
        _run("tc", "qdisc", "add", "dev", edge, "root", *_tbf(mbit))
        yield ShapedLink(namespace, edge, edge_ip, server_ip, mbit)
    finally:
        subprocess.run(["ip", "link", "del", edge], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)


@contextlib.contextmanager
def outage(link: ShapedLink) -> Iterator[None]:
    """The far end goes dark, as when a branch's WAN drops: packets are lost, so
    connections hang until they time out (not refused at once); then it returns."""
    inside = ["ip", "netns", "exec", link.namespace, "ip", "link", "set"]
    far = f"vmsf{link.edge_device.removeprefix('vmse')}"
    _run(*inside, far, "down")
    try:
        yield
    finally:
        _run(*inside, far, "up")


@contextlib.contextmanager
def lossy(link: ShapedLink, loss_pct: int) -> Iterator[None]:
    """A poor WAN for a while: the kernel drops ``loss_pct`` % of the packets the
    edge sends over the link, at random (nftables: this kernel has no netem; the
    delay of a WAN comes from tests/support/delay_line.py)."""
    table = f"vms_loss_{link.edge_device}"
    _run("nft", "add", "table", "inet", table)
    try:
        _run("nft", "add", "chain", "inet", table, "out",
             "{ type filter hook postrouting priority 0; }")  # fmt: skip
        _run("nft", "add", "rule", "inet", table, "out", "oifname", link.edge_device,
             "numgen", "random", "mod", "100", "<", str(loss_pct), "drop")  # fmt: skip
        yield
    finally:
        subprocess.run(["nft", "delete", "table", "inet", table], capture_output=True, check=False)


def set_rate(link: ShapedLink, mbit: float) -> None:
    """Change the link's rate in place (the queue and open connections stay)."""
    _run("tc", "qdisc", "change", "dev", link.edge_device, "root", *_tbf(mbit))


@contextlib.contextmanager
def moto_in(link: ShapedLink, log_dir: Path, port: int = 5000) -> Iterator[str]:
    """A moto server inside the link's namespace; its URL is reached through the shaping."""
    url = f"http://{link.server_ip}:{port}"
    command = ["ip", "netns", "exec", link.namespace, str(venv_script("moto_server")),
               "-H", link.server_ip, "-p", str(port)]  # fmt: skip
    with (log_dir / "moto-shaped.log").open("ab") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_http(url + "/moto-api/", proc, 30)
    except ServerStartError:
        stop(proc)
        raise
    try:
        yield url
    finally:
        stop(proc)
