"""The API over a real SQLite index and user store: login, tokens, per-site access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.adapters.sqlite_users import SqliteUserStore
from footage.auth import Role
from footage.clock import FixedClock
from footage.config import Config
from footage.keys import build_segment_key
from footage.models import Segment
from footage.ratelimit import LoginLimiter
from footage.services.accounts import add_user
from functions.api.app import create_app
from functions.api.deps import ApiContext

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
CONFIG = Config.model_validate({
    "sites": [{"id": "HO", "name": "Kantor Pusat"},
              {"id": "CABANG-01", "name": "Cabang 01", "timezone": "Asia/Makassar"}],
    "cameras": [{"id": "ho-lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"},
                {"id": "cab-kasir", "site": "CABANG-01", "name": "Kasir", "rtsp_url": "rtsp://h/2"}],
})  # fmt: skip
PASSWORDS = {"admin": "admin-password-1", "budi": "rahasia-cabang-01"}


@pytest.fixture
def api(tmp_path):
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    users = SqliteUserStore(tmp_path / "users.sqlite3")
    users.initialize()
    add_user(users, ["HO", "CABANG-01"], "admin", Role.ADMIN, [], PASSWORDS["admin"], NOW)
    add_user(users, ["HO", "CABANG-01"], "budi", Role.VIEWER, ["CABANG-01"], PASSWORDS["budi"], NOW)
    for camera, site in (("ho-lobby", "HO"), ("cab-kasir", "CABANG-01")):
        for minute in (0, 1, 2, 5):  # a 2-minute gap after minute 3
            start = NOW - timedelta(minutes=10 - minute)
            catalog.put_segment(Segment(camera, site, start, start + timedelta(minutes=1), 1000,
                                        "0" * 64, build_segment_key(site, camera, start),
                                        codec="h264", width=1920, height=1080,
                                        fps=15.0))  # fmt: skip
    clock = FixedClock(NOW)
    context = ApiContext(CONFIG, catalog, FilesystemStorage(tmp_path / "nas", b"k" * 32), clock,
                         b"t" * 32, users, LoginLimiter(max_failures=3))  # fmt: skip
    with TestClient(create_app(context)) as client:
        yield client, clock
    catalog.close()


def _login(client, name: str) -> dict[str, str]:
    response = client.post("/api/auth/login", json={"username": name, "password": PASSWORDS[name]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_branch_user_sees_only_its_branch(api):
    client, clock = api
    budi = _login(client, "budi")
    assert [s["id"] for s in client.get("/api/sites", headers=budi).json()] == ["CABANG-01"]
    cameras = client.get("/api/cameras", headers=budi).json()
    assert [(c["id"], c["timezone"]) for c in cameras] == [("cab-kasir", "Asia/Makassar")]
    assert cameras[0]["state"] == "recording"  # newest ended 4 min ago: 2 x 60 s + 120 s slack
    clock.advance(seconds=1)
    assert client.get("/api/cameras", headers=budi).json()[0]["state"] == "offline"
    ho = {
        "camera": "ho-lobby",
        "start": "2026-11-25T09:50:00+07:00",
        "end": "2026-11-25T10:00+07:00",
    }
    assert client.get("/api/footage", params=ho, headers=budi).status_code == 403
    admin = _login(client, "admin")
    assert len(client.get("/api/sites", headers=admin).json()) == 2
    assert client.get("/api/footage", params=ho, headers=admin).status_code == 200


def test_footage_lists_segments_and_gaps_in_the_range(api):
    client, _ = api
    params = {"camera": "cab-kasir", "start": "2026-11-25T10:50:00+08:00",
              "end": "2026-11-25T11:00:00+08:00"}  # fmt: skip
    body = client.get("/api/footage", params=params, headers=_login(client, "budi")).json()
    assert [s["start"] for s in body["segments"]] == [
        "2026-11-25T02:50:00Z", "2026-11-25T02:51:00Z", "2026-11-25T02:52:00Z",
        "2026-11-25T02:55:00Z",
    ]  # fmt: skip
    assert body["gaps"] == [
        {"start": "2026-11-25T02:53:00Z", "end": "2026-11-25T02:55:00Z"},
        {"start": "2026-11-25T02:56:00Z", "end": "2026-11-25T03:00:00Z"},
    ]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"camera": "nope", "start": "2026-11-25T00:00Z", "end": "2026-11-25T01:00Z"}, 404),
        ({"camera": "cab-kasir", "start": "2026-11-25T00:00", "end": "2026-11-25T01:00Z"}, 422),
        ({"camera": "cab-kasir", "start": "2026-11-25T01:00Z", "end": "2026-11-25T00:00Z"}, 422),
        ({"camera": "cab-kasir", "start": "2026-10-01T00:00Z", "end": "2026-11-25T00:00Z"}, 422),
        ({"camera": "cab-kasir", "start": "yesterday", "end": "2026-11-25T00:00Z"}, 422),
        ({"start": "2026-11-25T00:00Z", "end": "2026-11-25T01:00Z"}, 422),
    ],
)
def test_malformed_footage_queries_are_clear_errors(api, params, code):
    client, _ = api
    response = client.get("/api/footage", params=params, headers=_login(client, "budi"))
    assert response.status_code == code, response.text
    assert response.json()["detail"]


def test_missing_forged_and_expired_tokens_are_401(api):
    client, clock = api
    assert client.get("/api/sites").status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.x"}
    assert client.get("/api/sites", headers=forged).status_code == 401
    budi = _login(client, "budi")
    clock.advance(seconds=901)
    expired = client.get("/api/sites", headers=budi)
    assert expired.status_code == 401 and expired.json()["detail"] == "token expired"
    assert expired.headers["WWW-Authenticate"] == "Bearer"


def test_wrong_passwords_then_rate_limit(api):
    client, _ = api
    for _ in range(3):
        wrong = client.post("/api/auth/login", json={"username": "budi", "password": "nope-nope"})
        assert wrong.status_code == 401 and "wrong user name or password" in wrong.text
    limited = client.post(
        "/api/auth/login", json={"username": "budi", "password": PASSWORDS["budi"]}
    )
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    malformed = client.post("/api/auth/login", json={"username": "budi"})
    assert malformed.status_code == 422


def test_unconfigured_api_says_so_but_health_answers():
    with TestClient(create_app()) as client:
        assert client.get("/api/health").json() == {"status": "ok", "service": "cctv-vms"}
        assert client.get("/api/sites").status_code == 503
