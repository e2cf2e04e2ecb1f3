"""A local stand-in for a browser maker's push service (FCM, autopush), over HTTPS
with a self-signed certificate, and the browser's side of a subscription.

The service records each POST and answers what the test sets (201 by default,
410 for a subscription that is gone). :func:`check_vapid` verifies a request's
VAPID header as a push service does (RFC 8292: an ES256 JWT over ``aud`` = the
endpoint's origin, ``exp`` within 24 h, ``sub`` a contact, with ``k`` the
server's public key); :meth:`BrowserKeys.decrypt` opens the aes128gcm payload
with the browser's private key and auth secret (RFC 8291), as the browser does.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import http_ece  # type: ignore[import-untyped]
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class BrowserKeys:
    """What a browser keeps for one subscription."""

    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def decrypt(self, body: bytes) -> bytes:
        return bytes(http_ece.decrypt(body, private_key=self.private, auth_secret=self.auth,
                                      version="aes128gcm"))  # fmt: skip


@dataclass(frozen=True)
class Pushed:
    path: str
    headers: dict[str, str]
    body: bytes


def check_vapid(pushed: Pushed, origin: str) -> dict[str, object]:
    """The JWT's claims once its signature, audience and expiry hold (else raises)."""
    scheme, _, params = pushed.headers["authorization"].partition(" ")
    assert scheme == "vapid", pushed.headers["authorization"][:20]
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
    claims: dict[str, object] = jwt.decode(fields["t"], public, algorithms=["ES256"],
                                           audience=origin)  # fmt: skip
    assert int(str(claims["exp"])) <= int(dt.datetime.now(dt.UTC).timestamp()) + 24 * 3600
    claims["k"] = fields["k"]
    return claims


def _self_signed(folder: Path) -> tuple[Path, Path]:
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
    cert_path, key_path = folder / "push.crt", folder / "push.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return cert_path, key_path


@dataclass
class PushService:
    origin: str  # https://localhost:<port>
    ca_file: Path  # trust this to reach it
    received: list[Pushed] = field(default_factory=list)
    #: answer per path (default 201 Created)
    answers: dict[str, int] = field(default_factory=dict)


@contextmanager
def push_service(folder: Path) -> Iterator[PushService]:
    cert, key = _self_signed(folder)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    state = PushService("", cert)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.received.append(Pushed(self.path, headers, body))
            self.send_response(state.answers.get(self.path, 201))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.origin = f"https://localhost:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
