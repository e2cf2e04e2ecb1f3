"""Ingest a site manifest: a site's 10 minutes of footage indexed from one object.

Every 10 minutes each edge seals its site's chain records into a signed manifest
(footage.manifest) whose ``index`` names the key each segment went to and, for a
segment the edge recorded, its description (footage.description). In AWS the
bucket announces manifests (``aws.segment_events`` off, the default), not each
segment: one message, two GETs (the manifest and its signature) and one holds
Query per camera stand for a message and a HEAD per segment. The price is
freshness: a segment is found by search once its manifest is up (10 minutes at
most after its upload, plus the upload), not seconds after its upload.

Per index entry:

* **described**, of a camera whose policy keeps footage as recorded, with a
  description that agrees with its chain record (the size and SHA-256 the edge
  recorded after the store accepted its checked PUT) and that a segment of that
  camera can have (footage.services.ingest_described, the record standing in
  for the HEAD): indexed from the manifest, with no HEAD, no GET of the segment
  and no ffmpeg;
* **anything else** (an NVR file, an original, a variant key, a camera not of
  this site, a description that disagrees or none): the object's own ingest
  (footage.services.ingest.ingest_object), exactly as a per-segment event would
  have run it: HEAD, and the FFmpeg path where needed.

Trust. Only a site's edge can write under its site's ``manifests/`` prefix (IAM),
as only it can write its ``segments/``; a manifest whose body names another site
than its key is refused whole. Where the config registers the site's public keys
(``sites[].signing_keys``) the signature must verify under one of them, or the
manifest is used as a list of keys only (each object ingested on its own: a
forged description indexes nothing). A row from a manifest carries what its edge
signed; that the object is there is the sweep's daily net (a row whose object is
gone), and that its bytes are the signed SHA-256 is what ``vms verify`` and an
evidence export check (they hash the bytes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from footage.chain import Record
from footage.errors import ChainFormatError, KeyFormatError, ObjectNotFound
from footage.keys import (
    MANIFEST_BODY,
    MANIFEST_SIGNATURE,
    MANIFEST_TOKEN,
    MANIFESTS_PREFIX,
    ManifestKey,
    build_manifest_key,
    parse_key,
    parse_manifest_key,
)
from footage.manifest import Manifest, Stored, parse_manifest, verify_signature
from footage.models import ObjectInfo, Protection
from footage.services.ingest import index_described, ingest_object, refusal
from footage.services.ingest_described import trusted_description
from footage.services.ingest_types import IngestContext, IngestResult, Outcome

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Read:
    manifest: Manifest
    trusted: bool  # its descriptions may be indexed from (signed, or no key to check)
    why: str = ""  # why not


def ingest_announced(ctx: IngestContext, key: str) -> list[IngestResult]:
    """What an announced object adds to the index: a manifest's segments, or one
    segment (a per-segment event, the net's re-announcement)."""
    if key.startswith(MANIFESTS_PREFIX):
        return ingest_manifest(ctx, key)
    return [ingest_object(ctx, key)]


def ingest_manifest(ctx: IngestContext, key: str) -> list[IngestResult]:
    """Index every segment a site manifest names (any of its files' keys)."""
    try:
        named = parse_manifest_key(key)
    except KeyFormatError as exc:
        return [IngestResult(Outcome.SKIPPED, key, str(exc))]
    if named.extension == MANIFEST_TOKEN:
        return [IngestResult(Outcome.SKIPPED, key, "a time-stamp token: nothing to index")]
    try:
        read = _read(ctx, named)
    except (ChainFormatError, ObjectNotFound) as exc:  # any other StorageError: retried
        log.error("manifest not indexed: %s", exc, extra={"site": named.site, "key": key})
        return [IngestResult(Outcome.SKIPPED, key, f"not a manifest to index from: {exc}")]
    if not read.trusted:
        log.error("manifest taken as a list of keys only: %s", read.why,
                  extra={"site": named.site, "key": key})  # fmt: skip
    records = {(r.camera, r.seq): r for r in read.manifest.records()}
    holds: dict[str, list[Protection]] = {}
    return [
        _entry(ctx, entry, records[(entry.camera, entry.seq)], read.trusted, holds)
        for entry in read.manifest.index
    ]


def _read(ctx: IngestContext, named: ManifestKey) -> _Read:
    """The manifest, checked against its key's site and, where the site has keys,
    its signature. ChainFormatError or ObjectNotFound when it cannot be used at all;
    any other StorageError (the store failing) goes to the caller: the message is
    retried, not dropped."""

    def file(extension: str) -> bytes:
        return ctx.storage.read_range(build_manifest_key(
            named.site, named.issued_at, extension=extension,
            retention_days=named.retention_days))  # fmt: skip

    body = file(MANIFEST_BODY)
    manifest = parse_manifest(body)
    if manifest.site != named.site:
        raise ChainFormatError(f"a manifest of site {manifest.site!r} under {named.site!r}")
    keys = ctx.signing_keys.get(named.site, ())
    if not keys:
        return _Read(manifest, trusted=True)
    try:
        verify_signature(body, file(MANIFEST_SIGNATURE), keys)
    except (ChainFormatError, ObjectNotFound) as exc:
        return _Read(manifest, trusted=False, why=f"its signature: {exc}")
    return _Read(manifest, trusted=True)


def _entry(
    ctx: IngestContext, entry: Stored, record: Record, trusted: bool,
    holds: dict[str, list[Protection]],
) -> IngestResult:  # fmt: skip
    parsed = parse_key(entry.key)  # parse_manifest checked it: a segment of the site
    if not trusted or not entry.described or parsed.is_original or parsed.variant:
        return ingest_object(ctx, entry.key)
    if refusal(ctx, parsed):
        return ingest_object(ctx, entry.key)  # refused there: moved aside, logged
    claimed = ObjectInfo(entry.key, _int(record, "size"), dict(entry.described),
                         stored_sha256=str(record.fields.get("sha256")))  # fmt: skip
    described = trusted_description(ctx.policy(parsed.camera), parsed, claimed)
    if isinstance(described, str):
        where = {"camera": parsed.camera, "site": parsed.site, "key": entry.key}
        log.warning("its description is not indexed from (%s): ingesting the object",
                    described, extra=where)  # fmt: skip
        return ingest_object(ctx, entry.key)
    if parsed.camera not in holds:  # one read of a camera's holds per manifest
        holds[parsed.camera] = ctx.catalog.list_protections(parsed.camera)
    return index_described(ctx, parsed, claimed, described, holds[parsed.camera])


def _int(record: Record, name: str) -> int:
    value = record.fields.get(name)
    return value if isinstance(value, int) else -1
