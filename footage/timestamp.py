"""Check an RFC 3161 time-stamp token (``<manifest>.tsr``) against its manifest.

The check is the one a reader makes with standard tools, run here as argument
lists (no shell)::

    openssl ts -verify -data M.json -in M.tsr -CAfile tsa-ca.pem [-untrusted tsa.pem]

OpenSSL checks that the reply was granted, that its message imprint is the
SHA-256 of exactly these manifest bytes, that the TSA's signature holds and that
the signer certificate chains to ``ca_pem`` with the critical extendedKeyUsage
timeStamping. The token's time is read from ``openssl ts -reply -text``. No
network is used: a TSA's CA certificate is given by whoever verifies.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_TIMEOUT_S = 20
_TIME_RE = re.compile(r"^Time stamp: (\w{3}) +(\d{1,2}) (\d{2}:\d{2}:\d{2})(?:\.\d+)? (\d{4}) GMT$",
                      re.MULTILINE)  # fmt: skip
_TSA_RE = re.compile(r"^TSA: (.+)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class TimestampCheck:
    """``ok``: the token vouches for exactly these bytes, signed by a TSA that
    chains to the given CA; ``time``: when the TSA says it saw them (UTC);
    ``reason``: why not, in English (empty when ok)."""

    ok: bool
    time: datetime | None = None
    tsa: str = ""
    reason: str = ""


def verify_command(data: Path, tsr: Path, ca: Path, untrusted: Path | None) -> list[str]:
    extra = ["-untrusted", str(untrusted)] if untrusted is not None else []
    return ["openssl", "ts", "-verify", "-data", str(data), "-in", str(tsr),
            "-CAfile", str(ca), *extra]  # fmt: skip


def text_command(tsr: Path) -> list[str]:
    return ["openssl", "ts", "-reply", "-in", str(tsr), "-text"]


def verify_timestamp(
    manifest_bytes: bytes, tsr_bytes: bytes, ca_pem: bytes, untrusted_pem: bytes | None = None
) -> TimestampCheck:
    """Whether ``tsr_bytes`` (a TimeStampResp) time-stamps ``manifest_bytes`` under
    a TSA certified by ``ca_pem`` (``untrusted_pem``: intermediate or TSA
    certificates the token does not carry)."""
    if not tsr_bytes:
        return TimestampCheck(False, reason="the time-stamp token is empty")
    with tempfile.TemporaryDirectory(prefix="vms-tsr-") as work:
        folder = Path(work)
        data, tsr, ca = folder / "m.json", folder / "m.tsr", folder / "ca.pem"
        data.write_bytes(manifest_bytes)
        tsr.write_bytes(tsr_bytes)
        ca.write_bytes(ca_pem)
        untrusted = None
        if untrusted_pem is not None:
            untrusted = folder / "untrusted.pem"
            untrusted.write_bytes(untrusted_pem)
        verified = _run(verify_command(data, tsr, ca, untrusted))
        described = _run(text_command(tsr))
    when, tsa = _described(described[1]) if described[0] == 0 else (None, "")
    if verified[0] != 0 or b"Verification: OK" not in verified[1]:
        detail = _last_error(verified[2]) or "openssl ts -verify refused it"
        return TimestampCheck(False, when, tsa, f"time-stamp does not verify: {detail}")
    if when is None:
        return TimestampCheck(False, None, tsa, "time-stamp verifies but carries no readable time")
    return TimestampCheck(True, when, tsa)


def _run(command: list[str]) -> tuple[int, bytes, bytes]:
    try:
        done = subprocess.run(command, capture_output=True, timeout=_TIMEOUT_S, check=False)
    except FileNotFoundError:
        return 127, b"", b"openssl is not installed"
    except subprocess.TimeoutExpired:
        return 124, b"", b"openssl timed out"
    return done.returncode, done.stdout, done.stderr


def _described(text: bytes) -> tuple[datetime | None, str]:
    decoded = text.decode("utf-8", errors="replace")
    found = _TIME_RE.search(decoded)
    tsa = _TSA_RE.search(decoded)
    when = None
    if found:
        month, day, clock, year = found.groups()
        stamp = f"{month} {day} {year} {clock} +0000"
        when = datetime.strptime(stamp, "%b %d %Y %H:%M:%S %z").astimezone(UTC)
    return when, tsa.group(1).strip() if tsa else ""


def _last_error(stderr: bytes) -> str:
    """The most telling line of openssl's complaint (it ends with the reason)."""
    lines = [line.strip() for line in stderr.decode("utf-8", errors="replace").splitlines()]
    useful = [line for line in lines if line and not line.startswith("Using configuration")]
    for line in useful:
        if "error:" in line:
            return line.split(":")[-1].strip() or line
    return useful[-1] if useful else ""
