"""Strange clients against the served API, with nginx in front.

The web side of the on-prem stack, as ``vms up`` runs it: the relay (``python -m
streaming run``: nginx as streaming.nginx renders it, plus the live relays) on
relay.http_port, proxying to ``python -m functions.api.serve`` (2 worker
processes) on relay.api_port over nginx's keep-alive connections. Each client
here is a real source address (Linux routes 127.0.0.0/8 to loopback).

What broke before: a body Python's json takes and JSON does not (NaN, Infinity,
1e999999, a lone surrogate) crashed the validation error reply (500); the
exception reached uvicorn, which then closed that keep-alive connection, while
nginx was already sending the next request, another client's POST, down it:
nginx answered that client 502 (a POST is not retried on another connection).
nginx also kept idle connections to the API for 60 s, uvicorn only 5 s: a POST
sent just as uvicorn closed one met the same end (1 in 60 at ~5 s idle here).
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from edge_uploader.harness.ports import free_port_block
from footage.adapters.sqlite_users import SqliteUserStore
from footage.auth import Role
from footage.services.accounts import add_user
from tests.support.servers import stop, venv_script, wait_for_http

pytestmark = pytest.mark.integration
ADMIN_PASSWORD, SITI_PASSWORD = "admin-password-for-faults", "siti-password-for-faults"
BAD, OTHER = "127.0.0.2", "127.0.0.3"  # two clients of the LAN


@dataclass(frozen=True)
class Stack:
    http_port: int
    api_port: int
    admin: dict[str, str]  # the admin's Authorization header
    logs: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("bad-input")
    ports = free_port_block(6)  # http, api, rtmp; UDP feeds from +3
    config, data = tmp / "site.yaml", tmp / "var"
    config.write_text(yaml.safe_dump({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}, {"id": "CABANG-01", "name": "Cabang"}],
        "cameras": [{"id": "ho-lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://127.0.0.1:9/1"},
                    {"id": "cab-kasir", "site": "CABANG-01", "name": "Kasir",
                     "rtsp_url": "rtsp://127.0.0.1:9/2"}],
        "relay": {"http_port": ports, "api_port": ports + 1, "rtmp_port": ports + 2,
                  "feed_port": ports + 3},
    }))  # fmt: skip
    users = SqliteUserStore(data / "users.sqlite3")
    users.initialize()
    add_user(users, ["HO"], "siti", Role.VIEWER, ["HO"], SITI_PASSWORD, datetime.now(UTC))
    users.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VMS_", "FORWARDED_"))}
    env["VMS_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    common = ["--config", str(config), "--data-dir", str(data)]
    api_cmd = [sys.executable, "-m", "functions.api.serve", *common, "--port", str(ports + 1),
               "--workers", "2", "--web-dir", str(tmp / "no-viewer")]  # fmt: skip
    relay_cmd = [sys.executable, "-m", "streaming", "run", *common]
    with (tmp / "api.log").open("wb") as api_log, (tmp / "relay.log").open("wb") as relay_log:
        api = subprocess.Popen(api_cmd, stdout=api_log, stderr=subprocess.STDOUT, env=env)
        wait_for_http(f"http://127.0.0.1:{ports + 1}/api/health", api)  # keys made: now the relay
        relay = subprocess.Popen(relay_cmd, stdout=relay_log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for_http(f"http://127.0.0.1:{ports}/api/health", relay)
        token = _post(ports, OTHER, "/api/auth/login", _login_body("admin", ADMIN_PASSWORD))
        assert token[0] == 200, token
        admin = {"Authorization": f"Bearer {json.loads(token[1])['access_token']}"}
        yield Stack(ports, ports + 1, admin, tmp)
    finally:
        stop(relay)
        stop(api)


#: Bodies Python's json module reads (or FastAPI once answered 400 to with no word on
#: it) and strict JSON refuses; each has a field of each route's body.
NOT_JSON = {
    "nan": b'{"username": NaN, "password": "x", "camera": NaN}',
    "infinity": b'{"username": Infinity, "password": "x", "camera": Infinity}',
    "minus-infinity": b'{"username": -Infinity, "password": "x", "camera": -Infinity}',
    "huge-number": b'{"username": 1e999999, "password": "x", "camera": 1e999999}',
    "lone-surrogate": b'{"username": "\\ud800", "password": "x", "camera": "\\ud800"}',
    "deep-nesting": b"[" * 50_000 + b"]" * 50_000,
    "not-utf-8": b'{"username": "Jos\xe9", "password": "x", "camera": "Jos\xe9"}',
}
ROUNDS = 3  # before the fix, 18 of 20 such pairs gave the second client a 502


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/exports"])
@pytest.mark.parametrize("body", NOT_JSON.values(), ids=NOT_JSON.keys())
def test_non_standard_json_is_a_clean_400_and_the_next_client_is_served(
    stack: Stack, path: str, body: bytes
) -> None:
    """One client sends the body, another logs in right after it, through nginx."""
    for _ in range(ROUNDS):
        bad = _post(stack.http_port, BAD, path, body, stack.admin)
        other = _post(stack.http_port, OTHER, "/api/auth/login",
                      _login_body("siti", SITI_PASSWORD))  # fmt: skip
        assert (bad[0], other[0]) == (400, 200), (bad, other)
        detail = json.loads(bad[1].decode("utf-8", "strict"))["detail"]  # strict JSON, UTF-8
        assert detail.startswith("malformed JSON body: "), detail
        assert json.loads(other[1])["token_type"] == "bearer"


def test_nginx_not_uvicorn_ends_idle_connections_to_the_api(stack: Stack) -> None:
    """uvicorn closes a connection idle for 5 s; were nginx to keep it longer (its
    default: 60 s), a request sent as uvicorn closes it would meet a reset (a POST
    is not retried: 502, about 1 in 60 POSTs sent ~5 s after the last request).
    nginx must close first: its side of each idle connection ends in TIME_WAIT."""
    assert _post(stack.http_port, OTHER, "/api/exports", b"{}", stack.admin)[0] == 422
    idle = [c for c, state in _sockets().items() if c[1] == stack.api_port and state == "01"]
    assert idle, "nginx kept no connection to the API"
    time.sleep(3)  # past nginx's 2 s, short of uvicorn's 5 s
    after = _sockets()
    assert {c: after.get(c) for c in idle} == dict.fromkeys(idle, "06")  # 06: TIME_WAIT


def _sockets() -> dict[tuple[int, int], str]:
    """(local port, remote port) -> TCP state of every IPv4 socket on loopback."""
    states = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if local.startswith("0100007F") and remote.startswith("0100007F"):
            states[int(local[9:], 16), int(remote[9:], 16)] = state
    return states


def _login_body(username: str, password: str) -> bytes:
    return json.dumps({"username": username, "password": password}).encode()


def _post(
    port: int, source: str, path: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """(status, body) of one POST from ``source``, on a connection of its own."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        conn.request("POST", path, body, {"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


#: The operations whose valid-looking data our own rules may refuse (422): see below.
RULE_PATHS = (
    "^/api/(footage|audit|alerts|exports|evidence/holds(/.+)?|push/subscriptions|shares"
    "|cameras/.+/(playback.m3u8|thumbnails|coverage|renditions/.+))$"
)
#: schemathesis's configuration; every check it leaves out or widens says why.
SCHEMATHESIS_TOML = """
seed = 20261206
[generation]
database = "none"
max-examples = 40

[parameters]
# A camera that exists (its site has no footage here), so that footage, playback,
# thumbnails and live get past "no such camera" to their own logic.
"path.camera_id" = "ho-lobby"
"query.camera" = "ho-lobby"

[phases.coverage]
# TRACE is left out: nginx answers it itself, before any location or the API
# (a 405 without the Allow header RFC 9110 asks for: nginx hard-codes it). Every
# other method a path does not declare reaches the API, whose 405 names Allow.
unexpected-methods = ["get", "put", "post", "delete", "options", "patch", "query"]

[[operations]]
# Times and ranges: valid by the schema, yet refused (422) by rules JSON Schema
# cannot state: end after start, at most 2 hours (400 days for the audit), times
# between 2000 and 2200 in UTC. A 422 is a right answer to such valid-looking data;
# its body is still checked against the published schema. The same for an evidence
# hold (end after start; a hold id is <camera>.<start ms>.<end ms> with the end
# after the start) and a rendition part (a segment id is a YYYYMMDDTHHMMSSZ stamp
# of a real date: 00000000T000000Z matches the pattern, names no time); the
# alerts since a time (2000..2200 too). A push
# subscription's endpoint must be an https push service (FCM, Mozilla, Apple,
# Windows), and a shared clip spans at most sharing.max_minutes.
# The stateful phase (it chains GET /api/alerts to an acknowledge) reads its own
# phase settings first, so the same answers are stated for it.
include-path-regex = "RULE_PATHS"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "422",
                                                     "429"]
phases.stateful.checks.positive_data_acceptance.expected-statuses = [
    "2xx", "3xx", "401", "403", "404", "409", "422", "429"]
"""


@pytest.mark.slow
def test_schemathesis_with_all_checks_through_nginx(stack: Stack, tmp_path: Path) -> None:
    """Every check schemathesis has, on generated valid and invalid requests of every
    operation, as the admin (and with no or a bad token, to check 401s)."""
    (tmp_path / "schemathesis.toml").write_text(SCHEMATHESIS_TOML.replace("RULE_PATHS", RULE_PATHS))
    command = [str(venv_script("schemathesis")), "--config-file", "schemathesis.toml", "run",
               f"http://127.0.0.1:{stack.http_port}/api/openapi.json", "--checks", "all",
               "--workers", "1", "--no-color", "-H",
               f"Authorization: {stack.admin['Authorization']}"]  # fmt: skip
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-60000:] + run.stderr[-2000:]
    assert "29 selected / 29 total" in run.stdout, run.stdout[-2000:]
