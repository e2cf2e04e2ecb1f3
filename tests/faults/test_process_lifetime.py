"""Process lifetime under `vms up`, one demo stack, in order:

1. a port another program holds: `vms status` names it, and the API starts
   once it is free;
2. a second `vms up` on the same data dir is refused and the first runs on;
3. kill -9 of the API's main process: its workers go with it and the API is
   back on its port;
4. kill -9 of `vms up` itself: every process of the stack ends (cameras, API
   workers, nginx workers included) and every port can be bound again.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.faults.stack import Stack, api_healthy, demo_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@dataclass
class Running:
    stack: Stack
    holder: socket.socket  # the API's port (base + 5), held by this test at the start

    def free_the_port(self) -> None:
        self.holder.close()
        assert api_healthy(self.stack.viewer, 60), self.stack.tail()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    stack = demo_stack(tmp_path_factory.mktemp("lifetime"))
    try:
        with socket.create_server(("127.0.0.1", stack.base + 5)) as holder:
            stack.start()
            stack.wait_recording(90)
            yield Running(stack, holder)
    finally:
        stack.kill_leftovers()


def _services(stack: Stack) -> dict[str, dict[str, object]]:
    done = stack.vms("status", "--json", timeout_s=60)
    assert done.returncode == 0, done.stderr
    services: dict[str, dict[str, object]] = json.loads(done.stdout).get("services", {})
    return services


def test_a_port_another_program_holds_is_named_in_status(running: Running) -> None:
    stack = running.stack
    deadline = time.monotonic() + 30
    while (api := _services(stack).get("api", {})).get("state") != "port busy":
        assert time.monotonic() < deadline, f"the API's state: {api}\n{stack.tail()}"
        time.sleep(1)
    error = str(api["last_error"])
    assert f"cannot bind 127.0.0.1:{stack.base + 5}" in error
    assert f"held by pid {os.getpid()}" in error
    running.free_the_port()
    deadline = time.monotonic() + 10  # the status file is rewritten every 2 s
    while _services(stack)["api"]["state"] != "running":
        assert time.monotonic() < deadline, _services(stack)
        time.sleep(1)


def test_a_second_vms_up_on_the_same_data_dir_is_refused(running: Running) -> None:
    stack = running.stack
    second = stack.vms("up", timeout_s=60)
    assert second.returncode == 1
    assert f"vms up is already running on {stack.data_dir}" in second.stderr
    assert stack.proc is not None and stack.proc.poll() is None
    assert api_healthy(stack.viewer, 10)


def test_kill_9_of_the_apis_main_process_takes_its_workers_along(running: Running) -> None:
    running.free_the_port()
    stack = running.stack
    main = stack.wait_for("api")
    worker = stack.wait_for("api-worker")
    assert main is not None and worker is not None
    os.kill(main.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while worker.alive and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not worker.alive, "a worker of the killed API main process serves on alone"
    assert api_healthy(stack.viewer, 30), stack.tail()
    back = stack.find("api")
    assert back is not None and back.pid != main.pid


def test_kill_9_of_vms_up_leaves_no_process_and_no_bound_port(running: Running) -> None:
    running.free_the_port()
    stack = running.stack
    for role in ("api-worker", "nginx-worker"):
        assert stack.wait_for(role) is not None, role  # the whole tree is remembered
    assert stack.proc is not None
    stack.proc.send_signal(signal.SIGKILL)
    stack.proc.wait(10)
    left, busy = stack.leftovers(timeout_s=10)
    assert left == [], f"processes of the stack outlived it: {left}"
    assert busy == [], f"ports still bound: {busy}"
