"""The "Lambda" side of cloud_cost.py and fleet.py: the real handlers, imported cold in
a process of their own, with every AWS call, CPU second and log byte counted per phase.

A helper: ``python bench/cloud_cost.py --worker`` runs :func:`main` with the
function's environment (VMS_* and BENCH_*), and prints one JSON line.

Phases (BENCH_PHASES, comma-separated):

- ``ingest``: drain BENCH_MESSAGES S3 notifications from the queue in batches of
  BENCH_BATCH into functions.ingest.handler, as the SQS event source mapping does;
- ``totals``: read the table's stream (NEW_AND_OLD_IMAGES) and hand it to
  functions.totals.handler in batches of up to 10,000 records, as the DynamoDB
  event source mapping does (its GetRecords are free in AWS and not counted);
- ``sweep``: the scheduled sweep (functions.sweep.handler) at BENCH_SWEEP_DAYS
  (comma-separated days after BENCH_BASE), each day with its continuations
  (``handed_on``) run until none is left. Before each day's run, DynamoDB TTL is
  simulated (moto runs none): every segment row expired by then is deleted, not
  counted (TTL's deletions are free), as TTL will have done within its grace;
- ``totals`` again after ``sweep`` (BENCH_PHASES may name it twice): the stream,
  TTL's REMOVE records included, handed over again (what was applied is skipped).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TextIO

from cloud_common import CallCounter, cpu_seconds

REGION = os.environ.get("VMS_REGION", "us-east-1")


class CountingStdout:
    """stdout as Lambda ships it to CloudWatch Logs: bytes, and the metrics (EMF) in it."""

    def __init__(self, real: TextIO) -> None:
        self.real, self.bytes, self.lines = real, 0, 0
        self.metrics: set[tuple[str, tuple[tuple[str, str], ...]]] = set()

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        self.lines += text.count("\n")
        for line in text.splitlines():
            self._emf(line)
        return len(text)

    def _emf(self, line: str) -> None:
        if '"_aws"' not in line:
            return
        doc = json.loads(line)
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for dims in directive["Dimensions"]:
                values = tuple((d, str(doc.get(d))) for d in dims)
                for metric in directive["Metrics"]:
                    self.metrics.add((metric["Name"], values))

    def flush(self) -> None:
        pass

    def take(self) -> tuple[int, int]:
        out = self.bytes, self.lines
        self.bytes = self.lines = 0
        return out


class Phase:
    """CPU, wall, calls, write units and log bytes of one kind of invocation."""

    def __init__(self, counter: CallCounter, out: CountingStdout, keep: int = 3) -> None:
        self.counter, self.out, self.keep = counter, out, keep
        self.cpu = self.wall = 0.0
        self.calls: Counter[str] = Counter()
        self.wru = self.invocations = self.log_bytes = self.log_lines = 0
        self.results: list[Any] = []
        self.first_cpu = 0.0  # the first invocation's: a cold container's first calls

    def run(self, call: Callable[[], Any]) -> Any:
        self.counter.take()
        self.out.take()
        cpu0, wall0 = cpu_seconds(), time.perf_counter()
        result = call()
        self.wall += time.perf_counter() - wall0
        self.cpu += cpu_seconds() - cpu0
        if not self.invocations:
            self.first_cpu = self.cpu
        calls, wru = self.counter.take()
        self.calls.update(calls)
        self.wru += wru
        log_bytes, log_lines = self.out.take()
        self.log_bytes += log_bytes
        self.log_lines += log_lines
        self.invocations += 1
        self.results.append(result)
        return result

    def summary(self) -> dict[str, Any]:
        return {"cpu": self.cpu, "wall": self.wall, "calls": dict(self.calls), "wru": self.wru,
                "invocations": self.invocations, "log_bytes": self.log_bytes,
                "log_lines": self.log_lines, "results": self.results[-self.keep :],
                "first_cpu": self.first_cpu, "largest_put": self.counter.largest_put}  # fmt: skip


def ingest(counter: CallCounter, out: CountingStdout) -> dict[str, Any]:
    from footage.adapters.aws_local import QueuePoller
    from functions.ingest import handler
    from functions.local import LocalContext, sqs_event

    # The product vouches for a PUT's SHA-256 only in AWS (footage.adapters.factory: moto
    # keeps ChecksumSHA256 without checking it); here it must, as in AWS, for the
    # described path to run at all (as tests/integration/test_cloud_described does).
    handler.context.storage.server_checksums = True  # type: ignore[attr-defined]
    phase = Phase(counter, out)
    poller = QueuePoller(os.environ["VMS_ENDPOINT_URL"], REGION, os.environ["VMS_QUEUE_URL"])
    arn, expected = os.environ["VMS_QUEUE_ARN"], int(os.environ["BENCH_MESSAGES"])
    batch, done, failures, idle = int(os.environ.get("BENCH_BATCH", "5")), 0, 0, 0
    first = 0
    while done < expected:
        messages = poller.receive(batch, 1)
        if not messages:
            idle += 1
            if idle > 30:
                raise SystemExit(f"the queue went quiet after {done} of {expected} messages")
            continue
        event = sqs_event(messages, arn, REGION)
        result = phase.run(lambda e=event: handler.handler(e, LocalContext("ingest")))
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        failures += len(failed)
        created = sum('"Records"' in m["Body"] for m in messages)  # not S3's TestEvent
        done += created
        first = first or created
        poller.delete([m["ReceiptHandle"] for m in messages if m["MessageId"] not in failed])
    return {**phase.summary(), "failures": failures, "messages": done, "first_batch": first}


def totals(counter: CallCounter, out: CountingStdout) -> dict[str, Any]:
    from footage.adapters.dynamodb_stream import StreamReader, ensure_stream
    from functions.local import LocalContext
    from functions.totals import handler

    table, endpoint = os.environ["VMS_TABLE"], os.environ["VMS_ENDPOINT_URL"]
    reader = StreamReader(ensure_stream(table, REGION, endpoint), REGION, endpoint)
    records = [r for r in reader.read() if r["dynamodb"]["Keys"]["pk"]["S"].startswith("CAM#")]
    phase = Phase(counter, out)
    for i in range(0, len(records), 10_000):  # the mapping's batch size (TOTALS_BATCH_SIZE)
        event = {"Records": records[i : i + 10_000]}
        context = LocalContext("totals", memory_limit_in_mb=256)
        phase.run(lambda e=event, c=context: handler.handler(e, c))
    size = sum(len(json.dumps(r, default=str)) for r in records) / max(1, len(records))
    return {**phase.summary(), "records": len(records), "record_bytes": round(size)}


def sweep(counter: CallCounter, out: CountingStdout) -> dict[str, Any]:
    from footage.clock import FixedClock
    from functions.local import LocalContext
    from functions.sweep import handler

    base = datetime.fromisoformat(os.environ["BENCH_BASE"])
    runs = {}
    for day in os.environ["BENCH_SWEEP_DAYS"].split(","):
        clock = FixedClock(base + timedelta(days=int(day)))
        handler.runtime = replace(handler.runtime, clock=clock)
        ttl_deleted = simulate_ttl(clock.now())  # before the run: not counted
        phase, event = Phase(counter, out, keep=10**6), {"source": "aws.events"}
        while True:
            timeout = float(os.environ.get("BENCH_SWEEP_TIMEOUT", "900"))
            context = LocalContext("sweep", memory_limit_in_mb=1024, timeout_s=timeout)
            result = phase.run(lambda e=event, c=context: handler.handler(e, c))
            if not result.get("handed_on"):
                break
            event = {"cameras": result["handed_on"]}
        runs[day] = {**phase.summary(), "ttl_deleted": ttl_deleted}
    return runs


def simulate_ttl(now: datetime) -> int:
    """DynamoDB TTL, which moto does not run: delete every segment row whose
    ``expires_at`` is at or before ``now``, as TTL does for free within a few days
    (its REMOVE records then reach the totals). Returns how many it deleted."""
    import boto3

    table, endpoint = os.environ["VMS_TABLE"], os.environ["VMS_ENDPOINT_URL"]
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION)
    pages = client.get_paginator("scan").paginate(TableName=table)
    due = [item for page in pages for item in page["Items"]
           if item["pk"]["S"].startswith("CAM#") and "expires_at" in item
           and int(item["expires_at"]["N"]) <= now.timestamp()]  # fmt: skip
    for item in due:
        client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    return len(due)


PHASES = {"ingest": ingest, "totals": totals, "sweep": sweep}


def main() -> None:
    real = sys.stdout
    out = CountingStdout(real)
    sys.stdout = out  # before any handler import: Powertools binds its stream then
    counter = CallCounter()
    from footage.media import probe

    # As in Lambda: the layer's static ffmpeg first on PATH, and no ffprobe.
    os.environ["PATH"] = f"{os.environ['BENCH_FFMPEG_DIR']}:{os.environ['PATH']}"
    probe.default_backend = lambda: probe.ProbeBackend.FFMPEG
    result: dict[str, Any] = {}
    for name in os.environ["BENCH_PHASES"].split(","):
        cpu0 = cpu_seconds()
        label = name if name not in result else f"{name}_after"  # totals, after TTL
        result[label] = PHASES[name](counter, out)
        result[f"{label}_total_cpu"] = cpu_seconds() - cpu0
    result["metrics"] = [[name, dict(dims)] for name, dims in sorted(out.metrics)]
    sys.stdout = real
    print(json.dumps(result, default=str))
