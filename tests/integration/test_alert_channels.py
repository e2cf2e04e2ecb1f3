"""Each channel against a real local server that checks what it receives:
the fake Telegram Bot API, aiosmtpd (STARTTLS and implicit TLS, self-signed
certificate, login) and a webhook receiver (HMAC-SHA256 signature)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path

from edge_uploader.harness.ports import free_port
from footage.alerts.config import EmailChannel
from footage.notify.base import Language, OutgoingMessage, Severity
from footage.notify.email import SmtpMailer
from footage.notify.telegram import TelegramBot
from footage.notify.webhook import Webhook
from tests.support.notify_servers import fake_bot_api, smtp_server, webhook_receiver

TOKEN = "123456:ABC-secret-token"
JPEG = b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"


def msg(**kw: object) -> OutgoingMessage:
    base: dict[str, object] = {"channel": "x", "recipient": "42", "subject": "[CCTV] HO: down",
                               "text": "Kamera Kasir mati sejak 10:00:00 WIB.",
                               "language": Language.ID}  # fmt: skip
    return OutgoingMessage(**(base | kw))  # type: ignore[arg-type]


def test_telegram_message_photo_and_refusals() -> None:
    with fake_bot_api(TOKEN, {"42"}) as api:
        bot = TelegramBot("tg", api.url, TOKEN, timeout_s=5)
        assert bot.send(msg()).delivered
        assert bot.send(msg(image=JPEG, link="https://vms.example/a/1")).delivered
        (m1, f1), (m2, f2) = api.messages()
        assert m1 == "sendMessage" and f1["chat_id"] == "42"
        assert f1["text"] == "[CCTV] HO: down\nKamera Kasir mati sejak 10:00:00 WIB."
        assert m2 == "sendPhoto" and f2["photo"] == JPEG and f2["caption"].endswith("/a/1")
        unknown = bot.send(msg(recipient="999"))
        assert not unknown.delivered and not unknown.retryable
        assert "chat not found" in unknown.error
        api.fail_next = 1
        down = bot.send(msg())
        assert not down.delivered and down.retryable and down.error.startswith("HTTP 500")
        wrong = TelegramBot("tg", api.url, "999:wrong-token", timeout_s=5).send(msg())
        assert not wrong.delivered and "wrong-token" not in wrong.error
    gone = bot.send(msg())  # the server is down: retryable, and the token is not in the error
    assert not gone.delivered and gone.retryable and TOKEN not in gone.error


def test_webhook_signed_json() -> None:
    key = b"k" * 32
    at = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    with webhook_receiver() as hook:
        sender = Webhook("wh", hook.url + "/in", key, lambda: at, timeout_s=5)
        assert sender.send(msg(severity=Severity.CRITICAL, image=JPEG)).delivered
        [(body, signature, raw)] = hook.bodies()
        assert signature == "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()
        assert body["severity"] == "critical" and body["sent_at"] == at.isoformat()
        assert body["text"].startswith("Kamera") and body["image_jpeg_base64"]
        hook.fail_next = 1
        assert sender.send(msg()).retryable


def _email(port: int, cert: Path, security: str, password: str = "s3cret-pw") -> SmtpMailer:
    config = EmailChannel.model_validate({
        "type": "email", "host": "localhost", "port": port, "security": security,
        "username": "vms", "sender": "vms@example.com", "ca_file": str(cert), "timeout_s": 5,
    })  # fmt: skip
    return SmtpMailer("mail", config, password)


def test_email_starttls_and_tls_with_login(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as box:
        sent = _email(box.port, box.cert, "starttls").send(
            msg(recipient="ani@example.com", image=JPEG)
        )
        assert sent.delivered, sent.error
        [mail] = box.messages
        assert mail["Subject"] == "[CCTV] HO: down" and mail["To"] == "ani@example.com"
        assert "mati sejak" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        [photo] = list(mail.iter_attachments())
        assert photo.get_content() == JPEG
        bad = _email(box.port, box.cert, "starttls", password="nope").send(msg())
        assert not bad.delivered and "nope" not in bad.error
    with smtp_server(tmp_path, implicit_tls=True) as box:
        assert _email(box.port, box.cert, "tls").send(msg(recipient="b@example.com")).delivered
        assert box.envelopes == [("vms@example.com", ["b@example.com"])]
    down = _email(free_port(), tmp_path / "smtp.crt", "starttls").send(msg())
    assert not down.delivered and down.retryable and "s3cret" not in down.error
