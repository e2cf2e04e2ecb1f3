"""Restore drill Lambda (EventBridge, daily at drills.run_at): fetch random
segments of every site and age back from S3 (Glacier IR included), check their
SHA-256 against the index and the signed chain, decode them, and record the run
in the footage table (footage.services.drill). ``DrillChecked`` and
``DrillFailed`` go out as metrics (an alarm fires on a failure); one log line per
run names each failed segment. The run stops fetching before the timeout and
records what it checked. A manual invocation may ask for another sample size:
``{"count": N}`` (1..10000; default the config's drills.count)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from footage.services.drill import run_drill
from functions.runtime import build_runtime
from functions.settings import FunctionSettings

logger = Logger()
metrics = Metrics()
settings = FunctionSettings()  # from the environment
runtime = build_runtime(settings)
MAX_COUNT = 10_000


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    job = runtime.drill_job(lambda: lambda_context.get_remaining_time_in_millis() / 1000)
    run = run_drill(job, runtime.clock.now(), _count(event))
    metrics.add_metric(name="DrillChecked", unit=MetricUnit.Count, value=len(run.checks))
    metrics.add_metric(name="DrillFailed", unit=MetricUnit.Count, value=len(run.failed))
    failed = [f"{c.site}/{c.camera} {c.key}: {c.outcome.value} ({c.reason})" for c in run.failed]
    logger.info("restore drill finished", extra={
        "checked": len(run.checks), "failed": failed, "bytes_read": run.bytes_read,
        "chained": sum(1 for c in run.checks if c.chain)})  # fmt: skip
    return {"checked": len(run.checks), "failed": len(run.failed), "bytes_read": run.bytes_read}


def _count(event: dict[str, Any]) -> int:
    count = event.get("count", runtime.config.drills.count)
    if type(count) is not int or not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be a whole number from 1 to {MAX_COUNT}, not {count!r}")
    return count
