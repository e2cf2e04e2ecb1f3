"""Chain of custody: each camera's records, hash-chained, in one canonical encoding.

API (small on purpose; :mod:`footage.manifest` signs what this module chains)::

    genesis(site, camera, at, key_id, reason)        -> Record  (seq 0, prev ZERO_HASH)
    append(head, kind, fields)                        -> Record  (seq + 1, prev = head.hash)
    segment_fields / gap_fields / dropped_fields(...) -> the fields of one kind
    Record.canonical() -> bytes;  Record.hash -> str;  record_from_json(obj) -> Record

    footage.chain_verify.verify_chain(records, anchors)  -> list[Finding]  (one camera)
    footage.chain_verify.compare_stored(records, stored) -> list[Finding]  (records vs objects)

A camera's chain is a sequence of *records*; record ``n`` carries ``seq = n`` and
``prev`` = the ``hash`` of record ``n - 1``, so a record altered, missing,
inserted or moved breaks a link. An honest hole in the footage is a record too
(``gap``: the camera was offline; ``dropped``: a segment was recorded and lost
at the edge), so it verifies clean while a deletion does not.

Canonical encoding (re-implement it with these rules and nothing else):

* a record is a JSON object; its bytes are ``json.dumps(obj, sort_keys=True,
  separators=(",", ":"), ensure_ascii=False).encode("utf-8")``: keys sorted by
  code point, no whitespace, UTF-8 (every value here is ASCII in practice);
* times are strings ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (whole seconds); numbers
  are JSON integers (never floats); hashes are 64 lower-case hex digits;
* ``hash`` of a record = SHA-256 of its canonical bytes, lower-case hex.

Fields common to every record:

``v``       format version, integer 1.
``kind``    ``genesis`` | ``segment`` | ``gap`` | ``dropped`` | ``rekey``.
``site``    the site id; ``camera`` the camera id (footage.keys.ID_PATTERN).
``seq``     integer >= 0, the record's place in its camera's chain.
``prev``    hash of record ``seq - 1``; :data:`ZERO_HASH` (64 zeros) for a genesis.

By kind:

``genesis``  ``at`` (when the chain began), ``key_id`` (the site key then),
             ``reason``: ``first`` (a camera's first chain) or ``new_box``
             (a replaced/reinstalled edge that could not continue the old chain:
             the verifier reports the restart, it is not hidden).
``segment``  ``start``, ``end`` (the segment's UTC times), ``sha256`` and
             ``size`` of the STORED object (after any edge compression), and
             ``object``: its key without the retention class
             (``segments/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<stamp>.mp4``),
             so moving it between classes or under an evidence hold keeps its name.
             A write-once collision that stores it under a variant key keeps the
             name here; the match is by camera, start and SHA-256.
``gap``      ``start``, ``end``: the camera was offline; ``reason``: a
             footage.outages.Problem code (``unreachable``, ``no_frames`` ...).
``dropped``  ``start``, ``end``, ``sha256`` (JSON null when nothing ever read the
             file, e.g. it vanished), ``size`` of a segment recorded but never
             stored, ``reason`` (the journal's state: ``dropped`` for spool
             pressure, ``lost``, ``expired``).
``rekey``    ``at``, ``key_id``: the site's signing key changed (chain continues).

Why records are per camera and not per site: footage is asked for by camera and
range, and a camera's chain verifies without any other camera's data (an evidence
package carries one camera). Manifests group them per site to keep the PUT count
at one per site per 10 minutes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from footage.errors import ChainFormatError
from footage.keys import validate_id

VERSION = 1
ZERO_HASH = "0" * 64
_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_OBJECT_RE = re.compile(r"^segments/[A-Za-z0-9_/.-]{1,300}$")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class RecordKind(StrEnum):
    GENESIS = "genesis"
    SEGMENT = "segment"
    GAP = "gap"
    DROPPED = "dropped"
    REKEY = "rekey"


#: The fields each kind carries beyond the common ones (v, kind, site, camera, seq, prev).
KIND_FIELDS: Mapping[RecordKind, frozenset[str]] = {
    RecordKind.GENESIS: frozenset({"at", "key_id", "reason"}),
    RecordKind.SEGMENT: frozenset({"start", "end", "sha256", "size", "object"}),
    RecordKind.GAP: frozenset({"start", "end", "reason"}),
    RecordKind.DROPPED: frozenset({"start", "end", "sha256", "size", "reason"}),
    RecordKind.REKEY: frozenset({"at", "key_id"}),
}
_COMMON = frozenset({"v", "kind", "site", "camera", "seq", "prev"})
GENESIS_REASONS = frozenset({"first", "new_box"})


def format_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds) of an aware datetime."""
    if moment.tzinfo is None:
        raise ChainFormatError("naive datetime: times must be timezone-aware")
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    if not isinstance(text, str) or not _TIME_RE.fullmatch(text):
        raise ChainFormatError(f"not a time YYYY-MM-DDTHH:MM:SSZ: {text!r}")
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def canonical_json(obj: Mapping[str, Any]) -> bytes:
    """The one byte encoding of records and manifests (see the module doc)."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Record:
    """One chain record. ``fields`` holds the kind's own fields, already in their
    canonical JSON form (times as strings); build records with the functions below."""

    kind: RecordKind
    site: str
    camera: str
    seq: int
    prev: str
    fields: Mapping[str, str | int | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, str | int | None]:
        common: dict[str, str | int | None] = {
            "v": VERSION,
            "kind": self.kind.value,
            "site": self.site,
            "camera": self.camera,
            "seq": self.seq,
            "prev": self.prev,
        }
        return {**self.fields, **common}

    def canonical(self) -> bytes:
        return canonical_json(self.to_json())

    @property
    def hash(self) -> str:
        return sha256_hex(self.canonical())

    @property
    def start(self) -> datetime | None:
        """Segment, gap and dropped records: their start (None for the others)."""
        value = self.fields.get("start")
        return parse_time(str(value)) if value is not None else None

    @property
    def end(self) -> datetime | None:
        value = self.fields.get("end")
        return parse_time(str(value)) if value is not None else None

    def name(self) -> str:
        """How a finding names the record: ``cam seq 12 segment 2026-..Z``."""
        when = self.fields.get("start") or self.fields.get("at") or ""
        return f"{self.camera} seq {self.seq} {self.kind.value} {when}".rstrip()


def _check_fields(kind: RecordKind, fields: Mapping[str, object]) -> None:
    for name, value in fields.items():
        if name in {"at", "start", "end"}:
            parse_time(str(value))
        elif name == "sha256" and value is None and kind is RecordKind.DROPPED:
            continue  # a segment lost before anything read it: its bytes are unknown
        elif name == "sha256" and not (isinstance(value, str) and _HASH_RE.fullmatch(value)):
            raise ChainFormatError(f"not a SHA-256: {value!r}")
        elif name == "size" and (type(value) is not int or value < 0):
            raise ChainFormatError(f"size is a whole number of bytes: {value!r}")
        elif name in {"reason", "key_id"} and not (
            isinstance(value, str) and _CODE_RE.fullmatch(value)
        ):
            raise ChainFormatError(f"{name} is a code of a-z, 0-9, _ and -: {value!r}")
        elif name == "object" and not (isinstance(value, str) and _OBJECT_RE.fullmatch(value)):
            raise ChainFormatError(f"not an object name: {value!r}")
    if kind is RecordKind.GENESIS and fields.get("reason") not in GENESIS_REASONS:
        raise ChainFormatError(f"a genesis reason is one of {sorted(GENESIS_REASONS)}")
    if "start" in fields and "end" in fields and str(fields["end"]) < str(fields["start"]):
        raise ChainFormatError("a record ends before it starts")


def make_record(
    kind: RecordKind, site: str, camera: str, seq: int, prev: str, fields: Mapping[str, object]
) -> Record:
    """A checked record (raises ChainFormatError on anything off the format)."""
    validate_id(site, "site")
    validate_id(camera, "camera")
    if set(fields) != KIND_FIELDS[kind]:
        raise ChainFormatError(
            f"a {kind.value} record has exactly {sorted(KIND_FIELDS[kind])}: got {sorted(fields)}"
        )
    if type(seq) is not int or seq < 0:
        raise ChainFormatError(f"seq is a whole number >= 0: {seq!r}")
    if not _HASH_RE.fullmatch(prev):
        raise ChainFormatError(f"prev is 64 lower-case hex digits: {prev!r}")
    if (kind is RecordKind.GENESIS) != (seq == 0 and prev == ZERO_HASH):
        raise ChainFormatError("a genesis (and only it) has seq 0 and prev of 64 zeros")
    values = {k: format_time(v) if isinstance(v, datetime) else v for k, v in fields.items()}
    _check_fields(kind, values)
    return Record(kind, site, camera, seq, prev, values)  # type: ignore[arg-type]


def record_from_json(obj: Mapping[str, Any]) -> Record:
    """Inverse of :meth:`Record.to_json` (a record read from a manifest)."""
    if not isinstance(obj, Mapping) or obj.get("v") != VERSION:
        raise ChainFormatError(f"not a version {VERSION} record: {obj!r}")
    try:
        kind = RecordKind(obj["kind"])
        own = {k: v for k, v in obj.items() if k not in _COMMON}
        for name in ("at", "start", "end"):
            if name in own and not isinstance(own[name], str):
                raise ChainFormatError(f"{name} is a time string")
        return make_record(kind, obj["site"], obj["camera"], obj["seq"], obj["prev"], own)
    except (KeyError, ValueError, TypeError) as exc:
        raise ChainFormatError(f"not a chain record: {obj!r} ({exc})") from exc


def genesis(site: str, camera: str, at: datetime, key_id: str, reason: str = "first") -> Record:
    return make_record(
        RecordKind.GENESIS,
        site,
        camera,
        0,
        ZERO_HASH,
        {"at": at, "key_id": key_id, "reason": reason},
    )


def append(head: Record, kind: RecordKind, fields: Mapping[str, object]) -> Record:
    """The record after ``head`` in its camera's chain."""
    if kind is RecordKind.GENESIS:
        raise ChainFormatError("a genesis starts a chain; it is never appended")
    return make_record(kind, head.site, head.camera, head.seq + 1, head.hash, fields)


def segment_fields(
    start: datetime, end: datetime, sha256: str, size: int, object_name: str
) -> dict[str, object]:
    return {"start": start, "end": end, "sha256": sha256, "size": size, "object": object_name}


def gap_fields(start: datetime, end: datetime, reason: str) -> dict[str, object]:
    return {"start": start, "end": end, "reason": reason}


def dropped_fields(
    start: datetime, end: datetime, sha256: str | None, size: int, reason: str
) -> dict[str, object]:
    return {"start": start, "end": end, "sha256": sha256, "size": size, "reason": reason}
