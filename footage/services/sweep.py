"""The daily sweep: retention, then the net, camera by camera, within a time budget.

Each camera is one unit of work: its rows past retention
(footage.services.retention), then its net (footage.services.orphans: rows whose
object is gone, objects whose row is gone). A run starts a camera only with
CAMERA_BUDGET_S left and names the cameras it did not reach (or finish) in
``remaining``, for a continuation that runs the same way on them; the run that
finishes the list also expires the rows of cameras no longer configured, counts
what evidence holds keep and expires exports. No line is logged per camera: the
caller logs one summary per run (:func:`summary`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from footage.services.orphans import Net, OrphanJob, OrphanReport
from footage.services.retention import (
    CAMERA_BUDGET_S,
    RetentionJob,
    RetentionPass,
    RetentionReport,
)


@dataclass(frozen=True, slots=True)
class SweepJob:
    retention: RetentionJob
    net: OrphanJob
    #: seconds this run may still take (a Lambda's remaining time); None: no limit
    time_left: Callable[[], float] | None = None


@dataclass(slots=True)
class SweepReport:
    retention: RetentionReport
    net: OrphanReport
    remaining: list[str] = field(default_factory=list)  # cameras left for a continuation


def run_sweep(
    job: SweepJob, now: datetime, *, cameras: Sequence[str] | None = None, dry_run: bool = False
) -> SweepReport:
    """Sweep ``cameras`` (default: every camera indexed or configured)."""
    expire = RetentionPass(job.retention, now, RetentionReport(dry_run=dry_run))
    net = Net(job.net, now, OrphanReport(dry_run=dry_run))
    report = SweepReport(expire.report, net.report)
    scopes = {s.camera: s for s in job.net.cameras}
    todo = list(cameras) if cameras is not None else _every_camera(job)
    for number, camera in enumerate(todo):
        if number and job.time_left is not None and job.time_left() < CAMERA_BUDGET_S:
            report.remaining = todo[number:]
            break
        expire.expire_camera(camera)
        scope = scopes.get(camera)
        if scope is not None and not net.repair_camera(scope):
            report.remaining = todo[number:]  # it re-indexed until short of time
            break
    if not report.remaining:
        expire.finish()
    return report


def _every_camera(job: SweepJob) -> list[str]:
    indexed = job.retention.catalog.cameras()
    return sorted(set(indexed) | {s.camera for s in job.net.cameras})


def summary(report: SweepReport) -> dict[str, int]:
    """The run's counts, by metric name."""
    r, n = report.retention, report.net
    return {
        "SweepSegmentsDeleted": r.segments,
        "SweepLeftToTtl": r.left_to_ttl + n.left_to_ttl,
        "SweepMissedByTtl": r.missed_by_ttl + n.missed_by_ttl,
        "SweepMissedByLifecycle": n.missed_by_lifecycle,
        "SweepObjectsDeleted": r.objects + n.objects,
        "SweepBytesDeleted": r.bytes + n.bytes,
        "SweepOrphansDeleted": n.objects,
        "SweepRowsDropped": n.rows_dropped,
        "SweepReindexed": sum(n.reindexed.values()),
        "SweepExportsDeleted": r.exports_deleted,
        "SweepProtectedKept": r.protected_kept + n.protected_kept,
        "SweepUnindexedUploads": n.unindexed,
        "SweepCameraDays": n.camera_days,
        "SweepErrors": len(r.errors) + len(n.errors),
    }
