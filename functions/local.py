"""Run the real Lambda handlers on this machine: ``python -m functions.local``.

``vms up --backend aws-local`` starts this next to a moto server. It polls the
ingest queue like Lambda's SQS event source mapping (batches, partial batch
responses: only the messages the handler did not report as failed are deleted;
failed ones come back after the visibility timeout and reach the DLQ after five
tries), reads the table's stream into the totals handler like its event source
mapping (camera totals and revisions follow writes), and invokes the sweep
handler daily at ``retention.run_at`` like the EventBridge rule (running the
cameras a sweep hands on itself), the restore drill handler at ``drills.run_at``,
and the alerts handler every minute.
The handlers get real event payloads and a context stub.
Configuration is the same environment the CDK stack gives the functions, plus
``VMS_ENDPOINT_URL`` and ``VMS_QUEUE_URL``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from footage.adapters.aws_local import QueuePoller
from footage.errors import FootageError
from footage.logs import configure_logging
from footage.retention import next_daily_run

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LocalContext:
    """What Powertools reads from a LambdaContext."""

    function_name: str
    memory_limit_in_mb: int = 1769
    timeout_s: float = 300.0
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self.started)) * 1000))


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda builds from received SQS messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


@dataclass(frozen=True, slots=True)
class Delivery:
    received: int
    failed: int


def deliver_once(
    poller: QueuePoller, handler: Handler, queue_arn: str, region: str, batch: int, wait_s: int
) -> Delivery:
    """One receive -> invoke -> delete cycle of the event source mapping."""
    messages = poller.receive(batch, wait_s)
    if not messages:
        return Delivery(0, 0)
    response = handler(sqs_event(messages, queue_arn, region), LocalContext("ingest"))
    failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
    poller.delete([m["ReceiptHandle"] for m in messages if m["MessageId"] not in failed])
    return Delivery(len(messages), len(failed))


def run_sweep(handler: Handler) -> None:
    """The scheduled sweep, then the continuations it hands on (no Lambda to invoke)."""
    event: dict[str, Any] = {"source": "aws.events", "detail-type": "Scheduled Event"}
    while True:
        result = handler(event, LocalContext("sweep", timeout_s=900)) or {}
        if not result.get("handed_on"):
            return
        event = {"cameras": result["handed_on"]}


def run_drill(handler: Handler) -> None:
    """The scheduled restore drill; a run that cannot be recorded is logged, not fatal."""
    try:
        handler({"source": "aws.events", "detail-type": "Scheduled Event"},
                LocalContext("drill", timeout_s=900))  # fmt: skip
    except FootageError as exc:
        log.error("restore drill failed to run: %s", exc)


#: The alerts Lambda's schedule (cctv_infra.alerts).
ALERTS_EVERY = timedelta(minutes=1)


def run_alerts(handler: Handler) -> None:
    """The alert rules, every minute like its EventBridge rule; a failed run is
    logged, and the next minute's is the retry (as in AWS)."""
    try:
        handler({"source": "aws.events", "detail-type": "Scheduled Event"},
                LocalContext("alerts", timeout_s=50))  # fmt: skip
    except FootageError as exc:
        log.error("alerts failed to run: %s", exc)


def run(stop: threading.Event) -> None:
    from footage.adapters.dynamodb_stream import StreamReader, ensure_stream
    from functions.alerts import handler as alerts
    from functions.drill import handler as drill
    from functions.ingest import handler as ingest
    from functions.sweep import handler as sweep
    from functions.totals import handler as totals

    region = ingest.settings.region
    queue_url = os.environ["VMS_QUEUE_URL"]
    queue_arn = os.environ["VMS_QUEUE_ARN"]
    poller = QueuePoller(ingest.settings.endpoint_url or "", region, queue_url)
    endpoint, table = ingest.settings.endpoint_url, ingest.settings.table
    stream = StreamReader(ensure_stream(table, region, endpoint), region, endpoint)
    apply_totals: Handler = totals.handler
    run_at = sweep.runtime.config.retention.run_at
    next_sweep = next_daily_run(datetime.now(UTC), run_at)
    drills = sweep.runtime.config.drills
    next_drill = next_daily_run(datetime.now(UTC), drills.run_at)
    next_alerts = datetime.now(UTC)
    log.info("local Lambda runner polling %s; next sweep %s", queue_url, next_sweep.isoformat())
    while not stop.is_set():
        try:
            deliver_once(poller, ingest.handler, queue_arn, region, batch=5, wait_s=1)
            records = stream.read()
            if records:
                apply_totals({"Records": records}, LocalContext("totals"))
        except FootageError as exc:
            log.error("poll failed: %s", exc)
            stop.wait(2.0)
        if datetime.now(UTC) >= next_sweep:
            run_sweep(sweep.handler)
            next_sweep = next_daily_run(datetime.now(UTC), run_at)
        if drills.enabled and datetime.now(UTC) >= next_drill:
            run_drill(drill.handler)
            next_drill = next_daily_run(datetime.now(UTC), drills.run_at)
        if datetime.now(UTC) >= next_alerts:
            run_alerts(alerts.handler)
            next_alerts = datetime.now(UTC) + ALERTS_EVERY


def main() -> None:
    configure_logging(os.environ.get("VMS_LOG_LEVEL", "INFO"), json_lines=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    run(stop)


if __name__ == "__main__":
    main()
