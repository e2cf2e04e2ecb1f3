"""The sweep's net: each camera-day where a miss is possible, its rows against its objects.

In AWS, S3 lifecycle rules delete objects and DynamoDB TTL deletes rows, each on
its own schedule; an ingest message can be lost past its DLQ; a crash between two
steps of ingest can leave a derived file behind. :func:`footage.services.retention.
run_retention` deletes what the index knows; this net repairs the rest, on the
days footage.services.repair_plan.repair_days names (the expiry edge and the last
few days), so its cost does not grow with the archive. Per camera-day: one Query
of the day's rows, then one listing per prefix that can hold the camera's objects
(each retention class in use and the keys from before classes, for segments,
thumbnails and quarantine; a site prefix found empty once in a run is not read
again), and footage.services.repair_plan.plan_day decides:

- a row whose object is gone: the row is deleted (batch-wise);
- an object no row names, past retention: deleted (batch-wise), unless an
  evidence hold covers it;
- a segment upload no row names, within retention and settled (older than
  ``grace``): re-indexed through ingest's own entry point (``reindex``: what
  the ingest Lambda and the local worker call); without one it is counted as
  ``unindexed``;
- a thumbnail no row names, settled: deleted. Sprites (shared by their window's
  rows), quarantined files (refused uploads have no row) and renditions (their
  own lifecycle) are left to their rules.

Evidence is never touched. It works over any Storage and Catalog: on-prem (a NAS
and SQLite) too, where nothing but the retention pass deletes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from footage.catalog import Catalog
from footage.errors import FootageError, StorageError
from footage.keys import CLASSED_KINDS, KeyKind, build_day_prefix, build_site_prefix
from footage.models import ObjectInfo, Protection
from footage.retention import expiry_schedule
from footage.services.repair_plan import DayFacts, DayPlan, plan_day, repair_days
from footage.storage import Storage

log = logging.getLogger(__name__)
#: Re-indexing stops with this much time left (seconds): one FFmpeg-path ingest.
REINDEX_RESERVE_S = 30.0
_LISTED_KINDS = (KeyKind.SEGMENT, KeyKind.THUMBNAIL, KeyKind.QUARANTINE)


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
    lookback_days: int = 3
    recent_days: int = 2
    grace: timedelta = timedelta(hours=6)
    #: hands one rowless upload to ingest and names what happened: the ingest
    #: outcome when run in process (on-prem), "queued" when handed to the ingest
    #: queue (AWS: the sweep itself never runs ffmpeg); None: only counted
    reindex: Callable[[str], str] | None = None
    #: seconds this run may still take; None: no limit
    time_left: Callable[[], float] | None = None
    #: where TTL deletes rows (AWS: footage.retention.TTL_GRACE): a row whose object
    #: lifecycle took on schedule is left to TTL until its expiry is this old
    ttl_grace: timedelta | None = None


@dataclass(slots=True)
class OrphanReport:
    dry_run: bool
    objects: int = 0
    bytes: int = 0
    unindexed: int = 0  # rowless uploads left (no reindex, or one that failed)
    protected_kept: int = 0
    rows_dropped: int = 0  # rows whose object was gone
    left_to_ttl: int = 0  # rows whose object lifecycle took: TTL's to delete
    missed_by_ttl: int = 0  # of rows_dropped: past TTL's grace
    missed_by_lifecycle: int = 0  # of objects: past retention, lifecycle's to delete
    reindexed: dict[str, int] = field(default_factory=dict)  # ingest outcome -> count
    camera_days: int = 0
    errors: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def sweep_orphans(job: OrphanJob, now: datetime, *, dry_run: bool = False) -> OrphanReport:
    """The net over every camera of ``job``, with one summary line."""
    net = Net(job, now, OrphanReport(dry_run=dry_run))
    for scope in job.cameras:
        net.repair_camera(scope)
    log_report(net.report)
    return net.report


def log_report(report: OrphanReport) -> None:
    log.info(
        "net%s: %d camera-days, %d objects (%d bytes) deleted, %d rows without object "
        "dropped, re-indexed %s, %d unindexed, %d held, %d errors",
        " (dry run)" if report.dry_run else "", report.camera_days, report.objects,
        report.bytes, report.rows_dropped, report.reindexed or "none", report.unindexed,
        report.protected_kept, len(report.errors),
    )  # fmt: skip


class Net:
    """One run of the net: its report, and which site prefixes hold anything."""

    def __init__(self, job: OrphanJob, now: datetime, report: OrphanReport) -> None:
        self.job, self.now, self.report = job, now, report
        self._occupied: dict[str, bool] = {}
        self._camera_progress = 0
        self._classes = sorted({s.retention_days for s in job.cameras})

    def repair_camera(self, scope: CameraScope) -> bool:
        """Repair one camera's days; False if it stopped short of time while
        re-indexing, having re-indexed something (so a rerun of it progresses)."""
        self._camera_progress = 0
        holds = self.job.catalog.list_protections(scope.camera)
        cutoff = self.now - timedelta(days=scope.retention_days)
        days = repair_days(self.now.date(), scope.retention_days, self.job.lookback_days,
                           self.job.recent_days)  # fmt: skip
        for day in days:
            facts = self._read(scope, day, cutoff, holds)
            self.report.camera_days += 1
            if not self._apply(plan_day(facts)):
                return False
        return True

    def _read(
        self, scope: CameraScope, day: date, cutoff: datetime, holds: Sequence[Protection]
    ) -> DayFacts:
        """The day's rows first, then its objects: a row read was written after its
        object, so a row whose object the listing lacks has truly lost it."""
        lo = datetime.combine(day, time(), UTC)
        rows = self.job.catalog.rows_starting(scope.camera, lo, lo + timedelta(days=1))
        listed = [p for p in self._prefixes(scope, day) if self._holds_any(scope, p)]
        objects = [obj for prefix in listed for obj in self.job.storage.list(prefix)]
        settled, grace = self.now - self.job.grace, self.job.ttl_grace
        if grace is None:
            return DayFacts(rows, objects, listed, cutoff, settled, holds)
        schedule = expiry_schedule(scope.retention_days).expire_current_after_days
        edge = self.now - timedelta(days=schedule)
        return DayFacts(rows, objects, listed, cutoff, settled, holds, edge, grace, self.now)

    def _prefixes(self, scope: CameraScope, day: date) -> list[str]:
        """Where the camera's objects of ``day`` may be: every class in use (a camera
        that changed class left footage in its old one) and the keys from before
        classes (None)."""
        classes: list[int | None] = [None, *self._classes]
        return [
            build_day_prefix(kind, scope.site, scope.camera, day, retention_days=days)
            for kind in _LISTED_KINDS
            for days in (classes if kind in CLASSED_KINDS else [None])
        ]

    def _holds_any(self, scope: CameraScope, day_prefix: str) -> bool:
        """Whether the site's prefix of that kind and class holds anything: read once a
        run (one LIST page), so an unused class or kind costs no call per camera-day."""
        parts = day_prefix.split("/")
        kind, days = KeyKind(parts[0]), None
        if parts[1].startswith("retention="):
            days = int(parts[1].removeprefix("retention="))
        site = build_site_prefix(kind, scope.site, days)
        if site not in self._occupied:
            self._occupied[site] = next(iter(self.job.storage.list(site)), None) is not None
        return self._occupied[site]

    def _apply(self, plan: DayPlan) -> bool:
        self.report.protected_kept += plan.held
        self.report.left_to_ttl += plan.left_to_ttl
        if plan.drop_rows:
            self._drop_rows(plan)
            self.report.missed_by_ttl += plan.missed_by_ttl
        if plan.delete:
            self._delete(plan.delete)  # a failed delete is counted as an error too
            self.report.missed_by_lifecycle += plan.missed_by_lifecycle
        return self._reindex(plan.reindex)

    def _drop_rows(self, plan: DayPlan) -> None:
        for row in plan.drop_rows:
            log.warning("row without its object: dropped",
                        extra={"camera": row.camera, "site": row.site, "key": row.key})  # fmt: skip
        if not self.report.dry_run:
            self.job.catalog.delete_segments(plan.drop_rows)
        self.report.rows_dropped += len(plan.drop_rows)

    def _delete(self, objects: list[ObjectInfo]) -> None:
        failed: set[str] = set()
        if not self.report.dry_run:
            try:
                failed = set(self.job.storage.delete_many([o.key for o in objects]))
            except StorageError as exc:
                self.report.errors.append(f"{len(objects)} objects: {exc}")
                log.error("net delete failed: %s", exc, extra={"key": objects[0].key})
                return
        for obj in objects:
            if obj.key in failed:
                self.report.errors.append(f"{obj.key}: could not be deleted")
                log.error("net delete failed", extra={"key": obj.key})
                continue
            self.report.objects += 1
            self.report.bytes += obj.size
            self.report.deleted.append(obj.key)

    def _reindex(self, keys: list[str]) -> bool:
        """Each rowless upload through ingest; False if time ran short first."""
        reindex = self.job.reindex
        for number, key in enumerate(keys):
            if reindex is None or self.report.dry_run:
                self.report.unindexed += 1
                log.warning("upload without an index row", extra={"key": key})
                continue
            if self.job.time_left is not None and self.job.time_left() < REINDEX_RESERVE_S:
                self.report.unindexed += len(keys) - number
                return self._camera_progress == 0  # a rerun of no progress could loop
            try:
                outcome = reindex(key)
            except FootageError as exc:
                self.report.unindexed += 1
                self.report.errors.append(f"{key}: {exc}")
                log.error("re-index failed: %s", exc, extra={"key": key})
                continue
            self.report.reindexed[outcome] = self.report.reindexed.get(outcome, 0) + 1
            self._camera_progress += 1
        return True
