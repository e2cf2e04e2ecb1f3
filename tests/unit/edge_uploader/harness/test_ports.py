"""Ports handed to cameras, relays and servers: free, below the ephemeral range and
never the same twice in one run (the live-latency bench once gave its relay the
port a camera already held)."""

from __future__ import annotations

import random
import socket

import pytest

from edge_uploader.harness import ports


def test_one_run_never_gets_the_same_port_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    # A narrow range makes a repeat certain if picks were only "free right now".
    monkeypatch.setattr(ports, "_given", set())
    monkeypatch.setattr(ports, "LOW", 24_000)
    monkeypatch.setattr(ports, "HIGH", 24_040)
    picked = [ports.free_port() for _ in range(20)]
    assert len(set(picked)) == 20
    assert all(24_000 <= p < 24_040 for p in picked)


def test_a_block_is_consecutive_and_overlaps_no_earlier_pick(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ports, "_given", set())
    monkeypatch.setattr(ports, "LOW", 24_100)
    monkeypatch.setattr(ports, "HIGH", 24_200)
    # the bookkeeping, not the machine: in CI other services held ports of this range
    monkeypatch.setattr(ports, "_bindable", lambda port, host: True)
    # seeded: 10 random singles in 30 ports once left no 5 consecutive free ones
    monkeypatch.setattr(ports, "_rng", random.Random(7))
    single = {ports.free_port() for _ in range(10)}
    base = ports.free_port_block(5)
    assert single.isdisjoint(range(base, base + 5))


def test_a_crowded_range_still_yields_its_only_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Random picks alone missed a 5-port block that a 30-port range still had (CI);
    here one block is left in 3,000 ports, which 200 random picks nearly always miss."""
    given = set(range(24_300, 27_300)) - set(range(26_017, 26_022))
    monkeypatch.setattr(ports, "_given", given)
    monkeypatch.setattr(ports, "LOW", 24_300)
    monkeypatch.setattr(ports, "HIGH", 27_300)
    assert ports.free_port_block(5) == 26_017
    with pytest.raises(ports.NoFreePort):
        ports.free_port_block(1)


def test_a_port_in_use_is_not_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ports, "_given", set())
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 24_200))
        held.listen()
        monkeypatch.setattr(ports, "LOW", 24_200)
        monkeypatch.setattr(ports, "HIGH", 24_202)
        assert ports.free_port() == 24_201
        with pytest.raises(ports.NoFreePort):
            ports.free_port()


def test_picks_stay_below_the_kernel_ephemeral_range() -> None:
    assert ports.HIGH <= 32_768
    assert ports.free_port() < 32_768
