"""Finding the signed manifests of a site and a camera's range in storage.

Manifests live under ``manifests/retention=<days>/<site>/<YYYY>/<MM>/<DD>/``
(footage.keys): the class is the longest retention of the site's cameras when
it was written, so each class a camera of the site has in the config is listed.
A manifest is issued after the records it carries (up to 10 minutes, longer
after an outage of the uplink), so days are read from the range's first day to
:data:`LOOKAHEAD_DAYS` past its last. The copies an evidence hold keeps under
``evidence/manifests/...`` (footage.services.evidence_manifests; S3, where the
lifecycle expires ``manifests/``) are read too, and preferred file by file: a
held range still verifies past its retention. Nothing here trusts what it reads:
:func:`covering` picks by the records' own times, the verifier checks signatures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from footage.chain import Record, format_time
from footage.config import Config
from footage.errors import ChainFormatError, KeyFormatError, ObjectNotFound
from footage.keys import EVIDENCE_PREFIX, build_manifest_day_prefix, parse_manifest_key
from footage.manifest import Manifest, parse_manifest
from footage.storage import Storage

log = logging.getLogger(__name__)
#: how many days after a range its last manifests may still be issued
LOOKAHEAD_DAYS = 2


@dataclass(frozen=True, slots=True)
class StoredManifest:
    key: str  # the .json key
    body: bytes
    signature: bytes | None
    token: bytes | None
    issued_at: datetime
    manifest: Manifest | None  # None: not a well-formed manifest
    error: str = ""
    #: the keys read (.json, then .sig and .tsr when stored): evidence copies if any
    files: tuple[str, ...] = ()


def site_classes(config: Config) -> dict[str, tuple[int, ...]]:
    """The retention classes each site's manifests may be stored under: those of
    its cameras in the config (footage.services.evidence_manifests.SiteClasses)."""
    classes: dict[str, set[int]] = {site.id: set() for site in config.sites}
    for camera in config.cameras:
        classes[camera.site].add(camera.retention_days)
    return {site: tuple(sorted(days)) for site, days in classes.items()}


def manifest_days(start: datetime, end: datetime, today: date) -> list[date]:
    """The UTC days whose manifests may carry records of [start, end)."""
    last = min((end - timedelta(microseconds=1)).date() + timedelta(LOOKAHEAD_DAYS), today)
    day, days = start.date(), []
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


def find_manifests(
    storage: Storage, site: str, classes: Iterable[int], days: Sequence[date]
) -> list[StoredManifest]:
    """Every manifest of ``site`` issued on ``days``, in issue order (held copies
    under ``evidence/`` included)."""
    found: dict[str, StoredManifest] = {}
    for retention in sorted(set(classes)):
        for day in days:
            prefix = build_manifest_day_prefix(site, day, retention_days=retention)
            names = {o.key for p in (EVIDENCE_PREFIX + prefix, prefix) for o in storage.list(p)}
            originals = {n.removeprefix(EVIDENCE_PREFIX) for n in names}
            for name in sorted(n for n in originals if n.endswith(".json")):
                stored = _read(storage, name, names)
                if stored is not None:
                    found.setdefault(name.rsplit("/", 1)[-1], stored)
    return sorted(found.values(), key=lambda m: (m.issued_at, m.key))


def _read(storage: Storage, name: str, names: set[str]) -> StoredManifest | None:
    """The manifest ``name`` (its original key), each file from its held copy if
    there is one."""
    key = _where(name, names)
    try:
        issued_at = parse_manifest_key(name).issued_at
        body = storage.read_range(key)
    except (KeyFormatError, ObjectNotFound) as exc:
        log.warning("manifest skipped: %s", exc, extra={"key": key})
        return None
    base = name.removesuffix(".json")
    signature, sig_key = _optional(storage, f"{base}.sig", names)
    token, tsr_key = _optional(storage, f"{base}.tsr", names)
    files = tuple(k for k in (key, sig_key, tsr_key) if k)
    try:
        manifest = parse_manifest(body)
    except ChainFormatError as exc:
        return StoredManifest(key, body, signature, token, issued_at, None, str(exc), files)
    return StoredManifest(key, body, signature, token, issued_at, manifest, files=files)


def _where(name: str, names: set[str]) -> str:
    held = EVIDENCE_PREFIX + name
    return held if held in names else name


def _optional(storage: Storage, name: str, names: set[str]) -> tuple[bytes | None, str]:
    key = _where(name, names)
    if key not in names:
        return None, ""
    try:
        return storage.read_range(key), key
    except ObjectNotFound:
        return None, ""


def touches(record: Record, start: datetime, end: datetime) -> bool:
    """Whether a record speaks of [start, end): its interval overlaps it, or its
    moment (genesis, rekey) falls in it."""
    first, last = record.start, record.end
    if first is not None and last is not None:
        return first < end and last > start
    moment = record.fields.get("at")
    return moment is not None and format_time(start) <= str(moment) < format_time(end)


def covering(
    manifests: Sequence[StoredManifest], camera: str, start: datetime, end: datetime
) -> list[StoredManifest]:
    """The manifests from the first to the last (by seq) carrying a record of
    ``camera`` that touches [start, end), and every manifest between them (the
    manifest chain must be whole to prove none was taken out)."""
    seqs = [
        m.manifest.seq
        for m in manifests
        if m.manifest is not None
        and any(touches(r, start, end) for r in m.manifest.cameras.get(camera, ()))
    ]
    if not seqs:
        return []
    low, high = min(seqs), max(seqs)
    return [m for m in manifests if m.manifest is not None and low <= m.manifest.seq <= high]
