"""Share a clip (issue 20 part 5) over real ingested footage and a fake Telegram Bot
API: a branch user shares a range of their branch's camera; once its export is cut
the chat gets one photo (the range's thumbnail) captioned with the site's clock
(WITA) and a link that plays exactly the range, until it expires. Sharing HO's
camera is refused (403) and audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_audit import SqliteAuditLog
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.adapters.sqlite_users import SqliteUserStore
from footage.auth import Principal, Role
from footage.clock import FixedClock
from footage.config import Config
from footage.keys import build_segment_key
from footage.media.fit import fit_to_size
from footage.media.ops import sha256_file
from footage.media.probe import probe_file
from footage.notify.telegram import TelegramBot
from footage.services.accounts import add_user
from footage.services.exports import ExportStatus, ExportStore, run_export
from footage.services.ingest import CameraPolicy, IngestContext, ingest_object
from footage.services.share import Sender, deliver_share, start_share
from functions.api.app import create_app
from functions.api.deps import ApiContext, LocalTokens
from tests.support.media import make_clip
from tests.support.notify_servers import fake_bot_api

pytestmark = pytest.mark.integration
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
TOKEN, CHAT, KEY = "123:abc", "-1001", b"k" * 32
WITA = ZoneInfo("Asia/Makassar")
PASSWORDS = {"admin": "admin-password-1", "budi": "rahasia-cabang-01"}


def _config(bot_url: str) -> Config:
    return Config.model_validate({
        "sites": [{"id": "HO", "name": "Kantor Pusat"},
                  {"id": "CABANG-01", "name": "Cabang 01", "timezone": "Asia/Makassar"}],
        "cameras": [{"id": "ho-lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"},
                    {"id": "cab-kasir", "site": "CABANG-01", "name": "Kasir",
                     "rtsp_url": "rtsp://h/2"}],
        "alerts": {"channels": {"tg": {"type": "telegram", "api_base": bot_url}},
                   "recipients": [{"name": "grup-cabang", "channel": "tg", "address": CHAT,
                                   "sites": ["CABANG-01"]}]},
        "sharing": {"public_url": "http://testserver", "link_hours": 1, "send_clip": True},
    })  # fmt: skip


def _ingest(storage: FilesystemStorage, catalog: SqliteCatalog, tmp_path: Path) -> None:
    policies = {"ho-lobby": CameraPolicy(30, site="HO"),
                "cab-kasir": CameraPolicy(30, site="CABANG-01")}  # fmt: skip
    ctx = IngestContext(storage, catalog, FixedClock(T0), policies, tmp_path)
    clip = make_clip(tmp_path / "clip.mp4", seconds=10)
    for camera, site in (("ho-lobby", "HO"), ("cab-kasir", "CABANG-01")):
        for offset in (0, 10, 20):
            key = build_segment_key(site, camera, T0 + timedelta(seconds=offset),
                                    retention_days=30)  # fmt: skip
            storage.put_file(key, clip, {"sha256": sha256_file(clip)})
            ingest_object(ctx, key)


def _login(client: TestClient, name: str) -> dict[str, str]:
    body = client.post("/api/auth/login", json={"username": name, "password": PASSWORDS[name]})
    return {"Authorization": f"Bearer {body.json()['access_token']}"}


def test_a_shared_range_arrives_with_a_link_that_plays_it_and_expires(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path / "nas", KEY)
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    _ingest(storage, catalog, tmp_path)
    users = SqliteUserStore(tmp_path / "users.sqlite3")
    users.initialize()
    add_user(users, ["HO", "CABANG-01"], "budi", Role.VIEWER, ["CABANG-01"], PASSWORDS["budi"], T0)
    audit = SqliteAuditLog(tmp_path / "audit.sqlite3")
    audit.initialize()
    clock = FixedClock(datetime.now(UTC))
    launched: list[str] = []
    with fake_bot_api(TOKEN, {CHAT}) as bot:
        config = _config(bot.url)
        context = ApiContext(config=config, catalog=catalog, storage=storage, clock=clock,
                             verifier=LocalTokens(b"t" * 32, users), audit=audit,
                             launch_export=launched.append, token_key=b"t" * 32, users=users,
                             media_key=KEY, shares=True)  # fmt: skip
        client = TestClient(create_app(context))
        budi = _login(client, "budi")
        mine = client.get("/api/share/recipients", headers=budi).json()["recipients"]
        assert mine == [{"name": "grup-cabang", "kind": "telegram", "language": "id"}]
        start, end = T0 + timedelta(seconds=5), T0 + timedelta(seconds=25)
        ask = {"camera": "cab-kasir", "start": start.isoformat(), "end": end.isoformat(),
               "recipient": "grup-cabang"}  # fmt: skip
        posted = client.post("/api/shares", json=ask, headers=budi)
        assert posted.status_code == 202, posted.text
        assert launched == [posted.json()["id"]] and posted.json()["status"] == "pending"

        job = run_export(context.exports, catalog, launched[0], tmp_path / "work", clock.now)
        assert job.status is ExportStatus.DONE, job.error
        channels = {"tg": TelegramBot("tg", bot.url, TOKEN)}
        record = deliver_share(context.exports, catalog, config, Sender(channels, clock.now),
                               job.id)  # fmt: skip
        assert record is not None and record.status == "delivered", record
        again = deliver_share(context.exports, catalog, config, Sender(channels, clock.now), job.id)
        assert again == record  # sent once

        [(method, fields)] = bot.messages()
        assert method == "sendPhoto" and fields["chat_id"] == CHAT
        assert fields["photo"][:2] == b"\xff\xd8"  # the range's thumbnail (JPEG)
        local = start.astimezone(WITA).strftime("%Y-%m-%d %H:%M:%S")
        assert f"{local} WITA" in fields["caption"] and "Kasir" in fields["caption"]
        link = next(w for w in fields["caption"].split() if w.startswith("http://testserver/"))

        played = client.get(link.removeprefix("http://testserver"))
        assert played.status_code == 200 and "attachment" not in played.headers.get(
            "content-disposition", "")  # fmt: skip
        (tmp_path / "got.mp4").write_bytes(played.content)
        assert probe_file(tmp_path / "got.mp4").duration_s == pytest.approx(20, abs=1.5)
        status = client.get(f"/api/shares/{job.id}", headers=budi).json()
        assert status["status"] == "delivered" and status["link_expires_at"]
        ho = {**ask, "camera": "ho-lobby"}
        refused = client.post("/api/shares", json=ho, headers=budi)
        assert refused.status_code == 403 and "site HO" in refused.json()["detail"]

        clock.advance(hours=1, minutes=1)  # past sharing.link_hours
        assert client.get(link.removeprefix("http://testserver")).status_code in (403, 410)
    assert len(bot.messages()) == 1
    actions = [(e.action.value, e.camera, e.detail) for e in audit.query(T0, clock.now(), 100)]
    assert ("share", "cab-kasir", "to grup-cabang") in actions
    assert any(a == "share-refused" and c == "ho-lobby" for a, c, _ in actions)


def test_the_clip_itself_goes_as_a_video_and_a_large_one_is_fitted(tmp_path: Path) -> None:
    """sharing.send_clip: the chat gets sendVideo with the clip (the link too); a clip
    over the limit is re-encoded under it, at the same duration."""
    storage = FilesystemStorage(tmp_path / "nas", KEY)
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    _ingest(storage, catalog, tmp_path)
    with fake_bot_api(TOKEN, {CHAT}) as bot:
        config = _config(bot.url)
        store = ExportStore(storage)
        start = T0 + timedelta(seconds=5)
        who = Principal("budi", Role.VIEWER, frozenset({"CABANG-01"}))
        job, _ = start_share(store, catalog, config, who,
                             ("cab-kasir", start, start + timedelta(seconds=20), "grup-cabang"),
                             T0, clip=True)  # fmt: skip
        run_export(store, catalog, job.id, tmp_path / "work", lambda: T0)
        sender = Sender({"tg": TelegramBot("tg", bot.url, TOKEN)}, lambda: T0, tmp_path / "w")
        assert deliver_share(store, catalog, config, sender, job.id).status == "delivered"
        [(method, fields)] = bot.messages()
    assert method == "sendVideo" and "http://testserver/media/" in fields["caption"]
    (tmp_path / "sent.mp4").write_bytes(fields["video"])
    sent = probe_file(tmp_path / "sent.mp4")
    assert sent.duration_s == pytest.approx(20, abs=1.5)

    limit = (tmp_path / "sent.mp4").stat().st_size // 2
    fitted = fit_to_size(tmp_path / "sent.mp4", tmp_path / "fitted.mp4", sent, limit)
    assert fitted == tmp_path / "fitted.mp4" and fitted.stat().st_size <= limit
    again = probe_file(fitted)
    assert again.duration_s == pytest.approx(sent.duration_s, abs=0.5) and again.codec == "h264"
