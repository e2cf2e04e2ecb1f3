"""Evidence packages, the pure part: what goes in the ZIP, and a deterministic ZIP.

A package proves itself to anyone with the package alone (see the READMEs,
footage.services.evidence_readme, and ``vms verify``)::

    README-id.txt, README-en.txt   how to check it, for a security officer
    SHA256SUMS                     ``sha256sum -c SHA256SUMS`` checks every other file
    statement.json                 camera, site, intervals, who and when, every file
    clip/<camera>_<site time>.mp4  the exported clip (stream copy of the segments)
    segments/<camera>_<stamp>.mp4  the stored segments it was cut from, whole objects
    manifests/<site>_<stamp>.json  the signed site manifests that list those segments
              (+ ``.sig``, the detached Ed25519 signature; + ``.tsr`` where a TSA stamped it)
    keys/<key id>.pem              the site's public keys that signed them

The ZIP is deterministic: every entry dated 1980-01-01 00:00, mode 0644, the
central directory sorted by name; footage is stored (it is compressed already),
text deflated. Entries are written as they come (footage streamed from a file,
never whole in memory) and the directory is sorted when the ZIP is closed.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from footage.coverage import Gap
from footage.manifest import PublicKey
from footage.models import TimeRange
from footage.services.export_files import interval_json, missing_json, utc_text

PACKAGE_FORMAT = "cctv-vms/evidence-package/1"
STATEMENT = "statement.json"
SUMS = "SHA256SUMS"
README_ID = "README-id.txt"
README_EN = "README-en.txt"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class PackedFile:
    name: str  # its path inside the ZIP
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class SegmentEntry:
    file: PackedFile
    object: str  # as chain records name it (footage.keys.chain_object_name)
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    file: PackedFile
    signature: PackedFile
    token: PackedFile | None
    seq: int
    key_id: str
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class KeyEntry:
    file: PackedFile
    key: PublicKey


@dataclass(frozen=True, slots=True)
class PackageFacts:
    export_id: str
    camera: str
    site: str
    timezone: str
    start: datetime
    end: datetime
    covered: tuple[TimeRange, ...]
    missing: tuple[Gap, ...]
    exported_by: str
    exported_at: datetime
    packaged_at: datetime


@dataclass(frozen=True, slots=True)
class PackageContents:
    facts: PackageFacts
    clip: PackedFile
    clip_duration_s: float
    segments: tuple[SegmentEntry, ...]
    manifests: tuple[ManifestEntry, ...]
    keys: tuple[KeyEntry, ...]


def segment_file_name(object_name: str) -> str:
    """``segments/<file name of the object>`` (names are unique per camera)."""
    return "segments/" + object_name.rsplit("/", 1)[-1]


def manifest_file_name(manifest_key: str) -> str:
    return "manifests/" + manifest_key.rsplit("/", 1)[-1]


def key_file_name(key_id: str) -> str:
    return f"keys/{key_id}.pem"


def statement_json(contents: PackageContents) -> bytes:
    """The machine-readable statement (every other file with its SHA-256 but
    SHA256SUMS and the READMEs, which are written from it)."""
    facts, tz = contents.facts, contents.facts.timezone
    body: dict[str, Any] = {
        "format": PACKAGE_FORMAT,
        "export_id": facts.export_id,
        "camera": facts.camera,
        "site": facts.site,
        "timezone": tz,
        "requested": interval_json(TimeRange(facts.start, facts.end), tz),
        "covered": [interval_json(r, tz) for r in facts.covered],
        "missing": [missing_json(g, tz) for g in facts.missing],
        "exported_by": facts.exported_by,
        "exported_at": utc_text(facts.exported_at),
        "packaged_at": utc_text(facts.packaged_at),
        "clip": {**_file(contents.clip), "duration_s": round(contents.clip_duration_s, 3)},
        "segments": [{**_file(s.file), "object": s.object, "start": utc_text(s.start),
                      "end": utc_text(s.end)} for s in contents.segments],
        "manifests": [{**_file(m.file), "signature": _file(m.signature),
                       "timestamp_token": _file(m.token) if m.token else None, "seq": m.seq,
                       "key_id": m.key_id, "issued_at": utc_text(m.issued_at)}
                      for m in contents.manifests],
        "keys": [{**_file(k.file), "id": k.key.key_id, "not_before": utc_text(k.key.not_before),
                  "not_after": utc_text(k.key.not_after) if k.key.not_after else None}
                 for k in contents.keys],
    }  # fmt: skip
    return json.dumps(body, indent=2, ensure_ascii=False).encode() + b"\n"


def _file(packed: PackedFile) -> dict[str, Any]:
    return {"file": packed.name, "sha256": packed.sha256, "size": packed.size}


def sha256sums(files: Sequence[PackedFile]) -> bytes:
    """``sha256sum -c`` input: one ``<hash>  <name>`` line per file, sorted by name."""
    return "".join(f"{f.sha256}  {f.name}\n" for f in sorted(files, key=lambda f: f.name)).encode()


class PackageWriter:
    """A deterministic ZIP written entry by entry (see the module doc)."""

    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path, "w", allowZip64=True)
        self.files: list[PackedFile] = []

    def add_file(self, name: str, src: Path) -> PackedFile:
        """Stream ``src`` in (stored), hashing it on the way."""
        digest, size = hashlib.sha256(), 0
        with src.open("rb") as source, self._zip.open(_info(name, stored=True), "w",
                                                      force_zip64=True) as sink:  # fmt: skip
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                sink.write(chunk)
                size += len(chunk)
        return self._packed(PackedFile(name, digest.hexdigest(), size))

    def add_bytes(self, name: str, data: bytes) -> PackedFile:
        self._zip.writestr(_info(name, stored=False), data)
        return self._packed(PackedFile(name, hashlib.sha256(data).hexdigest(), len(data)))

    def _packed(self, packed: PackedFile) -> PackedFile:
        if any(f.name == packed.name for f in self.files):
            raise ValueError(f"two entries named {packed.name!r}")
        self.files.append(packed)
        return packed

    def close(self) -> None:
        self._zip.filelist.sort(key=lambda info: info.filename)
        self._zip.close()

    def abort(self) -> None:
        self._zip.close()


def _info(name: str, *, stored: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.create_system = 3  # unix: the mode below is read
    info.external_attr = 0o100644 << 16
    return info
