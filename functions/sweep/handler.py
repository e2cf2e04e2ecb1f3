"""Retention sweep Lambda (EventBridge, daily): the net behind lifecycle and TTL.

S3 lifecycle rules expire objects by their retention tag and DynamoDB TTL
expires rows, each within a day or two and independently. This sweep deletes,
at the configured retention, every expired row with its objects (keeping
evidence holds, and counting those they keep), exports past their lifetime (as
the lifecycle rule on ``exports/`` does, to the day), then the objects no row
accounts for. Counts and bytes go out as metrics, so a dashboard shows what
each run removed.

It never stops half-way: the retention pass covers cameras one by one while the
invocation has time (footage.services.retention.CAMERA_BUDGET_S left), and hands
the cameras it did not reach to a new asynchronous invocation of itself
(``{"cameras": [...]}``), which does the same, so 1,000 cameras are covered
every day whatever one invocation manages. Without a function name (the local
runner) the rest is returned as ``handed_on`` for the caller to run.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

import boto3
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
    cameras = event.get("cameras")  # a continuation: these cameras' retention only
    job = runtime.retention_job(lambda: lambda_context.get_remaining_time_in_millis() / 1000)
    expired = run_retention(job, now, dry_run=settings.dry_run, cameras=cameras)
    handed_on = _hand_on(expired.remaining)
    scope = runtime.orphan_job(settings)
    if cameras is not None:  # the scheduled run sweeps orphans once
        scope = replace(scope, cameras=[])
    orphans = sweep_orphans(scope, now, dry_run=settings.dry_run)
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
    logger.info("sweep finished", extra={"dry_run": settings.dry_run, **summary,
                                         "handed_on": len(expired.remaining)})  # fmt: skip
    return {"dry_run": settings.dry_run, **summary, "handed_on": handed_on}


def _hand_on(cameras: list[str]) -> list[str]:
    """Invoke this function again, asynchronously, for ``cameras``; returns them
    when there is no function to invoke (the local runner runs them itself)."""
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if not cameras or not name or settings.endpoint_url:
        return cameras
    payload = json.dumps({"cameras": cameras}).encode()
    boto3.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=payload)
    return []
