"""Who may share what with whom, and the message a recipient reads (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from footage.auth import Principal, Role
from footage.config import Config
from footage.errors import NotFound, ShareRefused
from footage.media.fit import TELEGRAM_LIMIT_BYTES, fit_kbps
from footage.notify.base import Language
from footage.services.export_job import ExportJob
from footage.services.share import ShareRecord, recipients_for, share_message, share_target

T0 = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
ADMIN = Principal("admin", Role.ADMIN)
BUDI = Principal("budi", Role.VIEWER, frozenset({"CAB"}))


def _config(**sharing: object) -> Config:
    return Config.model_validate({
        "sites": [{"id": "HO", "name": "Kantor Pusat"},
                  {"id": "CAB", "name": "Cabang", "timezone": "Asia/Makassar"}],
        "cameras": [{"id": "ho-1", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"},
                    {"id": "cab-1", "site": "CAB", "name": "Kasir", "rtsp_url": "rtsp://h/2"}],
        "alerts": {"channels": {"tg": {"type": "telegram"},
                                "hook": {"type": "webhook", "url": "https://h.example/x"},
                                "mail": {"type": "email", "host": "smtp.example.co.id",
                                         "sender": "vms@example.co.id"}},
                   "recipients": [{"name": "grup-cab", "channel": "tg", "address": "-1",
                                   "sites": ["CAB"]},
                                  {"name": "ops", "channel": "tg", "address": "-2",
                                   "language": "en"},
                                  {"name": "wa", "channel": "hook", "address": "x"},
                                  {"name": "boss", "channel": "mail", "address": "b@ex.co.id"}]},
        "sharing": sharing,
    })  # fmt: skip


def test_who_may_share_what_with_whom() -> None:
    config = _config()
    assert share_target(config, BUDI, "cab-1", "grup-cab")[1].name == "grup-cab"
    refusals = [
        (BUDI, "ho-1", "ops", "site HO"),  # a branch user shares only their branch
        (ADMIN, "ho-1", "grup-cab", "does not receive site HO"),
        (ADMIN, "ho-1", "wa", "not a Telegram chat or e-mail"),
    ]
    for who, camera, recipient, words in refusals:
        with pytest.raises(ShareRefused, match=words):
            share_target(config, who, camera, recipient)
    with pytest.raises(NotFound):
        share_target(config, ADMIN, "ho-1", "nobody")
    with pytest.raises(ShareRefused, match="viewer role"):
        share_target(_config(roles=["admin"]), BUDI, "cab-1", "grup-cab")
    assert [r.name for r in recipients_for(config, BUDI)] == ["grup-cab", "ops", "boss"]
    assert recipients_for(_config(enabled=False), ADMIN) == []


def test_the_message_is_in_the_recipients_language_and_the_sites_clock() -> None:
    config = _config()
    end = T0 + timedelta(minutes=2)
    job = ExportJob(id="a" * 32, camera="cab-1", site="CAB", start=T0, end=end, created_by="budi",
                    created_at=T0)  # fmt: skip
    record = ShareRecord(job.id, "grup-cab", "budi", T0)
    expires = T0 + timedelta(hours=12)
    for name, words in (("grup-cab", "Kasir di Cabang\n2026-12-06 10:00:00 WITA s.d. "
                                     "2026-12-06 10:02:00 WITA\nDibagikan oleh budi."),
                        ("ops", "Kasir at Cabang\n2026-12-06 10:00:00 WITA to "
                                "2026-12-06 10:02:00 WITA\nShared by budi.")):  # fmt: skip
        recipient = next(r for r in config.alerts.recipients if r.name == name)
        msg = share_message(config, job, record, recipient, "https://x/clip", b"jpg", expires)
        assert msg.text.startswith(words) and "2026-12-06 22:00:00 WITA" in msg.text
        assert (msg.channel, msg.link, msg.image) == ("tg", "https://x/clip", b"jpg")
        assert msg.language is (Language.ID if name == "grup-cab" else Language.EN)


def test_the_clip_itself_only_when_an_admin_allows_it_and_only_to_telegram() -> None:
    with pytest.raises(ShareRefused, match=r"sharing\.send_clip"):
        share_target(_config(), BUDI, "cab-1", "grup-cab", clip=True)
    allowed = _config(send_clip=True)
    assert share_target(allowed, BUDI, "cab-1", "grup-cab", clip=True)[1].name == "grup-cab"
    with pytest.raises(ShareRefused, match="e-mail gets the link"):
        share_target(allowed, ADMIN, "cab-1", "boss", clip=True)
    assert share_target(allowed, ADMIN, "cab-1", "boss")[1].name == "boss"  # the link, yes


def test_the_bitrate_that_fits_the_bot_apis_limit() -> None:
    # 10 minutes into 50 MB: 600 kbit/s of the 667 a second, less 64 for the audio
    assert fit_kbps(600, TELEGRAM_LIMIT_BYTES, has_audio=False) == 600
    assert fit_kbps(600, TELEGRAM_LIMIT_BYTES, has_audio=True) == 536
    assert fit_kbps(4 * 3600, TELEGRAM_LIMIT_BYTES, has_audio=False) is None  # unwatchable
    with pytest.raises(ValueError):
        fit_kbps(0, TELEGRAM_LIMIT_BYTES, has_audio=False)
