"""Retention sweep Lambda (EventBridge, daily): the net behind lifecycle and TTL.

S3 lifecycle rules expire objects by their retention tag and DynamoDB TTL
expires rows, each within a day or two and independently. This sweep deletes,
at the configured retention, every expired row with its objects (keeping
evidence holds, and counting those they keep), exports past their lifetime (as
the lifecycle rule on ``exports/`` does, to the day), then the objects no row
accounts for. Counts and bytes go out as metrics, so a dashboard shows what
each run removed.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from footage.services.orphans import sweep_orphans
from footage.services.retention import run_retention
from functions.runtime import build_runtime
from functions.settings import SweepSettings

logger = Logger()
metrics = Metrics()
tracer = Tracer()
settings = SweepSettings()  # from the environment
runtime = build_runtime(settings)


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    now = runtime.clock.now()
    expired = run_retention(runtime.retention_job(), now, dry_run=settings.dry_run)
    orphans = sweep_orphans(runtime.orphan_job(settings), now, dry_run=settings.dry_run)
    counts = {
        "SweepSegmentsDeleted": (expired.segments, MetricUnit.Count),
        "SweepObjectsDeleted": (expired.objects + orphans.objects, MetricUnit.Count),
        "SweepBytesDeleted": (expired.bytes + orphans.bytes, MetricUnit.Bytes),
        "SweepOrphansDeleted": (orphans.objects, MetricUnit.Count),
        "SweepExportsDeleted": (expired.exports_deleted, MetricUnit.Count),
        "SweepProtectedKept": (expired.protected_kept + orphans.protected_kept, MetricUnit.Count),
        "SweepUnindexedUploads": (orphans.unindexed, MetricUnit.Count),
        "SweepErrors": (len(expired.errors) + len(orphans.errors), MetricUnit.Count),
    }
    for name, (value, unit) in counts.items():
        metrics.add_metric(name=name, unit=unit, value=value)
    summary = {name: value for name, (value, _) in counts.items()}
    logger.info("sweep finished", extra={"dry_run": settings.dry_run, **summary})
    return {"dry_run": settings.dry_run, **summary}
