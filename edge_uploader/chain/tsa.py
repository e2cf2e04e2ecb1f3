"""RFC 3161 time-stamps: the request made by ``openssl ts -query`` (an argument
list, no shell; the cryptography package has no TSP) and POSTed to the TSA.
Failures raise TimestampError (a FootageError): the manifest is never held back.
:class:`BackgroundTokens` fetches off the upload loop, so a slow TSA holds nothing."""

from __future__ import annotations

import subprocess
import tempfile
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from footage.errors import FootageError

_TIMEOUT_S = 20
#: How long a TSA may take to answer (in the background: it holds no upload).
HTTP_TIMEOUT_S = 10
_MAX_TOKEN = 64 * 1024


class TimestampError(FootageError):
    """The TSA gave no token (unreachable, refused, or not a time-stamp reply)."""


def query_command(data_path: Path) -> list[str]:
    """A TimeStampReq (DER) over SHA-256 of the file, with a nonce and the TSA's
    certificate asked for, on stdout."""
    return ["openssl", "ts", "-query", "-data", str(data_path), "-sha256", "-cert"]


def request_for(data: bytes, workdir: Path) -> bytes:
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=workdir, prefix="tsa-data-") as tmp:
        tmp.write(data)
        tmp.flush()
        done = subprocess.run(query_command(Path(tmp.name)), capture_output=True,
                              timeout=_TIMEOUT_S, check=False)  # fmt: skip
    if done.returncode != 0 or not done.stdout:
        raise TimestampError(f"openssl ts -query failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


class HttpTimestamper:
    """POST ``application/timestamp-query``, read ``application/timestamp-reply``."""

    def __init__(self, url: str, workdir: Path, timeout_s: float = HTTP_TIMEOUT_S) -> None:
        self.url, self.workdir, self.timeout_s = url, workdir, timeout_s

    def __call__(self, data: bytes) -> bytes:
        query = request_for(data, self.workdir)
        headers = {"Content-Type": "application/timestamp-query"}
        # the URL's scheme is http(s): the config's pattern checks it
        request = urllib.request.Request(self.url, data=query, method="POST", headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310
                token = bytes(answer.read(_MAX_TOKEN + 1))
        except OSError as exc:
            raise TimestampError(f"TSA {self.url} unreachable: {exc}") from exc
        if not token or len(token) > _MAX_TOKEN or token[:1] != b"\x30":
            raise TimestampError(f"TSA {self.url} sent no time-stamp reply")
        status = reply_status(token)
        if status not in (0, 1):  # granted, grantedWithMods
            raise TimestampError(f"TSA {self.url} refused the time-stamp (PKIStatus {status})")
        return token


def reply_status(reply: bytes) -> int | None:
    """The PKIStatus of a DER TimeStampResp (``SEQUENCE { SEQUENCE { INTEGER ...``),
    None if it is not one."""
    at: int | None = 0
    for _ in range(2):  # the response, then its PKIStatusInfo
        if at is None or reply[at : at + 1] != b"\x30":
            return None
        at = _after_length(reply, at + 1)
    if at is None:
        return None
    if reply[at : at + 2] != b"\x02\x01":
        return None
    return reply[at + 2] if at + 2 < len(reply) else None


def _after_length(der: bytes, at: int) -> int | None:
    if at >= len(der):
        return None
    first = der[at]
    if first < 0x80:
        return at + 1
    count = first & 0x7F
    return at + 1 + count if 0 < count <= 4 and at + count < len(der) else None


@dataclass
class _Fetch:
    key: tuple[str, int]
    done: threading.Event = field(default_factory=threading.Event)
    token: bytes | None = None
    error: Exception | None = None


class BackgroundTokens:
    """One token fetched at a time in a daemon thread: :meth:`poll` never waits for
    the TSA (a hung one holds only its own thread, until its timeout)."""

    def __init__(self, timestamper: Callable[[bytes], bytes]) -> None:
        self._timestamper = timestamper
        self._fetch: _Fetch | None = None

    def poll(self, key: tuple[str, int], data: bytes) -> bytes | None:
        """The token of ``key`` once fetched; None while any fetch is under way
        (this one is asked for when the TSA is free); raises the fetch's error
        (TimestampError, OSError) once, so the caller schedules a retry."""
        fetch = self._fetch
        if fetch is None:
            self._fetch = fetch = _Fetch(key)
            threading.Thread(target=self._run, args=(fetch, data), name="tsa-fetch",
                             daemon=True).start()  # fmt: skip
            return None
        if not fetch.done.is_set():
            return None
        if fetch.key != key:  # its manifest was not asked again: free the TSA for this one
            self._fetch = None
            return self.poll(key, data)
        self._fetch = None
        if fetch.error is not None:
            raise fetch.error
        return fetch.token

    def _run(self, fetch: _Fetch, data: bytes) -> None:
        try:
            fetch.token = self._timestamper(data)
        except Exception as exc:
            fetch.error = exc if isinstance(exc, FootageError | OSError) else TimestampError(
                f"time-stamp failed: {exc!r}")  # fmt: skip
        finally:
            fetch.done.set()
