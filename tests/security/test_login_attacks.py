"""Attacks on the on-prem login, from the office LAN.

The attacker has no account. They reach the login (through nginx, or the API
port itself), hold a few addresses of their own, forge any header (such as
``X-Forwarded-For``) and send as many requests in parallel as they like. They
want to guess the admin's password, or at least lock the real admin out.

The API runs as in production: ``python -m functions.api.serve`` with 3 worker
processes (one server for the module: each test attacks its own admin account
from its own addresses). Each client here is a real source address: Linux
routes all of 127.0.0.0/8 to loopback, so a socket bound to 127.0.0.3 is
another client.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from footage.adapters.sqlite_users import SqliteUserStore
from footage.auth import Role
from footage.services.accounts import add_user
from tests.support import servers

PASSWORD = "the-real-admin-pw"
DESK = "127.0.0.2"  # the real admin's machine
ATTACKER = "127.0.0.3"


@dataclass(frozen=True)
class Api:
    port: int
    data_dir: Path


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp_path = tmp_path_factory.mktemp("login")
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}],
        "cameras": [{"id": "ho-lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"}],
    }))  # fmt: skip
    data, log = tmp_path / "var", tmp_path / "api.log"
    users = SqliteUserStore(data / "users.sqlite3")
    users.initialize()
    add_user(users, [], "ops", Role.ADMIN, [], PASSWORD, datetime.now(UTC))
    add_user(users, ["HO"], "siti", Role.VIEWER, ["HO"], PASSWORD, datetime.now(UTC))
    users.close()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("VMS_ADMIN_PASSWORD", PASSWORD)
        for key in ("VMS_SIGNING_KEY", "VMS_TOKEN_KEY", "VMS_LIVE_KEY", "FORWARDED_ALLOW_IPS"):
            env.delenv(key, raising=False)
        yield from _serve(config, data, log)


def _serve(config: Path, data: Path, log: Path) -> Iterator[Api]:

    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "functions.api.serve", "--config", str(config),
                "--data-dir", str(data), "--port", str(port), "--workers", "3",
                "--web-dir", str(log.parent / "no-viewer")]  # fmt: skip

    proc, url = servers.start_server(command, "/api/health", log)
    try:
        _wait_for_workers(log, 3)
        yield Api(int(url.rsplit(":", 1)[1]), data)
    finally:
        servers.stop(proc)


def test_forty_parallel_guesses_over_three_workers_check_at_most_five(api: Api) -> None:
    """One client sends 40 wrong passwords for admin at once, each with a forged
    X-Forwarded-For: at most 5 reach the password check, in any worker; the rest
    get 429 with Retry-After. The real admin, at another address, still logs in."""
    guesses = [(f"guess-{n:04d}-xx", {"X-Forwarded-For": f"10.9.{n}.1"}) for n in range(40)]
    answers = _in_parallel(api, ATTACKER, guesses)
    checked = [a for a in answers if a.status == 401]  # only a checked password gets 401
    limited = [a for a in answers if a.status == 429]
    assert 1 <= len(checked) <= 5, sorted(a.status for a in answers)
    assert len(checked) + len(limited) == 40
    assert all(a.retry_after is not None and int(a.retry_after) >= 1 for a in limited)
    assert _failures_by_client(api) == {ATTACKER: len(checked)}  # the forged header is ignored
    assert _login(api, DESK, "admin", PASSWORD).status == 200
    assert _login(api, ATTACKER, "admin", PASSWORD).status == 429  # locked there, for now


def test_a_spray_from_many_addresses_slows_strangers_but_not_the_admins_own_desk(
    api: Api,
) -> None:
    """Two attacker addresses use up their 5 guesses each: 10 failures for the
    admin ``ops`` start the global back-off, so a new address waits even with the
    right password, while the desk ops logged in from before is never held up."""
    desk = "127.0.0.12"
    assert _login(api, desk, "ops", PASSWORD).status == 200
    for attacker in ("127.0.0.13", "127.0.0.14"):
        for n in range(5):
            assert _login(api, attacker, "ops", f"guess-{n}-xxxxx").status == 401
    for stranger in ("127.0.0.15", "127.0.0.16", "127.0.0.17"):
        answer = _login(api, stranger, "ops", PASSWORD)
        assert answer.status == 429 and answer.retry_after is not None
        assert int(answer.retry_after) >= 1
    for _ in range(3):
        assert _login(api, desk, "ops", PASSWORD).status == 200


def test_behind_nginx_each_lan_client_counts_as_itself(api: Api) -> None:
    """nginx connects from 127.0.0.1 and sets X-Forwarded-For to the LAN client's
    address: the API must key on that, or one guesser behind nginx would lock
    every user out. siti's PC stays usable while the guesser's PC is locked."""
    nginx, guesser, pc = "127.0.0.1", {"X-Forwarded-For": "10.20.30.40"}, "10.20.30.41"
    for n in range(5):
        assert _login(api, nginx, "siti", f"guess-{n}-xxxxx", guesser).status == 401
    assert _login(api, nginx, "siti", PASSWORD, guesser).status == 429
    assert _login(api, nginx, "siti", PASSWORD, {"X-Forwarded-For": pc}).status == 200


def _login(
    api: Api, source: str, username: str, password: str, headers: dict[str, str] | None = None
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=30, source_address=(source, 0))
    try:
        return _post_login(conn, username, password, headers or {})
    finally:
        conn.close()


def _post_login(
    conn: http.client.HTTPConnection, username: str, password: str, headers: dict[str, str]
) -> Answer:
    body = json.dumps({"username": username, "password": password})
    conn.request("POST", "/api/auth/login", body, {"Content-Type": "application/json", **headers})
    response = conn.getresponse()
    response.read()
    return Answer(response.status, response.getheader("Retry-After"))


def _in_parallel(api: Api, source: str, guesses: list[tuple[str, dict[str, str]]]) -> list[Answer]:
    """Every guess on its own connection, all sent at the same moment."""
    gate = threading.Barrier(len(guesses))

    def guess(password: str, headers: dict[str, str]) -> Answer:
        conn = http.client.HTTPConnection(
            "127.0.0.1", api.port, timeout=60, source_address=(source, 0)
        )
        try:
            conn.connect()
            gate.wait()
            return _post_login(conn, "admin", password, headers)
        finally:
            conn.close()

    with ThreadPoolExecutor(len(guesses)) as pool:
        return list(pool.map(lambda g: guess(*g), guesses))


def _failures_by_client(api: Api) -> dict[str, int]:
    """Failed logins for admin as the shared store (users.sqlite3) counted them."""
    with sqlite3.connect(api.data_dir / "users.sqlite3") as db:
        rows = db.execute(
            "SELECT client, COUNT(*) FROM login_attempts "
            "WHERE username = 'admin' AND pending = 0 GROUP BY client"
        ).fetchall()
    return dict(rows)


def _wait_for_workers(log: Path, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.read_text().count("Application startup complete") >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{count} workers did not start; see {log}")
