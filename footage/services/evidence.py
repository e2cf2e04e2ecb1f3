"""Evidence holds = legal holds: footage nobody deletes until an admin releases it.

A hold is recorded in the index (a Protection; its rows are marked protected, so
the retention sweep skips them) and enforced by the store itself on every object
of the range (``Storage.hold``): an S3 Object Lock legal hold, a GCS temporary
hold, a read-only NAS file whose sidecar marks the hold (the filesystem adapter
refuses to delete, move or replace it). Placing one is open to admins (on the
box: whoever runs ``vms evidence protect``, i.e. root); releasing one needs an
admin account (the API's admin; on the box, ``--admin NAME`` and its password).
Both are audited (who, when, range, reason, how many segments), and so is a
refused attempt.

Why S3 footage is still copied under ``evidence/``: a legal hold protects a
*version*, not a key. The bucket is versioned and its lifecycle rules expire
``segments/<class>/...`` by prefix; on a held object, expiry cannot delete the
held version but still puts a delete marker over it, so the key would 404 and
playback, renditions and exports (which read the current version) would lose it.
Keeping the original held in place would mean storing its version id in the
index and reading by version everywhere. Instead ``Storage.preserve`` copies the
object under ``evidence/`` (no lifecycle rule covers that prefix; the copy keeps
its metadata and SHA-256), the row points at the copy, and the copy is held:
nothing the lifecycle does reaches it, and nobody without
``s3:PutObjectLegalHold`` (not the edge, not ingest, not the sweep) can delete
its bytes. The original's versions then expire with their class. GCS honours a
temporary hold in its lifecycle too, and a NAS has no lifecycle, so there the
object stays where it is and is held in place.

The signed manifests covering a held range are held with it, and released when
no other hold covers them (footage.services.evidence_manifests).

A release lifts the store's holds of the rows no other hold covers, forgets the
hold, and gives those rows their expiry back; the sweep then deletes what is past
retention. Steps are ordered so that a crash leaves footage kept, never lost.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from footage.audit import AuditAction, AuditEvent, AuditLog
from footage.catalog import Catalog
from footage.errors import HoldRefused, KeyFormatError, NotFound, ObjectNotFound
from footage.keys import validate_id
from footage.models import Protection, Segment
from footage.retention import expiry
from footage.services.evidence_manifests import SiteClasses, hold_manifests, release_manifests
from footage.storage import Storage

log = logging.getLogger(__name__)
#: A reason is a case number or a sentence, not a document.
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks for a hold or a release, as the audit trail names them."""

    username: str
    is_admin: bool
    client: str  # the client address, or "cli" on the box


@dataclass(frozen=True, slots=True)
class EvidenceDesk:
    """What holds need: the index, the store, the audit trail, the time, and where
    each site's manifests are (footage.services.manifest_find.site_classes)."""

    catalog: Catalog
    storage: Storage
    audit: AuditLog
    now: datetime
    manifest_classes: SiteClasses


@dataclass(frozen=True, slots=True)
class HoldOutcome:
    protection: Protection
    segments: int  # rows held (or released)
    objects: int  # objects the store holds (or released)
    manifests: int = 0  # manifest files (.json, .sig, .tsr) held (or released)

    @property
    def id(self) -> str:
        return hold_id(self.protection)


def hold_id(protection: Protection) -> str:
    """``<camera>.<start ms>.<end ms>``: a camera id has no dot, so it parses back."""
    return f"{protection.camera}.{_ms(protection.start)}.{_ms(protection.end)}"


def parse_hold_id(text: str) -> tuple[str, datetime, datetime]:
    """(camera, start, end) of a hold id; KeyFormatError if it is not one."""
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isdigit() and len(p) <= 15 for p in parts[1:]):
        raise KeyFormatError(f"not an evidence hold id: {text[:80]!r}")
    start, end = (datetime.fromtimestamp(int(p) / 1000, UTC) for p in parts[1:])
    if end <= start:
        raise KeyFormatError("an evidence hold must end after it starts")
    return validate_id(parts[0], "camera"), start, end


def place_hold(
    desk: EvidenceDesk, who: Requester, protection: Protection, site: str
) -> HoldOutcome:
    """Hold ``protection``'s range for an admin (HoldRefused otherwise); audited."""
    if not who.is_admin:
        _audit(desk, who, AuditAction.HOLD_REFUSED, protection, site, "not an administrator")
        raise HoldRefused("only an administrator can place an evidence hold")
    outcome = protect(desk.catalog, desk.storage, protection)
    classes = desk.manifest_classes.get(site, ())
    held = hold_manifests(desk.storage, site, classes, protection, desk.now.date())
    outcome = dataclasses.replace(outcome, manifests=held)
    _audit(desk, who, AuditAction.HOLD, protection, site, _detail(protection, outcome))
    return outcome


def release_hold(
    desk: EvidenceDesk, who: Requester, held: str, site: str, retention_days: int | None
) -> HoldOutcome:
    """Release the hold ``held`` (an id) for an admin; HoldRefused (audited) for anyone
    else, whatever the id; KeyFormatError if it is not an id, NotFound if there is no
    such hold."""
    if not who.is_admin:
        refuse_release(desk, who, _asked(held, who.username, desk.now), site,
                       f"not an administrator; hold {held[:100]}")  # fmt: skip
        raise HoldRefused("only an administrator can release an evidence hold")
    holds = desk.catalog.list_protections(parse_hold_id(held)[0])
    hold = next((p for p in holds if hold_id(p) == held), None)
    if hold is None:
        raise NotFound(f"no evidence hold {held}")
    outcome = _release(desk, hold, [p for p in holds if p != hold], retention_days)
    # after the hold is forgotten: a crash leaves its manifests held, never lost
    classes = desk.manifest_classes.get(site, ())
    freed = release_manifests(desk.storage, site, classes, hold,
                              desk.catalog.list_protections(), desk.now.date())  # fmt: skip
    outcome = dataclasses.replace(outcome, manifests=freed)
    _audit(desk, who, AuditAction.RELEASE, hold, site, _detail(hold, outcome))
    return outcome


def refuse_release(
    desk: EvidenceDesk, who: Requester, held: Protection, site: str, why: str
) -> None:
    """Audit a release refused before it reached :func:`release_hold` (a wrong admin
    password on the box)."""
    _audit(desk, who, AuditAction.RELEASE_REFUSED, held, site, why)


def protect(catalog: Catalog, storage: Storage, protection: Protection) -> HoldOutcome:
    """Record the hold, then preserve and hold every object in the range.

    The hold is recorded first: if preserving fails half way, the sweep already
    keeps the footage and running protect again finishes the job (preserve and
    hold are idempotent)."""
    catalog.add_protection(protection)
    segments = catalog.query_camera(
        protection.camera, protection.start, protection.end, include_quarantined=True
    )
    objects = 0
    for segment in segments:
        moved = preserved(storage, segment)
        if moved != segment:
            catalog.put_segment(moved)
        objects += len(moved.all_keys)
    log.info("evidence hold on %d segments: %s", len(segments), protection.reason,
             extra={"camera": protection.camera})  # fmt: skip
    return HoldOutcome(protection, len(segments), objects)


def preserved(storage: Storage, segment: Segment) -> Segment:
    """``segment`` with every object preserved and held, its keys pointing at them."""
    key = held_key(storage, segment.key)
    own = segment.thumbnail_key if segment.thumbnail_key in segment.all_keys else None
    # a sprite tile is shared with its window: the sprite stays (its lifecycle expires it)
    thumbnail = held_key(storage, own) if own else segment.thumbnail_key
    derived = tuple(held_key(storage, k) for k in segment.derived_keys)
    if (key, thumbnail, derived) == (segment.key, segment.thumbnail_key, segment.derived_keys):
        return segment
    return dataclasses.replace(segment, key=key, thumbnail_key=thumbnail, derived_keys=derived)


def held_key(storage: Storage, key: str) -> str:
    """Preserve ``key`` out of lifecycle's reach, then hold it; the key that holds it.
    An object already gone (a derived file never made) is logged and skipped."""
    kept = storage.preserve(key)
    try:
        storage.hold(kept)
    except ObjectNotFound:
        log.warning("evidence hold: object missing", extra={"key": kept})
    return kept


def _release(
    desk: EvidenceDesk, hold: Protection, others: list[Protection], days: int | None
) -> HoldOutcome:
    """Objects first (the rows still keep them from the sweep), then the record,
    then the rows no other hold covers get their expiry back."""
    rows = desk.catalog.query_camera(hold.camera, hold.start, hold.end, include_quarantined=True)
    freed = [s for s in rows if not any(p.start < s.end and p.end > s.start for p in others)]
    objects = 0
    for segment in freed:
        for key in segment.all_keys:
            try:
                desk.storage.release(key)
                objects += 1
            except ObjectNotFound:
                log.warning("evidence release: object missing", extra={"key": key})
    desk.catalog.remove_protection(hold)
    for segment in freed:
        expires = expiry(segment.end, days) if days is not None else None
        desk.catalog.put_segment(dataclasses.replace(segment, protected=False, expires_at=expires))
    log.info("evidence hold released on %d segments", len(freed), extra={"camera": hold.camera})
    return HoldOutcome(hold, len(freed), objects)


def _detail(hold: Protection, outcome: HoldOutcome) -> str:
    files = f"; manifest files: {outcome.manifests}" if outcome.manifests else ""
    return f"reason: {hold.reason}; segments: {outcome.segments}{files}"


def _asked(held: str, username: str, now: datetime) -> Protection:
    """The hold an id names, as far as it names one (for the audit of a refusal)."""
    try:
        camera, start, end = parse_hold_id(held)
    except KeyFormatError:
        return Protection("", now, now, "", username)
    return Protection(camera, start, end, "", username)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _audit(
    desk: EvidenceDesk, who: Requester, action: AuditAction, hold: Protection, site: str,
    detail: str,
) -> None:  # fmt: skip
    desk.audit.record(
        AuditEvent(desk.now, who.username, action, hold.camera, site, who.client,
                   hold.start, hold.end, detail)
    )  # fmt: skip
