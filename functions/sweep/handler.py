"""Retention sweep Lambda (EventBridge, daily): the net behind lifecycle and TTL.

S3 lifecycle rules expire objects by their retention class and DynamoDB TTL
deletes rows, each on its own clock, for free. This sweep leaves them that work:
a row whose expiry passed less than footage.retention.TTL_GRACE (3 days) ago is
TTL's; one still there after it is deleted with its objects (SweepMissedByTtl),
and an object past retention that no row names is deleted
(SweepMissedByLifecycle), so a dashboard shows the net catching. It keeps
evidence holds (and counts what they keep) and deletes exports past their
lifetime (as the lifecycle rule on ``exports/`` does, to the day). Counts and
bytes go out as metrics.

It never stops half-way: footage.services.sweep covers cameras one by one, each
its retention then its net (rows whose object is gone are dropped, objects whose
row is gone are re-indexed through ingest or, past retention, deleted; evidence
is never touched), while the invocation has time
(footage.services.retention.CAMERA_BUDGET_S left), and hands the cameras it did
not reach to a new asynchronous invocation of itself (``{"cameras": [...]}``),
which does the same, so 1,000 cameras are covered every day whatever one
invocation manages; the one that finishes the list expires unconfigured
cameras' rows and exports. One log line per invocation. Without a function name
(the local runner) the rest is returned as ``handed_on`` for the caller to run.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from footage.services.sweep import run_sweep, summary
from functions.runtime import build_runtime
from functions.settings import SweepSettings

logger = Logger()
metrics = Metrics()
tracer = Tracer()
settings = SweepSettings()  # from the environment
runtime = build_runtime(settings)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    cameras = event.get("cameras")  # a continuation: the cameras a run handed on
    job = runtime.sweep_job(settings, lambda: lambda_context.get_remaining_time_in_millis() / 1000)
    report = run_sweep(job, runtime.clock.now(), cameras=cameras, dry_run=settings.dry_run)
    handed_on = _hand_on(report.remaining)
    counts = summary(report)
    for name, value in counts.items():
        unit = MetricUnit.Bytes if name == "SweepBytesDeleted" else MetricUnit.Count
        metrics.add_metric(name=name, unit=unit, value=value)
    logger.info("sweep finished", extra={"dry_run": settings.dry_run, **counts,
                                         "continuation": cameras is not None,
                                         "handed_on": len(report.remaining)})  # fmt: skip
    return {"dry_run": settings.dry_run, **counts, "handed_on": handed_on}


def _hand_on(cameras: list[str]) -> list[str]:
    """Invoke this function again, asynchronously, for ``cameras``; returns them
    when there is no function to invoke (the local runner runs them itself)."""
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if not cameras or not name or settings.endpoint_url:
        return cameras
    payload = json.dumps({"cameras": cameras}).encode()
    boto3.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=payload)
    return []
