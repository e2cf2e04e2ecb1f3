"""``vms verify PACKAGE.zip``: an evidence package checked with nothing but itself.

Offline: no data dir, no config (one may be given to compare the keys), no
network. In order: every file against SHA256SUMS (and none unlisted); each
manifest's Ed25519 signature with the package's keys (valid at its issue time);
the manifests' own chain; their RFC 3161 tokens when a TSA's CA is given (the
reader's trust: it is never taken from the package); the camera's record chain
across them (signed heads as anchors); each original segment's SHA-256 and size
against its record, and every segment record of the range present; the clip's packets against the
segments' (footage.media.clip_trace); gaps told apart: a gap or dropped record
is an honest hole (a note), a record missing from the chain is a failure.
The ZIP is never extracted by its names: members are read by the names the
statement lists, footage streamed to a temporary folder for ffmpeg.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from footage.chain import parse_time
from footage.chain_verify import StoredObject
from footage.errors import MediaError
from footage.manifest import PublicKey
from footage.media.clip_trace import Packet, file_packets, trace
from footage.services.evidence_package import PACKAGE_FORMAT, STATEMENT, SUMS
from footage.services.verify_checks import (
    Report,
    Stamped,
    camera_records,
    check_chain,
    check_keys_against,
    check_objects,
    check_signatures,
    check_timestamps,
    note_holes,
)

_CHUNK = 1 << 20


Registered = Mapping[str, Sequence[PublicKey]]


def verify_package(
    path: Path, registered: Registered | None = None, tsa_ca: bytes | None = None
) -> Report:
    """Every check of the module doc; ``registered``: the config's keys by site
    (the package's keys are then said to match them, or not: a failure);
    ``tsa_ca``: a TSA's CA certificate (PEM) to check the manifests' RFC 3161
    tokens with (verify_checks.check_timestamps; without it they are only noted)."""
    report = Report()
    try:
        with zipfile.ZipFile(path) as package:
            _verify_open(package, report, registered, tsa_ca)
    except (zipfile.BadZipFile, OSError) as exc:
        report.fail("package_unreadable", str(path), str(exc))
    return report


def _verify_open(
    package: zipfile.ZipFile, report: Report, registered: Registered | None, tsa_ca: bytes | None
) -> None:
    hashes = _check_sums(package, report)
    try:
        _verify_statement(package, report, registered, hashes, tsa_ca)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        report.fail("statement_unreadable", STATEMENT, str(exc))


def _verify_statement(
    package: zipfile.ZipFile, report: Report, registered: Registered | None,
    hashes: dict[str, tuple[str, int]], tsa_ca: bytes | None,
) -> None:  # fmt: skip
    if STATEMENT not in hashes:
        raise ValueError("the statement is missing or altered")
    statement = json.loads(package.read(STATEMENT))
    if statement.get("format") != PACKAGE_FORMAT:
        raise ValueError(f"not a {PACKAGE_FORMAT} statement")
    start, end = _when(statement["requested"]["start"]), _when(statement["requested"]["end"])
    keys = [_key(package, k) for k in statement["keys"]]
    if registered is not None:
        check_keys_against(report, keys, registered.get(statement["site"], ()))
    signed = [(m["file"], package.read(m["file"]), _member(package, m["signature"]["file"]))
              for m in statement["manifests"] if m["file"] in hashes]  # fmt: skip
    manifests = check_signatures(report, signed, keys)
    check_timestamps(report, _stamped(package, statement, hashes), tsa_ca)
    records, anchors = camera_records(manifests, statement["camera"])
    if not manifests:
        report.fail("no_manifest", statement["camera"])
    check_chain(report, records, anchors)
    stored = [StoredObject(s["object"], *hashes[s["file"]]) for s in statement["segments"]
              if s["file"] in hashes]  # fmt: skip
    check_objects(report, records, stored, start, end)
    note_holes(report, records, start, end)
    _check_clip(package, report, statement)


def _stamped(
    package: zipfile.ZipFile, statement: dict[str, Any], hashes: dict[str, tuple[str, int]]
) -> list[Stamped]:
    """Each intact manifest with its token, if it has one and it is intact (an
    altered or missing token already failed against SHA256SUMS)."""
    stamped = []
    for m in statement["manifests"]:
        if m["file"] not in hashes:
            continue
        token_name = (m.get("timestamp_token") or {}).get("file")
        token = package.read(token_name) if token_name in hashes else None
        stamped.append(Stamped(m["file"], package.read(m["file"]), token_name, token))
    return stamped


def _whole(text: str) -> str:
    """``2026-12-05T10:00:00.250000Z`` -> ``2026-12-05T10:00:00Z`` (records' form)."""
    return text.split(".")[0].removesuffix("Z") + "Z"


def _check_sums(package: zipfile.ZipFile, report: Report) -> dict[str, tuple[str, int]]:
    """Each file listed in SHA256SUMS: its real (sha256, size) when it matches."""
    names = set(package.namelist())
    try:
        lines = package.read(SUMS).decode("utf-8").splitlines()
    except (KeyError, UnicodeDecodeError) as exc:
        report.fail("sums_unreadable", SUMS, str(exc))
        return {}
    good: dict[str, tuple[str, int]] = {}
    listed = set()
    for line in lines:
        expected, _, name = line.partition("  ")
        listed.add(name)
        if name not in names:
            report.fail("file_missing", name)
            continue
        actual = _digest(package, name)
        if actual[0] != expected:
            report.fail("file_altered", name)
        else:
            good[name] = actual
    for name in sorted(names - listed - {SUMS}):
        report.fail("file_unlisted", name)
    report.counts["files"] = len(good)
    return good


def _digest(package: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with package.open(name) as member:
        while chunk := member.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _member(package: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return package.read(name)
    except KeyError:
        return None


def _key(package: zipfile.ZipFile, entry: dict[str, Any]) -> PublicKey:
    loaded = load_pem_public_key(package.read(entry["file"]))
    if not isinstance(loaded, Ed25519PublicKey):
        raise ValueError(f"{entry['file']} is not an Ed25519 public key")
    after = entry.get("not_after")
    raw = loaded.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PublicKey(entry["id"], raw, _when(entry["not_before"]),
                     _when(after) if after else None)  # fmt: skip


def _when(text: str) -> datetime:
    return parse_time(_whole(text))


def _check_clip(package: zipfile.ZipFile, report: Report, statement: dict[str, Any]) -> None:
    clip, segments = statement["clip"]["file"], [s["file"] for s in statement["segments"]]
    with tempfile.TemporaryDirectory(prefix="vms-verify-") as work:
        try:
            sources = [_packets(package, name, Path(work)) for name in segments]
            result = trace(_packets(package, clip, Path(work)), sources)
        except (MediaError, KeyError) as exc:
            report.fail("clip_unreadable", clip, str(exc))
            return
    report.counts["clip_packets"] = result.total
    if result.first_unmatched is not None:
        index, stream = result.first_unmatched
        report.fail("clip_foreign_frames", clip,
                    f"{result.total - result.matched} of {result.total} packets; first: packet"
                    f" {index} of stream {stream}")  # fmt: skip


def _packets(package: zipfile.ZipFile, name: str, work: Path) -> list[Packet]:
    """One member at a time on disk (ffmpeg reads a file), deleted after."""
    local = work / "member.mp4"
    try:
        with package.open(name) as member, local.open("wb") as out:
            while chunk := member.read(_CHUNK):
                out.write(chunk)
        return file_packets(local)
    finally:
        local.unlink(missing_ok=True)
