"""Crash loop: the demo stack under `vms up`, killed with -9 twenty times at random
(the supervisor, the API's main process and its workers, the relay, nginx's
master and workers); each dead supervisor is started again at once, exactly
as `make up` does (`vms up` on the same data dir).

Afterwards, with the stack stopped: no process of it is left and every port
can be bound again; every stored segment is indexed exactly once with its
SHA-256; each camera's timeline resumed within RESUME_S of each restart, and
no recording gap is longer; the API answered through nginx.

The seed is printed; VMS_CRASH_SEED=<seed> replays a run's order of kills.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.faults.stack import Stack, api_healthy, demo_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(420)]
CAMERAS = ("ho-lobby", "ho-gudang", "cab01-kasir", "cab01-pintu")
TARGETS = ("supervisor", "api", "api-worker", "relay", "nginx", "nginx-worker")
KILLS = 20
SEGMENT_S = 10
RESUME_S = 10.0


@dataclass(frozen=True, slots=True)
class Restart:
    killed_at: float  # wall clock (s), as the index's segment times
    started_at: float


def test_twenty_kill_9s_lose_nothing_leave_nothing_and_recording_resumes(tmp_path: Path) -> None:
    seed = int(os.environ.get("VMS_CRASH_SEED") or time.time_ns() % 2**32)
    print(f"crash loop seed {seed} (replay: VMS_CRASH_SEED={seed})")
    rng = random.Random(seed)
    stack = demo_stack(tmp_path, SEGMENT_S)
    began = time.monotonic()
    stack.start()
    restarts: list[Restart] = []
    try:
        stack.wait_recording(90)
        missing = _kill_loop(stack, rng, restarts)
        healthy = api_healthy(stack.viewer, 60)
        code = stack.stop()
        print(f"crash loop: {len(restarts)} restarts, {time.monotonic() - began:.0f} s")
        assert missing == [], missing
        assert healthy, f"the API never answered through nginx after the kills:\n{stack.tail()}"
        assert code == 0, stack.tail()
        left, busy = stack.leftovers()
        assert left == [], f"processes of the stack outlived it: {left}"
        assert busy == [], f"ports still bound after the stop: {busy}"
    finally:
        stack.kill_leftovers()
    segments = _settled_index(stack)
    _indexed_exactly_once(stack.data_dir, segments)
    _timeline_resumed(segments, restarts)


def _kill_loop(stack: Stack, rng: random.Random, restarts: list[Restart]) -> list[str]:
    """Each target at least twice, the rest at random; what could not be killed."""
    plan = [*TARGETS, *TARGETS]
    plan += [rng.choice(TARGETS) for _ in range(KILLS - len(plan))]
    rng.shuffle(plan)
    missing = []
    for number, target in enumerate(plan, 1):
        victim = stack.wait_for(target)
        if victim is None:
            missing.append(f"kill {number}: no {target} ran within 30 s")
            continue
        os.kill(victim.pid, signal.SIGKILL)
        killed_at = time.time()
        print(f"kill {number:2d} at {datetime.now(UTC):%H:%M:%S.%f}: {target:<12} pid {victim.pid}")
        if target == "supervisor":
            assert stack.proc is not None
            stack.proc.wait(10)
            stack.start()
            restarts.append(Restart(killed_at, time.time()))
            print(f"  restarted: every camera recording after {stack.wait_recording(60):.1f} s")
        time.sleep(rng.uniform(2.0, 4.0))
    return missing


@dataclass(frozen=True, slots=True)
class Indexed:
    camera: str
    key: str
    sha256: str
    start: float
    end: float


def _settled_index(stack: Stack) -> list[Indexed]:
    """The index once what the final stop left in the spool is uploaded (`vms
    upload drain`) and indexed (the ingest worker of the next start)."""
    from edge_uploader.shell.bootstrap import bootstrap
    from edge_uploader.workers import IngestWorker
    from footage.config_loader import load_config

    drained = stack.vms("upload", "drain", "--timeout", "120")
    assert drained.returncode == 0, drained.stderr
    runtime = bootstrap(load_config(stack.data_dir / "config.yaml"), stack.data_dir)
    runtime.catalog.initialize()
    worker = IngestWorker(runtime.journal.ingest, runtime.ingest_context(), runtime.clock)
    while worker.tick():
        pass
    listed = stack.vms("footage", "ls", "--json")
    assert listed.returncode == 0, listed.stderr
    return [
        Indexed(row["camera"], row["key"], row["sha256"], _epoch(row["start"]), _epoch(row["end"]))
        for row in json.loads(listed.stdout)
    ]


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _indexed_exactly_once(data_dir: Path, segments: list[Indexed]) -> None:
    storage = data_dir / "storage"
    stored = {
        str(path.relative_to(storage)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (storage / "segments").rglob("*.mp4")
    }
    keys = [s.key for s in segments]
    assert len(keys) == len(set(keys)), "a segment is indexed twice"
    starts = [(s.camera, s.start) for s in segments]
    assert len(starts) == len(set(starts)), "two rows of one camera start together"
    assert {s.key: s.sha256 for s in segments} == stored
    assert {s.camera for s in segments} == set(CAMERAS)


def _timeline_resumed(segments: list[Indexed], restarts: list[Restart]) -> None:
    worst_resume, worst_gap = 0.0, 0.0
    for camera in CAMERAS:
        own = sorted((s for s in segments if s.camera == camera), key=lambda s: s.start)
        for restart in restarts:
            after = [s.start for s in own if s.start >= restart.killed_at - 1.0]
            assert after, f"{camera} never recorded again after the restart at {restart}"
            resumed = max(0.0, min(after) - restart.started_at)
            assert resumed <= RESUME_S, f"{camera} resumed {resumed:.1f} s after a restart"
            worst_resume = max(worst_resume, resumed)
        gaps = [
            (later.start - earlier.end, earlier.key) for earlier, later in itertools.pairwise(own)
        ]
        gap, after_key = max(gaps, default=(0.0, ""))
        assert gap <= RESUME_S, f"{camera}: a {gap:.1f} s gap after {after_key} ({restarts})"
        worst_gap = max(worst_gap, gap)
    print(f"worst resume after a restart: {worst_resume:.1f} s; worst gap: {worst_gap:.1f} s")
