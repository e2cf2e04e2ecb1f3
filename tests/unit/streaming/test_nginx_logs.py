"""nginx's logs under <data-dir>/relay/logs are rotated past their limits, and
nginx is asked to reopen them only if the pid file names an nginx on our config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from footage.logfiles import NGINX_LOGS, rotated
from streaming import nginx_logs
from streaming.nginx import RelayPaths
from streaming.nginx_logs import NginxLogs, before_start, reopen_logs


@pytest.fixture
def paths(tmp_path: Path) -> RelayPaths:
    relay = RelayPaths(tmp_path / "relay")
    relay.logs.mkdir(parents=True)
    return relay


def test_logs_past_their_limit_are_rotated_and_nginx_told(
    paths: RelayPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[RelayPaths] = []
    monkeypatch.setattr(nginx_logs, "reopen_logs", lambda p: told.append(p) or True)
    access, error = paths.logs / "access.log", paths.logs / "error.log"
    access.write_bytes(b"a" * (NGINX_LOGS["access.log"].limit + 1))
    error.write_bytes(b"e" * 100)
    live = paths.live_log
    live.write_bytes(b"l" * (5 << 20))  # its reader cuts it (streaming.demand), not this
    logs = NginxLogs(paths, every_s=5.0)
    assert logs.tick(100.0) == ["access.log"] and told == [paths]
    assert rotated(access).stat().st_size > NGINX_LOGS["access.log"].limit
    assert not access.exists() and error.stat().st_size == 100 and live.exists()
    access.write_bytes(b"a" * (NGINX_LOGS["access.log"].limit + 1))
    assert logs.tick(103.0) == []  # checked every 5 s
    assert logs.tick(105.0) == ["access.log"] and len(told) == 2


def test_stderr_log_rotated_before_each_start(paths: RelayPaths) -> None:
    path = paths.logs / "nginx.stderr.log"
    path.write_bytes(b"x" * (NGINX_LOGS[path.name].limit + 1))
    assert before_start(paths) == path and not path.exists() and rotated(path).exists()
    path.write_bytes(b"small")
    before_start(paths)
    assert path.read_bytes() == b"small"


def test_reopen_signals_nothing_but_our_nginx(paths: RelayPaths) -> None:
    assert reopen_logs(paths) is False  # no pid file
    paths.pid.write_text("not a pid\n")
    assert reopen_logs(paths) is False
    paths.pid.write_text(f"{os.getpid()}\n")  # a stale pid file naming another program
    assert reopen_logs(paths) is False  # this test survives: SIGUSR1 would have killed it
