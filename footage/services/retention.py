"""The retention sweep: delete footage past its camera's retention.

Batch-wise, page by page: the page's due rows are decided (pure), every object
they name goes in one ``Storage.delete_many`` (S3: DeleteObjects, 1,000 keys a
call), then the rows whose objects are all gone in one
``Catalog.delete_segments`` (DynamoDB: BatchWriteItem, 25 a call). If an object
delete fails its row stays, so the next run retries; nothing is ever orphaned in
the index. On-prem this is the mechanism; in AWS, lifecycle and TTL delete and
this is the net (``RetentionJob.ttl_grace``): a row whose ``expires_at`` passed
less than the grace ago is left to TTL (counted ``left_to_ttl``), one still there
after it is deleted with its objects and counted ``missed_by_ttl``, and rows due
only because their camera's retention was shortened are the sweep's alone. A run
covers the cameras it is given, camera by camera, and stops between two cameras
when ``time_left`` runs short: the report then lists the cameras still to do, for
the caller to hand on (the sweep Lambda invokes itself with them). Protected
footage is kept, and counted: the catalog's retention queries skip protected rows, so the sweep
looks where the evidence holds are. Exports past their lifetime go too, so they
expire even while the API (whose own timer also expires them) is down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from footage.catalog import Catalog
from footage.config import Config
from footage.errors import StorageError
from footage.models import Protection, Segment
from footage.retention import TtlShare, Verdict, decide, kept_by_protection, ttl_share
from footage.services.exports import ExportStore, expire_exports
from footage.storage import Storage

log = logging.getLogger(__name__)
#: A dry run lists candidates in one pass; this bounds it.
DRY_RUN_LIMIT = 1_000_000
#: A camera is started only with this much time left (seconds): one camera's
#: day of 60 s segments is ~3 DeleteObjects and ~58 BatchWriteItem calls.
CAMERA_BUDGET_S = 60.0


@dataclass(slots=True)
class RetentionReport:
    dry_run: bool
    segments: int = 0
    objects: int = 0
    bytes: int = 0
    protected_kept: int = 0  # segments past retention that an evidence hold keeps
    exports_deleted: int = 0  # objects of expired exports (jobs, parts, files)
    left_to_ttl: int = 0  # due rows TTL still has time to delete (read, not deleted)
    missed_by_ttl: int = 0  # of ``segments``: rows TTL left past its grace
    errors: list[str] = field(default_factory=list)
    deleted: list[Segment] = field(default_factory=list)
    #: cameras this run left for a continuation (it ran short of time)
    remaining: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RetentionJob:
    storage: Storage
    catalog: Catalog
    retention_days: Mapping[str, int]  # camera id -> days, as configured now
    batch_size: int = 500
    #: seconds this run may still take (a Lambda's remaining time); None: no limit
    time_left: Callable[[], float] | None = None
    #: where TTL deletes expired rows (AWS: footage.retention.TTL_GRACE), how long it
    #: is given; None (on-prem): this pass deletes every row at its retention
    ttl_grace: timedelta | None = None


def job_from_config(config: Config, storage: Storage, catalog: Catalog) -> RetentionJob:
    """The retention job of a deployment: each configured camera's retention."""
    days = {c.id: c.retention_days for c in config.cameras}
    return RetentionJob(storage, catalog, days, config.retention.batch_size)


def run_retention(
    job: RetentionJob,
    now: datetime,
    *,
    dry_run: bool = False,
    cameras: Sequence[str] | None = None,
) -> RetentionReport:
    """Delete (or, dry, list) every segment past retention of ``cameras`` (default:
    every camera in the index, then the expired rows of cameras no longer
    configured, protected counts and exports). Protected rows are never returned
    by the catalog's retention queries, and decide() re-checks."""
    run = RetentionPass(job, now, RetentionReport(dry_run=dry_run))
    todo = list(job.catalog.cameras() if cameras is None else cameras)
    for number, camera in enumerate(todo):
        if number and job.time_left is not None and job.time_left() < CAMERA_BUDGET_S:
            run.report.remaining = todo[number:]
            break
        run.expire_camera(camera)
    if cameras is None and not run.report.remaining:
        run.finish()
    log_report(run.report)
    return run.report


class RetentionPass:
    """One run of retention, camera by camera (footage.services.sweep drives it with
    the net): each row is looked at once, even if deleting it fails."""

    def __init__(self, job: RetentionJob, now: datetime, report: RetentionReport) -> None:
        self.job, self.now, self.report = job, now, report
        self.protections = job.catalog.list_protections()
        self.limit = DRY_RUN_LIMIT if report.dry_run else job.batch_size
        self.seen: set[tuple[str, datetime, str]] = set()

    def expire_camera(self, camera: str) -> None:
        """The camera's rows past its configured retention (none if unconfigured)."""
        days = self.job.retention_days.get(camera)
        if days is not None:  # rows TTL still has time for are not even read
            cutoff = self.now - timedelta(days=days) - (self.job.ttl_grace or timedelta())
            fetch = partial(self.job.catalog.list_ending_before, camera, cutoff, self.limit)
            _drain(self.job, self.report, self.protections, self.now, fetch, self.seen)

    def finish(self) -> None:
        """Once every camera is done: expired rows of cameras no longer configured,
        the protected counts and exports past their lifetime."""
        job, report, now = self.job, self.report, self.now
        fetch = partial(job.catalog.list_expired, now - (job.ttl_grace or timedelta()), self.limit)
        _drain(job, report, self.protections, now, fetch, self.seen)
        _count_protected(job, report, self.protections, now, self.seen)
        _expire_exports(job, report, now)


def _count_protected(
    job: RetentionJob,
    report: RetentionReport,
    protections: list[Protection],
    now: datetime,
    seen: set[tuple[str, datetime, str]],
) -> None:
    """Count the segments past retention that protection keeps, each once: those
    overlapping a hold that ended their retention before ``now``."""
    for hold in protections:
        days = job.retention_days.get(hold.camera)
        if days is None:
            continue
        end = min(hold.end, now - timedelta(days=days))
        if end <= hold.start:
            continue
        rows = job.catalog.query_camera(hold.camera, hold.start, end, include_quarantined=True)
        for segment in rows:
            if segment.identity not in seen and kept_by_protection(segment, days, [hold], now):
                seen.add(segment.identity)
                report.protected_kept += 1


def _expire_exports(job: RetentionJob, report: RetentionReport, now: datetime) -> None:
    try:
        report.exports_deleted = expire_exports(
            ExportStore(job.storage), now, dry_run=report.dry_run
        )
    except StorageError as exc:
        report.errors.append(f"exports: {exc}")
        log.error("expiring exports failed: %s", exc)


def _drain(
    job: RetentionJob,
    report: RetentionReport,
    protections: list[Protection],
    now: datetime,
    fetch: Callable[[], list[Segment]],
    seen: set[tuple[str, datetime, str]],
) -> None:
    """Fetch pages until one deletes nothing (a dry run looks once)."""
    while True:
        due: list[Segment] = []
        for segment in fetch():
            if segment.identity in seen:
                continue
            seen.add(segment.identity)
            verdict = decide(segment, job.retention_days.get(segment.camera), protections, now)
            if verdict.verdict is Verdict.PROTECTED:
                report.protected_kept += 1
            elif verdict.verdict is Verdict.DELETE and _ttls(job, segment, now):
                report.left_to_ttl += 1
            elif verdict.verdict is Verdict.DELETE:
                due.append(segment)
        progressed = _delete(job, report, due, now) if due else False
        if report.dry_run or not progressed:
            return


def _ttls(job: RetentionJob, segment: Segment, now: datetime) -> bool:
    """Whether TTL is still to delete ``segment`` (within its grace)."""
    grace = job.ttl_grace
    return grace is not None and ttl_share(segment, now, grace) is TtlShare.WAITING


def _missed(job: RetentionJob, segment: Segment, now: datetime) -> bool:
    grace = job.ttl_grace
    return grace is not None and ttl_share(segment, now, grace) is TtlShare.MISSED


def _delete(job: RetentionJob, report: RetentionReport, due: list[Segment], now: datetime
            ) -> bool:  # fmt: skip
    """Objects of a page in one batch, then the rows whose objects all went."""
    if report.dry_run:
        for segment in due:
            _count(report, segment, _missed(job, segment, now))
        return True
    try:
        failed = set[str](job.storage.delete_many([k for s in due for k in s.all_keys]))
    except StorageError as exc:
        report.errors.append(f"{len(due)} segments: {exc}")
        log.error("retention delete failed: %s", exc, extra=_ctx(due[0]))
        return False
    gone = [s for s in due if not failed & set(s.all_keys)]
    for segment in due:
        if failed & set(segment.all_keys):
            report.errors.append(f"{segment.key}: an object could not be deleted")
            log.error("retention delete failed", extra=_ctx(segment))
    job.catalog.delete_segments(gone)
    for segment in gone:
        _count(report, segment, _missed(job, segment, now))  # counted, not logged per row
    return bool(gone)


def _count(report: RetentionReport, segment: Segment, missed_by_ttl: bool) -> None:
    report.missed_by_ttl += missed_by_ttl
    report.segments += 1
    report.objects += len(segment.all_keys)
    report.bytes += segment.size_bytes
    report.deleted.append(segment)


def _ctx(segment: Segment) -> dict[str, str]:
    return {"camera": segment.camera, "site": segment.site, "key": segment.key}


def log_report(report: RetentionReport) -> None:
    log.info(
        "retention %s: %d segments (%d missed by TTL), %d objects, %d bytes, %d protected "
        "kept, %d left to TTL, %d export files, %d errors", "dry run" if report.dry_run
        else "run", report.segments, report.missed_by_ttl, report.objects, report.bytes,
        report.protected_kept, report.left_to_ttl, report.exports_deleted, len(report.errors),
    )  # fmt: skip
