"""Site manifests: the chain records of 10 minutes, signed with the site's Ed25519 key.

One manifest per SITE per window (one PUT per site per 10 minutes, not one per
camera). Its bytes are canonical JSON (:func:`footage.chain.canonical_json`):

``v``          integer 1.
``type``       ``"vms-chain-manifest"``.
``site``       the site id.
``seq``        integer >= 0: the site's manifests form a chain of their own...
``prev``       ... each carrying the SHA-256 of the previous manifest's bytes
               (:data:`footage.chain.ZERO_HASH` for the first), so a manifest
               removed from storage is a missing seq.
``key_id``     the id of the key that signed it (``signing_keys`` in the config).
``issued_at``  ``YYYY-MM-DDTHH:MM:SSZ``; also the stamp of its key.
``cameras``    list sorted by ``camera``, one entry per camera with records since
               the previous manifest: ``camera``, ``first_seq``, ``last_seq``,
               ``head`` (hash of the record at ``last_seq``) and ``records``
               (the records themselves, each as in footage.chain, in seq order).
``index``      optional (absent when empty): where the manifest's ``segment``
               records went, for the cloud to index them from this one object
               (footage.services.ingest_manifest), a list sorted by ``camera``
               then ``seq``, one entry per such record: ``camera``, ``seq``,
               ``key`` (the stored key: its record's ``object`` with the
               retention class) and, when its edge described the segment,
               ``described`` (footage.description's metadata names and values,
               all strings). Verifiers of the chain may ignore it: it adds no
               record and changes none, but it is signed with them.

The manifest carries its records whole: storage then holds the chain itself,
and a verifier needs only manifests and objects. The signature is a detached
file of the 64 raw bytes of Ed25519 over the manifest file's exact bytes, so::

    openssl pkeyutl -verify -pubin -inkey site.pub -rawin -in M.json -sigfile M.sig

checks it (``site.pub``: :func:`public_pem`). Keys rotate by validity windows:
a manifest verifies under the key named by its ``key_id`` whose
``[not_before, not_after)`` holds its ``issued_at``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from footage.chain import (
    ZERO_HASH,
    Record,
    RecordKind,
    canonical_json,
    format_time,
    parse_time,
    record_from_json,
    sha256_hex,
)
from footage.chain_verify import Anchor
from footage.config import SigningKey
from footage.errors import ChainFormatError, KeyFormatError
from footage.keys import KeyKind, chain_object_name, parse_key, validate_id

TYPE = "vms-chain-manifest"
VERSION = 1
#: How often the edge closes a manifest.
MANIFEST_EVERY_S = 600
#: The most metadata names an index entry's description may carry (S3's 2 KB budget
#: holds ~15 of footage.description's), and the longest name or value.
_MAX_DESCRIBED, _MAX_TEXT = 32, 256


@dataclass(frozen=True, slots=True)
class Stored:
    """An ``index`` entry: where the segment record ``(camera, seq)`` was stored and,
    if its edge described it, the description's metadata (empty: undescribed)."""

    camera: str
    seq: int
    key: str
    described: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        entry: dict[str, object] = {"camera": self.camera, "seq": self.seq, "key": self.key}
        if self.described:
            entry["described"] = dict(self.described)
        return entry


@dataclass(frozen=True, slots=True)
class Manifest:
    site: str
    seq: int
    prev: str
    key_id: str
    issued_at: datetime
    cameras: Mapping[str, tuple[Record, ...]]  # camera -> its records, seq order
    index: tuple[Stored, ...] = ()  # sorted by (camera, seq)

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {
            "v": VERSION,
            "type": TYPE,
            "site": self.site,
            "seq": self.seq,
            "prev": self.prev,
            "key_id": self.key_id,
            "issued_at": format_time(self.issued_at),
            "cameras": [_camera_json(c, self.cameras[c]) for c in sorted(self.cameras)],
        }
        if self.index:
            body["index"] = [entry.to_json() for entry in self.index]
        return body

    def canonical(self) -> bytes:
        return canonical_json(self.to_json())

    @property
    def hash(self) -> str:
        return sha256_hex(self.canonical())

    def anchors(self) -> list[Anchor]:
        """The signed heads (camera, last seq, hash) this manifest vouches for."""
        return [Anchor(c, r[-1].seq, r[-1].hash) for c, r in self.cameras.items() if r]

    def records(self) -> list[Record]:
        return [r for camera in sorted(self.cameras) for r in self.cameras[camera]]


def _camera_json(camera: str, records: Sequence[Record]) -> dict[str, object]:
    return {
        "camera": camera,
        "first_seq": records[0].seq,
        "last_seq": records[-1].seq,
        "head": records[-1].hash,
        "records": [r.to_json() for r in records],
    }


def build_manifest(
    site: str,
    seq: int,
    prev: str,
    key_id: str,
    issued_at: datetime,
    records: Iterable[Record],
    index: Iterable[Stored] = (),
) -> Manifest:
    """The manifest of ``records`` (any cameras of ``site``), grouped and ordered,
    with the ``index`` of where their segments went."""
    validate_id(site, "site")
    grouped: dict[str, list[Record]] = {}
    for record in records:
        if record.site != site:
            raise ChainFormatError(f"record of site {record.site!r} in a manifest of {site!r}")
        grouped.setdefault(record.camera, []).append(record)
    cameras = {c: tuple(sorted(rs, key=lambda r: r.seq)) for c, rs in grouped.items()}
    ordered = tuple(sorted(index, key=lambda e: (e.camera, e.seq)))
    manifest = Manifest(site, seq, prev, key_id, issued_at, cameras, ordered)
    parse_manifest(manifest.canonical())  # the same checks as a reader's
    return manifest


def parse_manifest(data: bytes) -> Manifest:
    """A manifest from its file's bytes; raises ChainFormatError unless they are
    exactly the canonical bytes of a well-formed manifest."""
    try:
        obj = json.loads(data.decode("utf-8"))
        if obj.get("v") != VERSION or obj.get("type") != TYPE:
            raise ChainFormatError(f"not a version {VERSION} {TYPE}")
        cameras = {entry["camera"]: _camera_records(entry) for entry in obj["cameras"]}
        manifest = Manifest(
            validate_id(obj["site"], "site"),
            obj["seq"],
            obj["prev"],
            obj["key_id"],
            parse_time(obj["issued_at"]),
            cameras,
            tuple(_stored(entry) for entry in obj.get("index", ())),
        )
    except (
        UnicodeDecodeError,
        json.JSONDecodeError,
        KeyError,
        TypeError,
        AttributeError,
        ValueError,
    ) as exc:
        raise ChainFormatError(f"not a chain manifest: {exc}") from exc
    if type(manifest.seq) is not int or manifest.seq < 0 or len(manifest.prev) != 64:
        raise ChainFormatError("a manifest's seq is >= 0 and prev a SHA-256")
    if any(r.site != manifest.site for r in manifest.records()):
        raise ChainFormatError("a manifest holds records of its own site only")
    _check_index(manifest)
    if manifest.canonical() != data:
        raise ChainFormatError("manifest bytes are not canonical (edited or re-encoded)")
    return manifest


def _stored(entry: Mapping[str, object]) -> Stored:
    described = entry.get("described", {})
    if (
        not isinstance(described, dict)
        or len(described) > _MAX_DESCRIBED
        or not all(
            isinstance(k, str)
            and isinstance(v, str)
            and len(k) <= _MAX_TEXT
            and len(v) <= _MAX_TEXT
            for k, v in described.items()
        )
    ):
        raise ChainFormatError(f"an index entry's description is not names and values: {entry!r}")
    camera, seq, key = entry["camera"], entry["seq"], entry["key"]
    if not isinstance(camera, str) or type(seq) is not int or not isinstance(key, str):
        raise ChainFormatError(f"an index entry is camera, seq and key: {entry!r}")
    return Stored(camera, seq, key, described)


def _check_index(manifest: Manifest) -> None:
    """Each entry names a segment record of this manifest, once, and a key of this
    site's camera whose name (no class) is the record's ``object``."""
    records = {(r.camera, r.seq): r for r in manifest.records()}
    seen: set[tuple[str, int]] = set()
    for entry in manifest.index:
        where = f"index entry {entry.camera}/{entry.seq}"
        record = records.get((entry.camera, entry.seq))
        if record is None or record.kind is not RecordKind.SEGMENT:
            raise ChainFormatError(f"{where}: no such segment record")
        if (entry.camera, entry.seq) in seen:
            raise ChainFormatError(f"{where} twice")
        seen.add((entry.camera, entry.seq))
        try:
            parsed = parse_key(entry.key)
            named = chain_object_name(entry.key)
        except KeyFormatError as exc:
            raise ChainFormatError(f"{where}: {exc}") from exc
        if (parsed.kind, parsed.site, parsed.camera) != (KeyKind.SEGMENT, manifest.site,
                                                         entry.camera):  # fmt: skip
            raise ChainFormatError(f"{where}: a key of another camera")
        if named != record.fields.get("object"):
            raise ChainFormatError(f"{where}: not its record's object")


def _camera_records(entry: Mapping[str, object]) -> tuple[Record, ...]:
    raw = entry["records"]
    if not isinstance(raw, list) or not raw:
        raise ChainFormatError(f"camera {entry.get('camera')!r} lists no records")
    records = tuple(record_from_json(r) for r in raw)
    if any(r.camera != entry["camera"] for r in records):
        raise ChainFormatError(f"records of another camera under {entry['camera']!r}")
    return records


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A site's registered public key and the time it is valid for (``not_after``
    None: still in use)."""

    key_id: str
    raw: bytes  # 32 bytes
    not_before: datetime
    not_after: datetime | None = None

    def valid_at(self, moment: datetime) -> bool:
        return self.not_before <= moment and (self.not_after is None or moment < self.not_after)


def verifier_keys(signing_keys: Iterable[SigningKey]) -> list[PublicKey]:
    """The :class:`PublicKey` s a verifier checks a site's manifests with, from the
    config's ``sites[].signing_keys`` (ChainFormatError on a key that is not 32 bytes)."""
    return [
        PublicKey(k.id, public_from_b64(k.public_key), k.not_before, k.not_after)
        for k in signing_keys
    ]


def sign(manifest_bytes: bytes, private_key: Ed25519PrivateKey) -> bytes:
    """The detached signature: Ed25519 over the exact bytes, 64 raw bytes."""
    return private_key.sign(manifest_bytes)


def verify_signature(
    manifest_bytes: bytes, signature: bytes, keys: Iterable[PublicKey]
) -> Manifest:
    """The manifest, if a registered key valid at its ``issued_at`` signed exactly
    these bytes; else ChainFormatError saying which check failed (the signature
    first: an edited manifest is a bad signature, whatever else it breaks)."""
    key_id, issued_at = _signer(manifest_bytes)
    named = [k for k in keys if k.key_id == key_id]
    if not named:
        raise ChainFormatError(f"manifest signed by unknown key {key_id!r}")
    valid = [k for k in named if k.valid_at(issued_at)]
    if not valid:
        raise ChainFormatError(f"key {key_id!r} was not valid at {format_time(issued_at)}")
    for key in valid:
        try:
            Ed25519PublicKey.from_public_bytes(key.raw).verify(signature, manifest_bytes)
        except (InvalidSignature, ValueError):
            continue
        return parse_manifest(manifest_bytes)
    raise ChainFormatError(f"bad signature on manifest issued {format_time(issued_at)}")


def _signer(data: bytes) -> tuple[str, datetime]:
    try:
        obj = json.loads(data.decode("utf-8"))
        return str(obj["key_id"]), parse_time(obj["issued_at"])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ChainFormatError(f"not a chain manifest: {exc}") from exc


def manifest_chain_breaks(manifests: Sequence[Manifest]) -> list[str]:
    """English sentences for each break in a site's manifest chain (seq order)."""
    breaks: list[str] = []
    ordered = sorted(manifests, key=lambda m: m.seq)
    if ordered and ordered[0].seq == 0 and ordered[0].prev != ZERO_HASH:
        breaks.append("manifest seq 0 does not start a chain")
    for a, b in pairwise(ordered):
        if b.seq == a.seq:
            breaks.append(f"two manifests with seq {b.seq}")
        elif b.seq > a.seq + 1:
            breaks.append(f"manifests seq {a.seq + 1}..{b.seq - 1} missing")
        elif b.prev != a.hash:
            breaks.append(f"manifest seq {b.seq} does not follow seq {a.seq}")
    return breaks


def public_raw(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def public_b64(raw: bytes) -> str:
    """How the config carries a public key: base64 of its 32 raw bytes."""
    return base64.b64encode(raw).decode("ascii")


def public_from_b64(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise ChainFormatError(f"not base64: {text!r}") from exc
    if len(raw) != 32:
        raise ChainFormatError(f"an Ed25519 public key is 32 bytes, got {len(raw)}")
    return raw


def public_pem(raw: bytes) -> bytes:
    """The SubjectPublicKeyInfo PEM ``openssl pkeyutl -pubin`` reads."""
    return Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id_of(raw: bytes) -> str:
    """A key's default id: ``ed25519-`` and the first 16 hex of its SHA-256."""
    return f"ed25519-{sha256_hex(raw)[:16]}"
