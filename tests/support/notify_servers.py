"""Local stand-ins for the alert channels' servers, each checking what it gets.

- :class:`FakeBotApi`: the Telegram Bot API's ``sendMessage`` and ``sendPhoto``
  under ``/bot<token>/``; a wrong token is 401, an unknown chat 400, and
  ``fail_next`` answers 500 that many times first.
- :class:`WebhookReceiver`: records JSON bodies and their signature header.
- :func:`smtp_server`: aiosmtpd with a self-signed certificate for localhost,
  STARTTLS required (or implicit TLS), login checked; ``None`` when stopped.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from edge_uploader.harness.ports import free_port
from tests.support.servers import LOOPBACK


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


class _Server:
    """A threaded HTTP server on a free loopback port; ``handle`` answers POSTs."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.fail_next = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                status, answer = outer.answer(got)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((LOOPBACK, free_port()), Handler)
        self.url = f"http://{LOOPBACK}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, got: Received) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return 500, {"ok": False, "description": "Internal Server Error"}
            self.received.append(got)
        return 200, {"ok": True}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeBotApi(_Server):
    def __init__(self, token: str, chats: set[str]) -> None:
        self.token = token
        self.chats = chats
        super().__init__()

    def answer(self, got: Received) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        if not got.path.startswith("/bot"):
            return 404, {"ok": False, "description": "Not Found"}
        if not got.path.startswith(prefix):
            return 401, {"ok": False, "description": "Unauthorized"}
        method = got.path[len(prefix) :]
        fields = self._fields(got, method)
        if method not in ("sendMessage", "sendPhoto", "sendVideo") or fields is None:
            return 400, {"ok": False, "description": "Bad Request: bad method or body"}
        if str(fields.get("chat_id")) not in self.chats:
            return 400, {"ok": False, "description": "Bad Request: chat not found"}
        return super().answer(got)

    @staticmethod
    def _fields(got: Received, method: str) -> dict[str, Any] | None:
        kind = got.headers.get("content-type", "")
        if method == "sendMessage" and kind == "application/json":
            parsed: dict[str, Any] = json.loads(got.body)
            return parsed if parsed.get("text") else None
        if method in ("sendPhoto", "sendVideo") and kind.startswith("multipart/form-data"):
            return multipart_fields(got)
        return None

    def messages(self) -> list[tuple[str, dict[str, Any]]]:
        """(method, fields) of each accepted call; a photo's bytes under "photo"."""
        out = []
        for got in self.received:
            method = got.path.rsplit("/", 1)[1]
            fields = json.loads(got.body) if method == "sendMessage" else multipart_fields(got)
            out.append((method, fields))
        return out


def multipart_fields(got: Received) -> dict[str, Any]:
    raw = f"Content-Type: {got.headers['content-type']}\r\n\r\n".encode() + got.body
    parsed = email.message_from_bytes(raw, policy=email.policy.HTTP)
    fields: dict[str, Any] = {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes), part
        fields[str(name)] = payload if part.get_filename() else payload.decode()
    return fields


class WebhookReceiver(_Server):
    def bodies(self) -> list[tuple[dict[str, Any], str, bytes]]:
        return [(json.loads(r.body), r.headers.get("x-vms-signature", ""), r.body)
                for r in self.received]  # fmt: skip


@contextmanager
def fake_bot_api(token: str, chats: set[str]) -> Iterator[FakeBotApi]:
    server = FakeBotApi(token, chats)
    try:
        yield server
    finally:
        server.close()


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    try:
        yield server
    finally:
        server.close()


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]),
                           critical=False)
            .sign(key, hashes.SHA256()))  # fmt: skip
    cert_path, key_path = folder / "smtp.crt", folder / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return cert_path, key_path


@dataclass
class Mailbox:
    port: int
    cert: Path
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK"


def _authenticator(user: str, password: str) -> Any:
    def check(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
              auth_data: Any) -> AuthResult:  # fmt: skip
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
            and auth_data.password.decode() == password  # fmt: skip
        return AuthResult(success=ok, handled=False)

    return check


@contextmanager
def smtp_server(
    folder: Path,
    *,
    implicit_tls: bool = False,
    user: str = "vms",
    password: str = "s3cret-pw",
    port: int | None = None,
) -> Iterator[Mailbox]:
    """``folder`` gets the certificate (an existing one is reused: clients trust it)."""
    cert, key = folder / "smtp.crt", folder / "smtp.key"
    if not cert.exists():
        cert, key = self_signed(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox(port or free_port(), cert)
    # implicit TLS: the whole session is TLS (aiosmtpd's auth_require_tls only knows STARTTLS)
    options: dict[str, Any] = {"authenticator": _authenticator(user, password),
                               "auth_require_tls": not implicit_tls}  # fmt: skip
    if implicit_tls:
        controller = Controller(box, hostname=LOOPBACK, port=box.port, ssl_context=context,
                                server_hostname="localhost", **options)  # fmt: skip
    else:
        controller = Controller(box, hostname=LOOPBACK, port=box.port, tls_context=context,
                                require_starttls=True, server_hostname="localhost",
                                **options)  # fmt: skip
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
