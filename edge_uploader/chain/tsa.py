"""RFC 3161 time-stamps: the request made by ``openssl ts -query`` (an argument
list, no shell; the cryptography package has no TSP) and POSTed to the TSA.
Failures raise TimestampError (a FootageError): the manifest is never held back."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

from footage.errors import FootageError

_TIMEOUT_S = 20
_MAX_TOKEN = 64 * 1024


class TimestampError(FootageError):
    """The TSA gave no token (unreachable, refused, or not a time-stamp reply)."""


def query_command(data_path: Path) -> list[str]:
    """A TimeStampReq (DER) over SHA-256 of the file, with a nonce and the TSA's
    certificate asked for, on stdout."""
    return ["openssl", "ts", "-query", "-data", str(data_path), "-sha256", "-cert"]


def request_for(data: bytes, workdir: Path) -> bytes:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "tsa-data.bin"
    path.write_bytes(data)
    try:
        done = subprocess.run(query_command(path), capture_output=True, timeout=_TIMEOUT_S,
                              check=False)  # fmt: skip
    finally:
        path.unlink(missing_ok=True)
    if done.returncode != 0 or not done.stdout:
        raise TimestampError(f"openssl ts -query failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


class HttpTimestamper:
    """POST ``application/timestamp-query``, read ``application/timestamp-reply``."""

    def __init__(self, url: str, workdir: Path) -> None:
        self.url, self.workdir = url, workdir

    def __call__(self, data: bytes) -> bytes:
        query = request_for(data, self.workdir)
        headers = {"Content-Type": "application/timestamp-query"}
        # the URL's scheme is http(s): the config's pattern checks it
        request = urllib.request.Request(self.url, data=query, method="POST", headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as answer:  # noqa: S310
                token = bytes(answer.read(_MAX_TOKEN + 1))
        except OSError as exc:
            raise TimestampError(f"TSA {self.url} unreachable: {exc}") from exc
        if not token or len(token) > _MAX_TOKEN or token[:1] != b"\x30":
            raise TimestampError(f"TSA {self.url} sent no time-stamp reply")
        return token
