"""Web push: subscriptions are checked (a push service over https, real keys), and
the channel's request is what a push service accepts: a VAPID JWT signed with
the installation's key for the endpoint's origin, and a payload the browser
opens with its own keys. A 410 forgets the subscription."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import pytest
import requests

from footage.adapters.sqlite_push import SqlitePushSubscriptions
from footage.alerts.config import WebPushChannel as WebPushConfig
from footage.notify.base import OutgoingMessage, Severity
from footage.notify.channels import build_channel
from footage.notify.webpush import WebPushChannel, application_server_key
from footage.push import MAX_PER_USER, checked_subscription
from tests.support.push_service import BrowserKeys, b64url, check_vapid, push_service

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
SECRET = bytes(range(1, 33))
HOSTS = ("localhost",)


def test_a_subscription_must_be_a_push_service_over_https_with_real_keys() -> None:
    keys = BrowserKeys()
    ok = checked_subscription("budi", "https://fcm.googleapis.com/fcm/send/abc", keys.p256dh,
                              b64url(keys.auth), NOW)  # fmt: skip
    assert ok.info()["keys"] == {"p256dh": keys.p256dh, "auth": b64url(keys.auth)}
    bad = {
        "http://fcm.googleapis.com/x": "https URL",
        "https://169.254.169.254/latest": "not an allowed push service",
        "https://fcm.googleapis.com.evil.example/x": "not an allowed push service",
        "https://user:pw@fcm.googleapis.com/x": "https URL",
    }
    for endpoint, words in bad.items():
        with pytest.raises(ValueError, match=words):
            checked_subscription("budi", endpoint, keys.p256dh, b64url(keys.auth), NOW)
    with pytest.raises(ValueError, match="16 bytes"):
        checked_subscription("budi", "https://fcm.googleapis.com/x", keys.p256dh, "AAAA", NOW)
    with pytest.raises(ValueError, match="uncompressed"):
        checked_subscription("budi", "https://fcm.googleapis.com/x", b64url(b"\x02" * 65),
                             b64url(keys.auth), NOW)  # fmt: skip


def test_the_push_is_vapid_signed_and_opens_with_the_browsers_keys(tmp_path) -> None:
    store = SqlitePushSubscriptions(tmp_path / "users.sqlite3")
    store.initialize()
    phone, laptop = BrowserKeys(), BrowserKeys()
    with push_service(tmp_path) as service:
        for name, keys in (("phone", phone), ("laptop", laptop)):
            store.add(checked_subscription("budi", f"{service.origin}/push/{name}", keys.p256dh,
                                           b64url(keys.auth), NOW, HOSTS))  # fmt: skip
        session = requests.Session()
        session.verify, session.trust_env = str(service.ca_file), False  # no CA bundle from env
        channel = WebPushChannel("push", store, SECRET, "mailto:ops@example.co.id", session)
        service.answers["/push/laptop"] = 410  # unsubscribed since
        link = "https://vms.example/#/alerts"
        msg = OutgoingMessage("push", "budi", "Kamera mati: Lobby", "Sejak 10:02 WIB",
                              severity=Severity.CRITICAL, link=link)  # fmt: skip
        delivery = channel.send(msg)

        assert delivery.delivered, delivery
        assert [p.path for p in service.received] == ["/push/phone", "/push/laptop"]
        pushed = service.received[0]
        claims = check_vapid(pushed, service.origin)
        assert claims["sub"] == "mailto:ops@example.co.id"
        assert claims["k"] == application_server_key(SECRET)  # what browsers subscribed with
        assert pushed.headers["content-encoding"] == "aes128gcm"
        assert int(pushed.headers["ttl"]) == 24 * 3600
        shown = json.loads(phone.decrypt(pushed.body))
        assert shown == {"title": "Kamera mati: Lobby", "body": "Sejak 10:02 WIB",
                         "url": "https://vms.example/#/alerts", "severity": "critical",
                         "tag": "Kamera mati: Lobby"}  # fmt: skip
        with pytest.raises(Exception):  # noqa: B017 (another browser's keys cannot open it)
            laptop.decrypt(pushed.body)
        assert [s.endpoint for s in store.of_user("budi")] == [f"{service.origin}/push/phone"]

        service.answers["/push/phone"] = 500
        failed = channel.send(msg)
        assert not failed.delivered and failed.retryable and "answered 500" in failed.error
    nobody = channel.send(OutgoingMessage("push", "siti", "x", "y"))
    assert not nobody.delivered and not nobody.retryable and "no push subscription" in nobody.error


def test_a_user_keeps_the_newest_subscriptions(tmp_path) -> None:
    store = SqlitePushSubscriptions(tmp_path / "users.sqlite3")
    store.initialize()
    keys = BrowserKeys()
    for n in range(MAX_PER_USER + 2):
        store.add(checked_subscription("budi", f"https://fcm.googleapis.com/{n}", keys.p256dh,
                                       b64url(keys.auth), NOW.replace(minute=n)))  # fmt: skip
    kept = [s.endpoint.rsplit("/", 1)[1] for s in store.of_user("budi")]
    assert kept == [str(n) for n in range(2, MAX_PER_USER + 2)]
    assert store.remove("budi", "https://fcm.googleapis.com/5")
    assert not store.remove("siti", "https://fcm.googleapis.com/6")  # not hers


def test_a_configured_channel_keeps_one_vapid_key_with_the_other_secrets(tmp_path) -> None:
    config = WebPushConfig.model_validate({"type": "webpush", "subject": "mailto:ops@ex.co.id"})
    first = build_channel("push", config, tmp_path, {}, lambda: NOW)
    again = build_channel("push", config, tmp_path, {}, lambda: NOW)
    assert isinstance(first, WebPushChannel) and isinstance(again, WebPushChannel)
    assert (
        first.secret == again.secret == bytes.fromhex((tmp_path / "secrets/vapid.key").read_text())
    )
    assert (tmp_path / "secrets/vapid.key").stat().st_mode & 0o077 == 0
    with pytest.raises(ValueError, match="subject"):
        WebPushConfig.model_validate({"type": "webpush", "subject": "ops"})


def test_without_pywebpush_the_channel_says_why_and_the_others_still_build(
    tmp_path, monkeypatch
) -> None:
    """The Lambda bundle leaves pywebpush out: the alerts there still build."""
    from footage.alerts.config import AlertsConfig
    from footage.notify.channels import build_channels

    monkeypatch.delitem(sys.modules, "footage.notify.webpush", raising=False)
    monkeypatch.setitem(sys.modules, "pywebpush", None)  # import pywebpush: ImportError
    config = AlertsConfig.model_validate({"channels": {
        "push": {"type": "webpush", "subject": "mailto:ops@ex.co.id"},
        "tg": {"type": "telegram"}}})  # fmt: skip
    built = build_channels(config.channels, tmp_path, {"VMS_SECRET_TELEGRAM_BOT": "1:x"},
                           lambda: NOW)  # fmt: skip
    assert isinstance(built["push"], str) and "web push is not available" in built["push"]
    assert not isinstance(built["tg"], str)
