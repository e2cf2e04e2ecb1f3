"""A local RFC 3161 time-stamp authority for tests: a test CA and a TSA certificate
(extendedKeyUsage critical timeStamping) made by ``openssl`` in a folder, and a
stdlib HTTP server in a thread that answers ``application/timestamp-query`` POSTs
with ``openssl ts -reply`` (argument lists, no shell).

``LocalTsa.delay_s`` makes it slow, ``LocalTsa.refuse`` makes it answer 503;
``requests`` counts the queries it answered."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.servers import LOOPBACK

_OPENSSL_TIMEOUT_S = 20

_TSA_CONFIG = """\
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = {dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5.6
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
_TSA_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
"""


def _openssl(args: list[str], stdin: bytes | None = None) -> bytes:
    done = subprocess.run(["openssl", *args], input=stdin, capture_output=True,
                          timeout=_OPENSSL_TIMEOUT_S, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def make_pki(folder: Path) -> None:
    """ca.pem/ca.key (a self-signed test CA) and tsa.pem/tsa.key (signed by it, EKU
    timeStamping), the serial file and tsa.cnf for ``openssl ts -reply``."""
    folder.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl(["req", "-x509", *ec, "-keyout", str(folder / "ca.key"),
              "-out", str(folder / "ca.pem"), "-subj", "/CN=cctv-vms test CA", "-days", "2",
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"])  # fmt: skip
    _openssl(["req", *ec, "-keyout", str(folder / "tsa.key"), "-out", str(folder / "tsa.csr"),
              "-subj", "/CN=cctv-vms test TSA"])  # fmt: skip
    (folder / "tsa.ext").write_text(_TSA_EXTENSIONS)
    _openssl(["x509", "-req", "-in", str(folder / "tsa.csr"), "-CA", str(folder / "ca.pem"),
              "-CAkey", str(folder / "ca.key"), "-set_serial", "2", "-days", "2",
              "-extfile", str(folder / "tsa.ext"), "-out", str(folder / "tsa.pem")])  # fmt: skip
    (folder / "tsaserial").write_text("01\n")
    (folder / "tsa.cnf").write_text(_TSA_CONFIG.format(dir=folder))


@dataclass
class LocalTsa:
    folder: Path
    url: str = ""
    delay_s: float = 0.0
    refuse: bool = False
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ca_pem(self) -> bytes:
        return (self.folder / "ca.pem").read_bytes()

    @property
    def tsa_pem(self) -> bytes:
        return (self.folder / "tsa.pem").read_bytes()

    def reply(self, query: bytes) -> bytes:
        """``openssl ts -reply`` over one DER TimeStampReq (serialised: the serial file)."""
        with self._lock, tempfile.TemporaryDirectory(dir=self.folder) as work:
            query_path, reply_path = Path(work) / "q.tsq", Path(work) / "r.tsr"
            query_path.write_bytes(query)
            _openssl(["ts", "-reply", "-config", str(self.folder / "tsa.cnf"),
                      "-queryfile", str(query_path), "-out", str(reply_path)])  # fmt: skip
            self.requests += 1
            return reply_path.read_bytes()


def _handler(tsa: LocalTsa) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if tsa.delay_s:
                time.sleep(tsa.delay_s)
            if tsa.refuse or self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(503 if tsa.refuse else 415)
                return
            try:
                token = tsa.reply(body)
            except RuntimeError:
                self.send_error(400)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(token)))
            self.end_headers()
            self.wfile.write(token)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextlib.contextmanager
def local_tsa(folder: Path) -> Iterator[LocalTsa]:
    """A running TSA at ``tsa.url`` (http://127.0.0.1:<port>/tsa) until the block ends."""
    make_pki(folder)
    tsa = LocalTsa(folder)
    server = ThreadingHTTPServer((LOOPBACK, 0), _handler(tsa))
    server.daemon_threads = True
    tsa.url = f"http://{LOOPBACK}:{server.server_address[1]}/tsa"
    thread = threading.Thread(target=server.serve_forever, name="local-tsa", daemon=True)
    thread.start()
    try:
        yield tsa
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
