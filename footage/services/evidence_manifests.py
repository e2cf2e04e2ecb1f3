"""Evidence holds keep the signed manifests that vouch for the held footage.

A held range is only evidence while the manifests covering it exist: without them
nobody can show that a segment is what the camera recorded, or that none was cut
out. So a hold finds the manifests of its camera's site that cover it
(footage.services.manifest_find.covering: from the first to the last carrying a
record of the range, and every one between, the manifest chain whole), and keeps
each file of them (``.json``, ``.sig``, ``.tsr``) exactly as footage is kept
(``Storage.preserve`` + ``Storage.hold``): on S3 a copy under
``evidence/manifests/...`` (no lifecycle rule covers it) with an Object Lock legal
hold, the original left for its class's lifecycle; on GCS a temporary hold in
place; on a NAS the file read-only with its hold marker, in place. A manifest is
copied, not moved: it is write-once, and other cameras of the site read it where
it is until it expires.

A manifest serves every camera of its site, so a release lets go only of those no
other hold still covers (any camera's: the others' cameras that are not of this
site have no record in these manifests and cover none). Its held copy is then
deleted where one was made (S3): the original, while its class keeps it, still
stands, and once past retention nothing held needs it.

A manifest is issued up to 10 minutes after its records (later after an uplink
outage): a hold placed on footage whose manifest has not arrived yet holds what is
there; placing the same hold again later (idempotent) holds the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from footage.errors import ObjectNotFound
from footage.keys import EVIDENCE_PREFIX
from footage.models import Protection
from footage.services.manifest_find import (
    LOOKAHEAD_DAYS,
    StoredManifest,
    covering,
    find_manifests,
    manifest_days,
)
from footage.storage import Storage

log = logging.getLogger(__name__)
#: retention classes a site's manifests may be stored under, by site id
#: (footage.services.manifest_find.site_classes builds it from the config)
SiteClasses = Mapping[str, Sequence[int]]


def hold_manifests(
    storage: Storage, site: str, classes: Sequence[int], hold: Protection, today: date
) -> int:
    """Preserve and hold every file of the manifests covering ``hold``; how many.
    Idempotent (a crash half way: running it again finishes the job)."""
    stored = find_manifests(storage, site, classes, manifest_days(hold.start, hold.end, today))
    held = 0
    for manifest in covering(stored, hold.camera, hold.start, hold.end):
        for key in manifest.files:
            kept = key if key.startswith(EVIDENCE_PREFIX) else storage.preserve(key, copy=True)
            try:
                storage.hold(kept)
                held += 1
            except ObjectNotFound:
                log.warning("evidence hold: manifest file missing", extra={"key": kept})
    log.info("evidence hold on %d manifest files", held,
             extra={"site": site, "camera": hold.camera})  # fmt: skip
    return held


def release_manifests(
    storage: Storage, site: str, classes: Sequence[int], hold: Protection,
    others: Sequence[Protection], today: date,
) -> int:  # fmt: skip
    """Lift the hold of the manifest files only ``hold`` covers (no hold of
    ``others`` does); delete the held copies made for it. How many were released."""
    near = [p for p in others if _may_share(p, hold)]
    days = sorted({d for p in (hold, *near) for d in manifest_days(p.start, p.end, today)})
    stored = find_manifests(storage, site, classes, days)
    kept = {m.key for p in near for m in covering(stored, p.camera, p.start, p.end)}
    freed = [m for m in covering(stored, hold.camera, hold.start, hold.end) if m.key not in kept]
    released = 0
    for manifest in freed:
        released += _release_files(storage, manifest)
    log.info("evidence hold released on %d manifest files", released,
             extra={"site": site, "camera": hold.camera})  # fmt: skip
    return released


def _release_files(storage: Storage, manifest: StoredManifest) -> int:
    """Release the files of ``manifest`` this store holds (on S3 the copies under
    evidence/, never an original: those were never held), deleting the copies."""
    released = 0
    for key in manifest.files:
        original = key.removeprefix(EVIDENCE_PREFIX)
        if storage.preserved_key(original) != key:
            continue  # not where a hold keeps it (an S3 original left to its lifecycle)
        try:
            storage.release(key)
        except ObjectNotFound:
            log.warning("evidence release: manifest file missing", extra={"key": key})
            continue
        released += 1
        if key != original:
            storage.delete(key)
    return released


def _may_share(other: Protection, hold: Protection) -> bool:
    """Whether ``other`` can cover a manifest ``hold`` covers: both cover only
    manifests issued from their start to :data:`LOOKAHEAD_DAYS` past their end."""
    reach = timedelta(days=LOOKAHEAD_DAYS + 1)
    return other.start <= hold.end + reach and hold.start <= other.end + reach
