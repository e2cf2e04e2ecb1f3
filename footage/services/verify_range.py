"""``vms verify --range CAMERA START END``: what storage holds against the manifests.

The site's manifests of the range's days (footage.services.manifest_find, every
retention class of the site) are checked with the keys the config registers:
signature, manifest chain, the camera's record chain. Then every segment object
of the camera stored in the range (each class, and evidence/ copies) is read
and hashed, and compared with the records: altered, deleted, forged (no record)
and swapped objects are named; gap and dropped records are honest holes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from footage.chain import RecordKind
from footage.chain_verify import StoredObject
from footage.errors import KeyFormatError, ObjectNotFound
from footage.keys import (
    EVIDENCE_PREFIX,
    KeyKind,
    build_day_prefix,
    chain_object_name,
    parse_evidence_key,
    parse_key,
)
from footage.services.evidence_export import EvidenceSources
from footage.services.manifest_find import find_manifests, manifest_days, touches
from footage.services.verify_checks import (
    Report,
    camera_records,
    check_chain,
    check_objects,
    check_signatures,
    note_holes,
)
from footage.storage import Storage

_READ = 8 << 20


def verify_range(
    storage: Storage, sources: EvidenceSources, site: str, camera: str,
    start: datetime, end: datetime, today: date,
) -> Report:  # fmt: skip
    report = Report()
    stored = find_manifests(storage, site, sources.classes, manifest_days(start, end, today))
    for m in stored:
        if m.manifest is None:
            report.fail("manifest_unreadable", m.key, m.error)
    signed = [(m.key, m.body, m.signature) for m in stored if m.manifest is not None]
    manifests = check_signatures(report, signed, sources.keys)
    records, anchors = camera_records(manifests, camera)
    if not records:
        report.fail("no_manifest", camera)
    check_chain(report, records, anchors)
    named = {str(r.fields["object"]) for r in records if r.kind is RecordKind.SEGMENT
             and touches(r, start, end)}  # fmt: skip
    objects = [_hashed(storage, key, name) for key, name in _objects(storage, sources, site,
               camera, start, end, named)]  # fmt: skip
    check_objects(report, records, [o for o in objects if o is not None], start, end)
    note_holes(report, records, start, end)
    return report


def _objects(
    storage: Storage, sources: EvidenceSources, site: str, camera: str,
    start: datetime, end: datetime, named: set[str],
) -> Iterator[tuple[str, str]]:  # fmt: skip
    """(key, chain name) of each stored segment of the camera that starts in the
    range or that a record of the range names."""
    day, seen = (start - timedelta(days=1)).date(), set()
    while day <= end.date():
        for retention in sources.classes:
            prefix = build_day_prefix(KeyKind.SEGMENT, site, camera, day, retention_days=retention)
            for prefixed in (prefix, EVIDENCE_PREFIX + prefix):
                for obj in storage.list(prefixed):
                    name = _name(obj.key, start, end, named)
                    if name is not None and name not in seen:
                        seen.add(name)
                        yield obj.key, name
        day += timedelta(days=1)


def _name(key: str, start: datetime, end: datetime, named: set[str]) -> str | None:
    try:
        parsed = parse_evidence_key(key) if key.startswith(EVIDENCE_PREFIX) else parse_key(key)
        name = chain_object_name(key)
    except KeyFormatError:
        return None
    if parsed.kind is not KeyKind.SEGMENT:
        return None
    return name if name in named or start <= parsed.start < end else None


def _hashed(storage: Storage, key: str, name: str) -> StoredObject | None:
    digest, size, offset = hashlib.sha256(), 0, 0
    try:
        while True:
            chunk = storage.read_range(key, offset, offset + _READ)
            digest.update(chunk)
            size += len(chunk)
            offset += len(chunk)
            if len(chunk) < _READ:
                return StoredObject(name, digest.hexdigest(), size)
    except ObjectNotFound:
        return None  # deleted while we read: the record reports it missing
