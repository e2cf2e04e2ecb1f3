"""The orphan sweep: stored objects that no index row accounts for.

In AWS, S3 lifecycle rules delete objects and DynamoDB TTL deletes rows, each on
its own schedule, and a crash between two steps of ingest can leave a derived
file behind. :func:`footage.services.retention.run_retention` deletes what the
index knows; this sweep is the net for the rest. Each run reads a bounded window
of camera-days (one listing per kind and one index query per camera-day), so its
cost does not grow with the archive:

Each camera-day is listed in every retention class a configured camera uses and
in the keys from before classes (``footage.keys``).

- the ``lookback_days`` days just past a camera's retention: every object there
  that no row references and that is past retention is deleted, unless an
  evidence hold covers it;
- the last ``recent_days`` days: thumbnails and renditions that no row references
  and that are older than ``grace`` are deleted. Segment uploads without a row
  are never deleted there (they may wait for ingest, or sit in the DLQ); they are
  counted as ``unindexed`` so that an operator can look.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from footage.catalog import Catalog
from footage.errors import KeyFormatError, StorageError
from footage.keys import CLASSED_KINDS, KeyKind, build_day_prefix, parse_key
from footage.models import ObjectInfo, Protection
from footage.storage import Storage

log = logging.getLogger(__name__)
_DERIVED = (KeyKind.THUMBNAIL, KeyKind.RENDITION)


@dataclass(frozen=True, slots=True)
class CameraScope:
    camera: str
    site: str
    retention_days: int


@dataclass(frozen=True, slots=True)
class OrphanJob:
    storage: Storage
    catalog: Catalog
    cameras: Sequence[CameraScope]
    lookback_days: int = 7
    recent_days: int = 2
    grace: timedelta = timedelta(hours=6)


@dataclass(slots=True)
class OrphanReport:
    dry_run: bool
    objects: int = 0
    bytes: int = 0
    unindexed: int = 0
    protected_kept: int = 0
    errors: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def sweep_orphans(job: OrphanJob, now: datetime, *, dry_run: bool = False) -> OrphanReport:
    report = OrphanReport(dry_run=dry_run)
    for scope in job.cameras:
        holds = job.catalog.list_protections(scope.camera)
        cutoff = now - timedelta(days=scope.retention_days)
        for day in _days(cutoff.date(), job.lookback_days):
            for obj in _unreferenced(job, scope, day, tuple(KeyKind)):
                _expired(job, report, obj, cutoff, holds)
        for day in _days(now.date(), job.recent_days):
            for obj in _unreferenced(job, scope, day, (KeyKind.SEGMENT, *_DERIVED)):
                _recent(job, report, obj, now - job.grace)
    log.info(
        "orphan sweep%s: %d objects, %d bytes, %d unindexed uploads, %d held, %d errors",
        " (dry run)" if dry_run else "",
        report.objects, report.bytes, report.unindexed, report.protected_kept, len(report.errors),
    )  # fmt: skip
    return report


def _days(last: date, count: int) -> list[date]:
    return [last - timedelta(days=n) for n in range(count)]


def _unreferenced(
    job: OrphanJob, scope: CameraScope, day: date, kinds: Sequence[KeyKind]
) -> Iterator[ObjectInfo]:
    """Objects of one camera-day that no index row names."""
    lo = datetime.combine(day, time(), UTC)
    rows = job.catalog.query_camera(
        scope.camera, lo - timedelta(hours=1), lo + timedelta(days=1), include_quarantined=True
    )
    known = {key for row in rows for key in (*row.all_keys, row.sprite_key) if key}
    for kind, days in _classes(job, kinds):
        prefix = build_day_prefix(kind, scope.site, scope.camera, day, retention_days=days)
        for obj in job.storage.list(prefix):
            if obj.key not in known:
                yield obj


def _classes(job: OrphanJob, kinds: Sequence[KeyKind]) -> list[tuple[KeyKind, int | None]]:
    """Where a camera's objects of ``kinds`` may be: every retention class a camera
    uses now (a camera that changed class left footage in its old one, which
    another camera may still use) and the keys from before classes (None)."""
    classes = sorted({scope.retention_days for scope in job.cameras})
    return [
        (kind, days)
        for kind in kinds
        for days in ([None, *classes] if kind in CLASSED_KINDS else [None])
    ]


def _expired(
    job: OrphanJob,
    report: OrphanReport,
    obj: ObjectInfo,
    cutoff: datetime,
    holds: Sequence[Protection],
) -> None:
    start = _start(obj.key)
    if start is None or start >= cutoff:
        return
    if any(h.start <= start < h.end for h in holds):
        report.protected_kept += 1
        return
    _delete(job, report, obj)


def _recent(job: OrphanJob, report: OrphanReport, obj: ObjectInfo, settled: datetime) -> None:
    if obj.modified is None or obj.modified > settled:
        return  # ingest may still be writing this segment's row
    kind = obj.key.split("/", 1)[0]
    if kind == KeyKind.SEGMENT.value:
        report.unindexed += 1
        log.warning("upload without an index row", extra={"key": obj.key})
        return
    _delete(job, report, obj)


def _delete(job: OrphanJob, report: OrphanReport, obj: ObjectInfo) -> None:
    if not report.dry_run:
        try:
            job.storage.delete(obj.key)
        except StorageError as exc:
            report.errors.append(f"{obj.key}: {exc}")
            return
    report.objects += 1
    report.bytes += obj.size
    report.deleted.append(obj.key)


def _start(key: str) -> datetime | None:
    try:
        return parse_key(key).start
    except KeyFormatError:
        log.warning("not a footage key; left alone", extra={"key": key})
        return None
