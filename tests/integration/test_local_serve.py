"""The on-prem API server's process-level duties: one-time preparation (the admin
password is printed once) and export jobs that several worker processes share."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from footage.adapters.sqlite_users import SqliteUserStore
from footage.clock import FixedClock
from functions.api import serve
from functions.api.serve import LocalExports, build_local_app, prepare

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}],
        "cameras": [{"id": "ho-lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"}],
    }))  # fmt: skip
    return path


def test_prepare_creates_the_admin_once_and_prints_its_password_once(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VMS_ADMIN_PASSWORD", raising=False)
    data = tmp_path / "var"
    prepare(config, data, FixedClock(NOW))
    first = capsys.readouterr().out
    prepare(config, data, FixedClock(NOW))
    assert "created user 'admin' with password: " in first and capsys.readouterr().out == ""
    assert SqliteUserStore(data / "users.sqlite3").get("admin") is not None
    keys = sorted(p.name for p in (data / "secrets").iterdir())
    # the live key of each site is shared with the relay
    assert keys == ["api-token.key", "live-HO.key", "signing.key"]
    assert all((data / "secrets" / k).stat().st_mode & 0o777 == 0o600 for k in keys)


def test_an_export_runs_in_one_worker_process_only(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "var"
    prepare(config, data, FixedClock(NOW))
    runs: list[str] = []
    started = threading.Event()

    def slow_export(store, catalog, export_id, workdir, now, should_pause=None, **_):
        runs.append(export_id)
        started.set()
        time.sleep(1.0)
        return store.load(export_id)  # raises ExportNotFound: logged, the worker goes on

    monkeypatch.setattr(serve, "run_export", slow_export)
    app = build_local_app(config, data, None)
    context = app.state.context
    one = LocalExports(context.exports, context, data / "tmp")
    two = LocalExports(context.exports, context, data / "tmp")  # as in a second process

    one.launch("a" * 32)
    assert started.wait(5)
    two.launch("a" * 32)  # locked by the first: skipped
    two.launch("b" * 32)  # another job: runs
    deadline = time.monotonic() + 10
    while len(runs) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.2)
    assert sorted(runs) == ["a" * 32, "b" * 32]
