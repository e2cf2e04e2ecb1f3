"""The demo stack under `vms up`, driven as a fault test needs: started as `make
up` starts it, its processes found by role, and what it left behind checked.

Every process of a stack inherits the test's own mark (RUN_VAR), so leftovers
are found whatever the code under test does about its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from edge_uploader.harness.demo import DEMO_PORT_BLOCK, demo_config
from edge_uploader.harness.ports import free_port_block
from tests.faults import proctree

VMS = str(Path(sys.executable).parent / "vms")
RUN_VAR = "VMS_FAULT_TEST_RUN"


@dataclass
class Stack:
    """``vms up`` on one data dir with the demo's four cameras."""

    data_dir: Path
    base: int  # the demo's port block: cameras, viewer (+4), API (+5), RTMP, feeds
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    seen: dict[tuple[int, int], proctree.Proc] = field(default_factory=dict)

    @property
    def viewer(self) -> str:
        return f"http://127.0.0.1:{self.base + 4}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.command("up"), stdout=out,
                                         stderr=subprocess.STDOUT, env=self.env)  # fmt: skip

    def command(self, *args: str) -> list[str]:
        return [VMS, *args, "--data-dir", str(self.data_dir)]

    def vms(self, *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args), capture_output=True, text=True,
                              timeout=timeout_s, check=False, env=self.env)  # fmt: skip

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_recording(self, timeout_s: float) -> float:
        """Seconds until this supervisor reports every camera recording."""
        assert self.proc is not None
        began = time.monotonic()
        while time.monotonic() - began < timeout_s:
            if self.proc.poll() is not None:
                pytest.fail(f"vms up exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                status = json.loads((self.data_dir / "status.json").read_text())
            except (OSError, ValueError):
                status = {}
            states = {c: s["state"] for c, s in status.get("cameras", {}).items()}
            if status.get("pid") == self.proc.pid and set(states.values()) == {"recording"}:
                return time.monotonic() - began
            time.sleep(0.25)
        pytest.fail(f"cameras not recording {timeout_s:.0f} s after a start:\n{self.tail()}")

    def find(self, role: str) -> proctree.Proc | None:
        """The process playing ``role`` now: supervisor, api, api-worker, relay, nginx
        or nginx-worker (every process seen in the tree is remembered)."""
        assert self.proc is not None
        procs = proctree.table()
        tree = proctree.descendants(self.proc.pid, procs)
        self.seen |= {(p.pid, p.started): p for p in tree}
        if role == "supervisor":
            return procs.get(self.proc.pid)
        api = _child(tree, self.proc.pid, "functions.api.serve")
        relay = _child(tree, self.proc.pid, "streaming run")
        nginx = relay and _child(tree, relay.pid, "nginx: master")
        if role in ("api", "relay", "nginx"):
            return {"api": api, "relay": relay, "nginx": nginx}[role]
        parent = api if role == "api-worker" else nginx
        marker = "spawn_main" if role == "api-worker" else "worker process"
        return _child(tree, parent.pid, marker) if parent else None

    def wait_for(self, role: str, timeout_s: float = 30.0) -> proctree.Proc | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if (found := self.find(role)) is not None:
                return found
            time.sleep(0.2)
        return None

    def stop(self) -> int:
        """SIGTERM, as Ctrl-C; the exit code."""
        assert self.proc is not None
        self.find("supervisor")  # remember the last tree too
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(10)

    def leftovers(self, timeout_s: float = 10.0) -> tuple[list[str], list[str]]:
        """Processes of the stack still running and its ports still bound, once
        ``timeout_s`` has passed or both are empty."""
        deadline = time.monotonic() + timeout_s
        while True:
            alive = [p for p in self.seen.values() if p.alive]
            alive += proctree.carrying(RUN_VAR, self.env[RUN_VAR])
            left = sorted({f"{p.pid} {p.command[:100]}" for p in alive})
            feeds = range(self.base + 7, self.base + DEMO_PORT_BLOCK)
            busy = proctree.bind_failures("127.0.0.1", range(self.base, self.base + 7), feeds)
            if (not left and not busy) or time.monotonic() > deadline:
                return left, busy
            time.sleep(0.5)

    def kill_leftovers(self) -> None:
        """Cleanup after a failure: nothing of this stack may outlive its test."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for proc in [p for p in self.seen.values() if p.alive] + proctree.carrying(
            RUN_VAR, self.env[RUN_VAR]
        ):
            if proc.alive:
                os.kill(proc.pid, signal.SIGKILL)


def _child(tree: list[proctree.Proc], parent: int, marker: str) -> proctree.Proc | None:
    return next((p for p in tree if p.ppid == parent and marker in p.command), None)


def demo_stack(tmp_path: Path, segment_seconds: int = 10) -> Stack:
    """A data dir with the demo's config (`vms up` keeps a config it finds) on a
    free port block; not started."""
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    base = free_port_block(DEMO_PORT_BLOCK)
    config = demo_config(base, segment_seconds=segment_seconds)
    (data_dir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMS_")}
    env |= {"VMS_DEMO_PORT": str(base), "VMS_HTTP_PORT": str(base + 4),
            RUN_VAR: uuid.uuid4().hex}  # fmt: skip
    return Stack(data_dir, base, env, tmp_path / "up.log")


def api_healthy(viewer: str, timeout_s: float) -> bool:
    """Whether the API answers its health check through nginx within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{viewer}/api/health", timeout=5) as answer:
                if answer.status == 200 and json.load(answer)["status"] == "ok":
                    return True
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    return False
