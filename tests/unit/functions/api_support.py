"""A real API app for tests: SQLite index, users and audit, a NAS folder, a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_audit import SqliteAuditLog
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.adapters.sqlite_drills import SqliteDrillLog
from footage.adapters.sqlite_users import SqliteUserStore
from footage.auth import Role
from footage.clock import FixedClock
from footage.config import Config
from footage.keys import build_segment_key, build_thumbnail_key
from footage.live import RelayStatus, key_lookup
from footage.models import Segment
from footage.ratelimit import LoginPolicy, MemoryLoginLimiter
from footage.services.accounts import add_user
from functions.api.app import create_app
from functions.api.cache import AnswerCache
from functions.api.deps import ApiContext, LiveAccess, LocalTokens

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
CONFIG = Config.model_validate({
    "sites": [{"id": "HO", "name": "Kantor Pusat"},
              {"id": "CABANG-01", "name": "Cabang 01", "timezone": "Asia/Makassar"}],
    "cameras": [{"id": "ho-lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"},
                {"id": "cab-kasir", "site": "CABANG-01", "name": "Kasir", "rtsp_url": "rtsp://h/2",
                 "sub_rtsp_url": "rtsp://h/2-sub"}],
})  # fmt: skip
TOKEN_KEY, MEDIA_KEY = b"t" * 32, b"k" * 32
LIVE_KEYS = {"HO": b"l" * 32, "CABANG-01": b"m" * 32}  # one per site
PASSWORDS = {"admin": "admin-password-1", "budi": "rahasia-cabang-01"}


@dataclass
class Api:
    client: TestClient
    clock: FixedClock
    storage: FilesystemStorage
    audit: SqliteAuditLog
    launched: list[str]
    catalog: SqliteCatalog
    answers: AnswerCache
    #: what the on-prem relay reports (None: not running); tests set it
    relay: RelayStatus | None = None
    #: restore drill runs (/api/status shows the last)
    drills: SqliteDrillLog | None = None
    #: the app's context (tests set what a deployment may leave unset: push, alerts)
    context: ApiContext | None = None


@contextmanager
def running_api(tmp_path: Path) -> Iterator[Api]:
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    users = SqliteUserStore(tmp_path / "users.sqlite3")
    users.initialize()
    add_user(users, ["HO", "CABANG-01"], "admin", Role.ADMIN, [], PASSWORDS["admin"], NOW)
    add_user(users, ["HO", "CABANG-01"], "budi", Role.VIEWER, ["CABANG-01"], PASSWORDS["budi"], NOW)
    storage = FilesystemStorage(tmp_path / "nas", MEDIA_KEY)
    for camera, site in (("ho-lobby", "HO"), ("cab-kasir", "CABANG-01")):
        for minute in (0, 1, 2, 5):  # a 2-minute gap after minute 3
            start = NOW - timedelta(minutes=10 - minute)
            key = build_segment_key(site, camera, start, retention_days=180)
            storage.put_bytes(key, b"I" * 100 + b"M" * 900)
            thumb = build_thumbnail_key(site, camera, start, retention_days=180)
            storage.put_bytes(thumb, b"\xff\xd8jpeg")
            catalog.put_segment(Segment(camera, site, start, start + timedelta(minutes=1), 1000,
                                        "0" * 64, key, codec="h264", width=1920, height=1080,
                                        fps=15.0, thumbnail_key=thumb,
                                        init_size=100))  # fmt: skip
    clock = FixedClock(NOW)
    audit = SqliteAuditLog(tmp_path / "audit.sqlite3")
    audit.initialize()
    launched: list[str] = []
    drills = SqliteDrillLog(tmp_path / "drills.sqlite3")
    drills.initialize()
    context = ApiContext(
        config=CONFIG, catalog=catalog, storage=storage, clock=clock,
        verifier=LocalTokens(TOKEN_KEY, users), audit=audit, launch_export=launched.append,
        token_key=TOKEN_KEY, users=users, limiter=MemoryLoginLimiter(LoginPolicy(pair_failures=3)),
        media_key=MEDIA_KEY, drills=drills,
    )  # fmt: skip
    with TestClient(create_app(context)) as client:
        api = Api(client, clock, storage, audit, launched, catalog, context.answers,
                  drills=drills, context=context)  # fmt: skip
        context.live = LiveAccess(key_lookup(LIVE_KEYS), lambda _now: api.relay)
        yield api
    catalog.close()


def login(client: TestClient, name: str) -> dict[str, str]:
    response = client.post("/api/auth/login", json={"username": name, "password": PASSWORDS[name]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    return {"Authorization": f"Bearer {body['access_token']}"}
