"""Cloud cost of ingest per 1080p camera-month, by ingest policy.

Method
------
1. Source: CCTV-like 1080p15 H.264 at 4 Mbit/s (bench/cctv_scene.py), cut into
   60 s fragmented-MP4 segments like the recorder's (about 30 MB each).
2. A moto server plays AWS. Per policy, a fresh bucket + queue + DLQ + table
   (footage.adapters.aws_local.provision, as the CDK data stack), and one camera
   configured with that policy.
3. The segments are uploaded under the camera's keys with the edge's metadata
   through S3Storage, as the edge does in AWS (S3 itself checks the SHA-256, so
   the edge reads nothing back). S3 sends each ObjectCreated event to the queue.
4. A worker process (a cold "Lambda") imports functions.ingest.handler with the
   function's environment and drains the queue in batches of 5 like the event
   source mapping. It measures, around the handler calls only: CPU seconds of
   itself plus its ffmpeg children (getrusage), wall time, peak RSS of itself
   and of the largest child, and every AWS API call (botocore's _make_api_call,
   which boto3 and PynamoDB both go through). It then runs the sweep handler
   before and after the footage expires, to price deletion per segment.
5. Dollars per camera-month (30 days of 60 s segments = 43,200) come from the
   counts with the PRICES below. Lambda is billed on duration; on a 1-vCPU
   function (1,769 MB) a CPU-bound ingest lasts about its CPU time, so duration
   = max(CPU-s, wall) per segment. arm64 is priced with the x86 CPU time: this
   machine cannot measure Graviton (x264/x265 speed differs by CPU).

The "remux" row adds a stream-copy remux of the segment (what an NVR's .ts or
.mkv file needs before the web player can use it) to the thumbnail policy; it
is timed as the ffmpeg command alone.

    uv run python bench/cloud_cost.py                 # 3 segments per policy
    uv run python bench/cloud_cost.py --segments 5 --policies thumbnail index-only
    uv run python bench/cloud_cost.py --smoke   # thumbnail policy, one 1 s segment

It exits 1 when a handler failed a message or the sweep did not delete every
expired segment (and nothing before it expired).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from cctv_scene import BASE, SMOKE_SEG_S, generate, smoke_footage

SEG_S = 60
SEGMENTS_PER_MONTH = 30 * 24 * 3600 // SEG_S
REGION = "us-east-1"
MEMORY_GB = 1769 / 1024
#: Assumed list prices (USD, us-east-1, on-demand); edit for your region.
PRICES = {
    "lambda_gb_s_x86": 0.0000166667,
    "lambda_gb_s_arm": 0.0000133334,
    "lambda_request": 0.20 / 1e6,
    "s3_put": 0.005 / 1000,  # PUT, COPY, POST, LIST
    "s3_get": 0.0004 / 1000,  # GET, HEAD and the rest
    "s3_transition_glacier_ir": 0.02 / 1000,
    "sqs_request": 0.40 / 1e6,
    "ddb_wru": 0.625 / 1e6,
    "ddb_rru": 0.125 / 1e6,
    "logs_gb": 0.50,
}
POLICIES: dict[str, dict[str, Any]] = {
    "index-only": {"ingest_profile": "copy", "thumbnails": False},
    "thumbnail": {"ingest_profile": "copy"},  # the default
    "h264-balanced": {"ingest_profile": "h264-balanced"},
    "h264-small": {"ingest_profile": "h264-small"},
    "h265-small": {"ingest_profile": "h265-small"},
}
S3_PUT_CLASS = {
    "PutObject",
    "CopyObject",
    "CreateMultipartUpload",
    "UploadPart",
    "CompleteMultipartUpload",
    "ListObjectsV2",
    "PutObjectTagging",
    "UploadPartCopy",
}
S3_FREE = {"DeleteObject", "DeleteObjects", "AbortMultipartUpload"}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--segments", type=int, default=3, help="60 s segments per policy")
    p.add_argument("--policies", nargs="+", choices=sorted(POLICIES), default=list(POLICIES))
    p.add_argument("--cache", type=Path, default=Path("/tmp/vms-bench/cloud-src-1080p15-60s"))
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    args = p.parse_args()
    args.seg_s = SEG_S
    if args.smoke:
        args.segments, args.policies, args.seg_s = 1, ["thumbnail"], SMOKE_SEG_S
    return args


# -- the worker: a cold Lambda container ----------------------------------------


def count_calls(calls: Counter[str], items: Counter[str]) -> None:
    """Count every AWS API call (and the items of each DynamoDB transaction)."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def counted(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        calls[f"{service}.{operation}"] += 1
        if operation == "TransactWriteItems":
            items["ddb.transact_write_items"] += len(params.get("TransactItems", []))
        return original(self, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]


def usage() -> tuple[float, float, int, int]:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime, me.ru_maxrss, kids.ru_maxrss


def worker() -> None:
    calls: Counter[str] = Counter()
    items: Counter[str] = Counter()
    count_calls(calls, items)
    t0 = usage()
    from footage.adapters.aws_local import QueuePoller
    from footage.media import probe
    from functions.ingest import handler as ingest
    from functions.local import LocalContext, sqs_event

    # As in Lambda: the layer's static ffmpeg first on PATH, and no ffprobe.
    os.environ["PATH"] = f"{os.environ['BENCH_FFMPEG_DIR']}:{os.environ['PATH']}"
    probe.default_backend = lambda: probe.ProbeBackend.FFMPEG

    init_cpu = sum(usage()[:2]) - sum(t0[:2])
    poller = QueuePoller(os.environ["VMS_ENDPOINT_URL"], REGION, os.environ["VMS_QUEUE_URL"])
    arn, expected = os.environ["VMS_QUEUE_ARN"], int(os.environ["BENCH_SEGMENTS"])
    before, wall0, invocations, failures = usage(), time.perf_counter(), 0, 0
    done = 0
    while done < expected:
        messages = poller.receive(5, 2)
        if not messages:
            continue
        result = ingest.handler(sqs_event(messages, arn, REGION), LocalContext("ingest"))
        invocations += 1
        failures += len(result["batchItemFailures"])
        done += len(messages)
        poller.delete([m["ReceiptHandle"] for m in messages])
    after, wall = usage(), time.perf_counter() - wall0
    ingest_calls, ingest_items = dict(calls), dict(items)
    sweeps = run_sweeps(calls, items)
    print(
        json.dumps(
            {
                "init_cpu": init_cpu,
                "cpu_self": after[0] - before[0],
                "cpu_children": after[1] - before[1],
                "wall": wall,
                "rss_self_kb": after[2],
                "rss_child_kb": after[3],
                "invocations": invocations,
                "failures": failures,
                "calls": ingest_calls,
                "items": ingest_items,
                "sweeps": sweeps,
            }
        )
    )


def run_sweeps(calls: Counter[str], items: Counter[str]) -> list[dict[str, Any]]:
    """The sweep before expiry (the scan alone) and after (scan + deletions)."""
    import dataclasses

    from footage.clock import FixedClock
    from functions.local import LocalContext
    from functions.sweep import handler as sweep

    results = []
    for days in (1, 31):  # the policy camera keeps footage 30 days
        calls.clear()
        items.clear()
        clock = FixedClock(BASE + timedelta(days=days))
        sweep.runtime = dataclasses.replace(sweep.runtime, clock=clock)
        out = sweep.handler({"source": "aws.events"}, LocalContext("sweep", timeout_s=900))
        results.append({"result": out, "calls": dict(calls), "items": dict(items)})
    return results


# -- the driver -----------------------------------------------------------------


#: the driver's own (edge upload) calls, counted per policy
EDGE_CALLS: Counter[str] = Counter()


@dataclass
class Measured:
    policy: str
    segments: int
    footage_s: float
    bytes: int
    edge_calls: dict[str, int]
    data: dict[str, Any]


def run_policy(policy: str, files: list[Path], seg_s: int, endpoint: str, tmp: Path) -> Measured:
    from footage.adapters.aws_local import ServerlessNames, provision
    from footage.adapters.s3 import S3Storage, make_s3_client
    from footage.keys import build_segment_key, format_stamp
    from footage.media.ops import sha256_file
    from footage.storage import META_CAMERA, META_SHA256, META_SITE, META_START

    suffix = uuid.uuid4().hex[:6]
    names = ServerlessNames(f"cost-{suffix}", f"cost-{suffix}", f"cost-{suffix}")
    queues = provision(names, endpoint, REGION, visibility_timeout_s=900)
    camera = f"cost-{policy}"
    config = {
        "sites": [{"id": "HO", "name": "HO"}],
        "cameras": [
            {
                "id": camera,
                "site": "HO",
                "name": camera,
                "rtsp_url": "rtsp://10.0.0.1/s",
                "retention_days": 30,
                **POLICIES[policy],
            }
        ],
    }
    config_path = tmp / f"{policy}.yaml"
    config_path.write_text(yaml.safe_dump(config))
    EDGE_CALLS.clear()
    storage = S3Storage(make_s3_client(endpoint, REGION), names.bucket, server_checksums=True)
    for i, path in enumerate(files):
        start = BASE + timedelta(seconds=i * seg_s)
        meta = {
            META_SHA256: sha256_file(path),
            META_CAMERA: camera,
            META_SITE: "HO",
            META_START: format_stamp(start),
        }
        storage.put_file(build_segment_key("HO", camera, start, retention_days=180), path, meta)
    env = {
        **os.environ,
        "VMS_BUCKET": names.bucket,
        "VMS_TABLE": names.table,
        "VMS_CONFIG_PATH": str(config_path),
        "VMS_ENDPOINT_URL": endpoint,
        "VMS_REGION": REGION,
        "VMS_WORKDIR": str(tmp),
        "VMS_QUEUE_URL": queues.queue_url,
        "VMS_QUEUE_ARN": queues.queue_arn,
        "BENCH_SEGMENTS": str(len(files)),
        "BENCH_FFMPEG_DIR": str(lambda_ffmpeg_dir()),
        "POWERTOOLS_SERVICE_NAME": "cctv-vms",
        "POWERTOOLS_METRICS_NAMESPACE": "CctvVms",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    print(f"  {policy}: ingesting {len(files)} segments in a worker...", flush=True)
    done = subprocess.run(
        [sys.executable, __file__, "--worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"worker for {policy} failed:\n{done.stderr[-3000:]}")
    if os.environ.get("BENCH_PROFILE"):
        print(done.stderr[-12000:])
    data = json.loads(done.stdout.strip().splitlines()[-1])
    log_bytes = sum(len(line) + 1 for line in done.stdout.splitlines()[:-1])
    data["log_bytes"] = log_bytes
    size = sum(f.stat().st_size for f in files)
    return Measured(policy, len(files), len(files) * seg_s, size, dict(EDGE_CALLS), data)


def lambda_ffmpeg_dir() -> Path:
    """The FFmpeg layer's bin/ for x86_64 (this machine), built as for deployment."""
    sys.path.append(str(Path(__file__).resolve().parents[1] / "infra" / "cdk"))
    from cctv_infra import artifacts

    return artifacts.ffmpeg_layer("x86_64") / "bin"


def remux_cpu(path: Path, tmp: Path) -> float:
    from footage.media.commands import remux_command

    command = remux_command(path, tmp / "remux.mp4", "h264", keep_audio=False)
    command[0] = str(lambda_ffmpeg_dir() / "ffmpeg")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


# -- the cost model -------------------------------------------------------------


def s3_cost(calls: dict[str, int]) -> float:
    total = 0.0
    for name, n in calls.items():
        service, op = name.split(".", 1)
        if service != "s3" or op in S3_FREE:
            continue
        total += n * (PRICES["s3_put"] if op in S3_PUT_CLASS else PRICES["s3_get"])
    return total


def ddb_cost(calls: dict[str, int], items: dict[str, int]) -> float:
    """Items here are < 1 KB: 1 WRU per write (2 in a transaction), reads counted
    as 1 RRU (strongly consistent, the conservative case)."""
    wru = 2 * items.get("ddb.transact_write_items", 0)
    wru += sum(
        n
        for k, n in calls.items()
        if k in {"dynamodb.PutItem", "dynamodb.UpdateItem", "dynamodb.DeleteItem"}
    )
    rru = sum(
        n for k, n in calls.items() if k in {"dynamodb.GetItem", "dynamodb.Query", "dynamodb.Scan"}
    )
    return wru * PRICES["ddb_wru"] + rru * PRICES["ddb_rru"]


def monthly(m: Measured, remux_s: float) -> dict[str, float]:
    d, n = m.data, m.segments
    cpu = (d["cpu_self"] + d["cpu_children"]) / n + remux_s
    duration = max(cpu, d["wall"] / n + remux_s)
    scan, full = d["sweeps"]
    delete_calls = {k: full["calls"].get(k, 0) - scan["calls"].get(k, 0) for k in full["calls"]}
    delete_items = {k: full["items"].get(k, 0) - scan["items"].get(k, 0) for k in full["items"]}
    per_seg = {
        "lambda_x86": duration * MEMORY_GB * PRICES["lambda_gb_s_x86"],
        "lambda_arm": duration * MEMORY_GB * PRICES["lambda_gb_s_arm"],
        "invocations": d["invocations"] / n * PRICES["lambda_request"],
        "s3": (s3_cost(m.edge_calls) + s3_cost(d["calls"]) + s3_cost(delete_calls)) / n,
        # S3 sends 1 message; the event source mapping receives and deletes in batches of 5.
        "sqs": (1 + 2 / 5) * PRICES["sqs_request"],
        "dynamodb": (ddb_cost(d["calls"], d["items"]) + ddb_cost(delete_calls, delete_items)) / n,
        "logs": d["log_bytes"] / n / 1e9 * PRICES["logs_gb"],
        "transition": PRICES["s3_transition_glacier_ir"] * (2 if "h2" in m.policy else 1),
    }
    out = {k: v * SEGMENTS_PER_MONTH for k, v in per_seg.items()}
    out["sweep_scan"] = 30 * (s3_cost(scan["calls"]) + ddb_cost(scan["calls"], scan["items"]))
    out["cpu_per_seg"], out["duration_per_seg"] = cpu, duration
    return out


def report(results: list[Measured], remux_s: float) -> None:
    print(
        f"\n== ingest cost per 1080p15 camera-month ({SEGMENTS_PER_MONTH} x {SEG_S} s segments,"
        f" {MEMORY_GB * 1024:.0f} MB Lambda) =="
    )
    head = (
        f"{'policy':<14}{'CPU-s/seg':>10}{'CPU-s/h':>9}{'peak MB':>9}{'Lambda x86':>11}"
        f"{'arm64':>8}{'S3 req':>8}{'SQS':>7}{'DDB':>7}{'logs':>7}{'total x86':>10}"
        f"{'arm64':>8}{'+GIR':>7}"
    )
    print(head)
    rows = [(m, monthly(m, 0.0)) for m in results]
    thumb = next((m for m in results if m.policy == "thumbnail"), None)
    if thumb is not None:
        rows.append((dataclass_replace(thumb, "remux"), monthly(thumb, remux_s)))
    for m, c in rows:
        shared = c["invocations"] + c["s3"] + c["sqs"] + c["dynamodb"] + c["logs"] + c["sweep_scan"]
        peak = (m.data["rss_self_kb"] + m.data["rss_child_kb"]) / 1024
        print(
            f"{m.policy:<14}{c['cpu_per_seg']:>10.3f}{c['cpu_per_seg'] * 60:>9.0f}{peak:>9.0f}"
            f"{c['lambda_x86']:>11.3f}{c['lambda_arm']:>8.3f}{c['s3']:>8.3f}{c['sqs']:>7.3f}"
            f"{c['dynamodb']:>7.3f}{c['logs']:>7.3f}{c['lambda_x86'] + shared:>10.3f}"
            f"{c['lambda_arm'] + shared:>8.3f}{c['transition']:>7.3f}"
        )
    print(
        "USD per camera-month. 'total' = Lambda + requests (S3, SQS, DynamoDB), logs and the"
        " daily sweep;\n'+GIR' = the Glacier Instant Retrieval transition requests, a storage"
        " cost (not in 'total').\npeak MB = the handler's RSS + its largest ffmpeg child."
    )
    for m in results:
        d = m.data
        print(
            f"  {m.policy}: CPU-s/segment python {d['cpu_self'] / m.segments:.3f}, "
            f"ffmpeg {d['cpu_children'] / m.segments:.3f}; "
            f"edge {dict(sorted(m.edge_calls.items()))}; "
            f"ingest {dict(sorted(d['calls'].items()))}; items {d['items']}; "
            f"cold init {d['init_cpu']:.2f} CPU-s; failures {d['failures']}"
        )


def dataclass_replace(m: Measured, policy: str) -> Measured:
    return Measured(policy, m.segments, m.footage_s, m.bytes, m.edge_calls, m.data)


def main() -> int:
    args = parse_args()
    if args.worker and os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        with cProfile.Profile() as profile:
            worker()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        return 0
    if args.worker:
        worker()
        return 0
    from edge_uploader.harness.aws_local import FAKE_CREDENTIALS, start_moto
    from edge_uploader.harness.camsim.launcher import free_port

    os.environ.update({**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": REGION})
    count_calls(EDGE_CALLS, Counter())
    if args.smoke:
        files = smoke_footage(args.segments)
    else:
        files = generate(args.cache, args.segments, 4000, args.seg_s)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-cost-") as tmp:
        endpoint = start_moto(free_port(), Path(tmp) / "moto.log", stack)
        results = [run_policy(p, files, args.seg_s, endpoint, Path(tmp)) for p in args.policies]
        remux_s = remux_cpu(files[0], Path(tmp))
    report(results, remux_s)
    return check(results)


def check(results: list[Measured]) -> int:
    """1 (and why) when the handlers did not do their work: then the costs mean nothing."""
    for m in results:
        scan, full = (sweep["result"] for sweep in m.data["sweeps"])
        problems = [
            f"{m.data['failures']} messages failed" if m.data["failures"] else "",
            f"sweep before expiry deleted {scan['SweepSegmentsDeleted']}"
            if scan["SweepSegmentsDeleted"] else "",
            f"sweep after expiry deleted {full['SweepSegmentsDeleted']} of {m.segments}"
            if full["SweepSegmentsDeleted"] != m.segments else "",
            "sweep errors" if scan["SweepErrors"] or full["SweepErrors"] else "",
        ]  # fmt: skip
        if any(problems):
            print(f"FAILED {m.policy}: {'; '.join(p for p in problems if p)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
