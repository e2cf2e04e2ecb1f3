"""Cloud cost per camera-month: the default (edge-described) path, everything it
pays for, both regions; the FFmpeg-path policies; storage next to Kinesis Video
Streams; and an hour of HEVC watched through on-demand H.264 renditions.

Method
------
1. A moto server plays AWS: a fresh bucket + queue + DLQ + table per run
   (footage.adapters.aws_local.provision, as the CDK data stack) with the table's
   stream on (NEW_AND_OLD_IMAGES), and a deployment config of one camera, written
   and validated through the product's config loader.
2. Default path: CCTV-like 1080p15 H.264 segments (4 Mbit/s, bench/cctv_scene.py)
   go up as the edge sends them: described by edge_uploader.describe (one ffprobe),
   one PUT with ChecksumSHA256 (S3Storage, server checksums), under the retention
   class key; plus the camera's sprite, one JPEG per 10-minute window, and when a
   window is over the site's signed manifest (cloud_common.SiteManifests: the chain
   records and the index of the window's segments, .json then .sig). The bucket
   announces only the manifests' .sig (aws.segment_events off, the default): one
   message per manifest. The run's site has one camera; a manifest's message, GETs
   and invocation share are then divided among CAMERAS_PER_SITE (bench/cloud_model.py).
3. A worker process (cold "Lambdas", bench/cloud_worker.py) drains the queue in
   batches of aws.ingest_batch_size into functions.ingest.handler, hands the
   table's stream to functions.totals.handler, and runs functions.sweep.handler
   (with its continuations) the day after the upload (nothing expired: the daily
   net) and the day after the retention (everything expired). moto runs neither
   DynamoDB TTL nor S3 lifecycle: before each sweep the worker simulates TTL,
   deleting (uncounted: TTL is free) every row expired by then, so the sweep sees
   what it sees in AWS; the objects lifecycle would have expired are still there,
   and the net deletes them (SweepMissedByLifecycle), so "sweep deletions" is what
   the net deletes, an upper bound (in AWS lifecycle leaves it nothing). The
   stream, TTL's REMOVE records included, then goes to the totals again: the
   camera's totals must come back to zero. It counts every AWS
   API call (botocore), the DynamoDB write units of each item written (its size
   by DynamoDB's rules), CPU (getrusage, ffmpeg children included) and every byte
   the handlers write to stdout (CloudWatch Logs), with the custom metrics (EMF).
4. USD per camera-month (bench/cloud_model.py) from those counts at the prices
   in footage/pricing.py (us-east-1 and ap-southeast-3): Lambda duration =
   CPU (stretched below 1 vCPU) + the modelled latency of each call (S3 30 ms,
   DynamoDB 5 ms: moto's own latency is not AWS's); the status report per site,
   custom metrics and the stale-site alarm per site, at CAMERAS_PER_SITE.
5. FFmpeg-path policies (objects without a trustworthy description), announced
   per segment (aws.segment_events on): the same segments undescribed, one worker
   per policy, duration = max(CPU,
   wall) + latency. The "remux" row adds an NVR file's stream-copy remux.
6. Renditions: bench/rendition.py's HEVC segment, every part made with the
   FFmpeg layer's ffmpeg (its every_part) and priced by its usd_per_hour_watched.

    uv run python bench/cloud_cost.py                 # 3 segments, all policies
    uv run python bench/cloud_cost.py --policies      # the default path only
    uv run python bench/cloud_cost.py --smoke         # 1 s segments, seconds

Last line: JSON. Exits 1 when a handler failed a message, the totals disagree
with the rows (after TTL too), or the sweep deleted before expiry, deleted rows
TTL had deleted, or left expired footage.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cctv_scene import BASE, SMOKE_SEG_S, generate, smoke_footage
from cloud_common import (
    LATENCY_SOURCES,
    CallCounter,
    Describer,
    SiteManifests,
    lambda_ffmpeg_dir,
    read_a_segment,
    write_config,
)  # fmt: skip
from cloud_model import (
    FLEET_CAMERAS,
    Measured,
    processing,
    rows_storage,
    totals_writes_per_window,
)  # fmt: skip

from footage.pricing import PRICE_DATE, PRICES, REGIONS, kvs, storage

REGION = "us-east-1"
CAMERAS_PER_SITE = 5
STORAGE_CASES = (("2 Mbit/s H.265", 2.0), ("4 Mbit/s H.264", 4.0))
POLICIES: dict[str, dict[str, Any]] = {
    "index-only": {"ingest_profile": "copy", "thumbnails": False},
    "thumbnail": {"ingest_profile": "copy"},
    "h264-balanced": {"ingest_profile": "h264-balanced"},
    "h264-small": {"ingest_profile": "h264-small"},
    "h265-small": {"ingest_profile": "h265-small"},
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--segments", type=int, default=3, help="60 s segments per run")
    p.add_argument("--policies", nargs="*", choices=sorted(POLICIES), default=list(POLICIES),
                   help="FFmpeg-path policies to price (none: the default path only)")  # fmt: skip
    p.add_argument(
        "--described",
        type=int,
        default=120,
        help="segments (keys) for the default path: its cost does not depend on "
        "the object's size, so one 60 s segment at 300 kbit/s goes up under each "
        "(120: 12 site manifests, so that the first batch of 5 is not all there is)",
    )
    p.add_argument("--cache", type=Path, default=Path("/tmp/vms-bench/cloud-src-1080p15-60s"))
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    args = p.parse_args()
    args.seg_s = 60
    if args.smoke:
        args.segments, args.policies, args.seg_s = 2, ["thumbnail"], SMOKE_SEG_S
        args.described = 10
    return args


def settings() -> dict[str, Any]:
    """The product's defaults that the price depends on (read, not copied)."""
    from footage.config import (
        AwsDeployment,
        Camera,
        LambdaArchitecture,
        UploaderConfig,
        ingest_memory_for,
    )
    from footage.keys import DEFAULT_RETENTION_DAYS
    from footage.profiles import BUILTIN_PROFILES
    from footage.site_status import HEARTBEAT

    aws = AwsDeployment()
    camera = Camera(id="c", site="s", name="c", rtsp_url="rtsp://h/1")
    return {
        "announced": "segments" if aws.segment_events else "manifests",
        "manifest_interval_s": UploaderConfig().manifest_interval_s,
        "ingest_memory_mb": aws.ingest_memory_mb
        or ingest_memory_for([BUILTIN_PROFILES[camera.ingest_profile]]),
        "ingest_batch_size": aws.ingest_batch_size,
        "tracing": aws.tracing, "totals_window_s": aws.totals_window_s,
        "transition_days": aws.transition_days, "retention_days": DEFAULT_RETENTION_DAYS,
        "arch": "arm" if aws.architecture is LambdaArchitecture.ARM64 else "x86",
        "status_interval_s": HEARTBEAT.total_seconds(),  # a steady site: on change + heartbeat
        "cameras_per_site": CAMERAS_PER_SITE, "segment_s": camera.segment_seconds,
    }  # fmt: skip


def provision_run(endpoint: str, tmp: Path, name: str, policy: dict[str, Any], retention: int,
                  *, manifests: SiteManifests | None = None
                  ) -> tuple[Any, Any, Path, str, str]:  # fmt: skip
    """A deployment of one camera. With ``manifests`` (the default path) the bucket
    announces site manifests and the site registers their key; without, every segment."""
    from footage.adapters.aws_local import ServerlessNames, provision
    from footage.adapters.dynamodb_stream import ensure_stream

    suffix = uuid.uuid4().hex[:6]
    names = ServerlessNames(f"cost-{suffix}", f"cost-{suffix}", f"cost-{suffix}")
    queues = provision(names, endpoint, REGION, visibility_timeout_s=900,
                       segment_events=manifests is None)  # fmt: skip
    ensure_stream(names.table, REGION, endpoint)
    config = tmp / f"{name}.yaml"
    key = manifests.registered if manifests is not None else None
    [(site, camera)] = write_config(config, 1, 1, retention, signing_key=key, **policy)
    return names, queues, config, site, camera


def upload(endpoint: str, bucket: str, files: list[Path], seg_s: int, site: str, camera: str,
           retention: int, *, counter: CallCounter, manifests: SiteManifests | None = None
           ) -> tuple[dict[str, int], int]:  # fmt: skip
    """The edge's uploads, described when it sends ``manifests`` (the default path: a
    site manifest when each 10-minute window is over, after its segments); returns
    the calls of the segments' PUTs (sprites and manifests are priced per window,
    whatever this run's few windows need) and how many manifests went up."""
    from footage.adapters.s3 import S3Storage, make_s3_client
    from footage.keys import (
        SPRITE_WINDOW,
        build_segment_key,
        build_sprite_key,
        format_stamp,
        sprite_window_start,
    )
    from footage.media.ops import sha256_file
    from footage.storage import META_CAMERA, META_SHA256, META_SITE, META_START

    store = S3Storage(make_s3_client(endpoint, REGION), bucket, server_checksums=True)
    describer, sealed = Describer(), 0
    windows: set[datetime] = set()
    calls: Counter[str] = Counter()
    for i, path in enumerate(files):
        start = BASE + timedelta(seconds=i * seg_s)
        window = sprite_window_start(start)
        if manifests is not None and windows and window not in windows:
            calls.update(counter.take()[0])
            sealed += manifests.seal(store, window)  # the window before is over
            counter.take()
        if manifests is not None:
            meta = describer.metadata(path, site, camera, start, sprite=True)
        else:
            meta = {META_SHA256: sha256_file(path), META_CAMERA: camera, META_SITE: site,
                    META_START: format_stamp(start)}  # fmt: skip
        key = build_segment_key(site, camera, start, retention_days=retention)
        store.put_file(key, path, meta, if_absent=True)
        windows.add(window)
        if manifests is not None:
            manifests.add(key, meta, start + timedelta(milliseconds=int(meta["duration-ms"])))
    calls.update(counter.take()[0])
    if manifests is not None:
        sealed += manifests.seal(store, max(windows) + SPRITE_WINDOW)
        # the edge's sprite of each 10-minute window (a stand-in JPEG)
        jpeg = Path(tempfile.gettempdir()) / f"sprite-stand-in-{uuid.uuid4().hex[:8]}.jpg"
        jpeg.write_bytes(b"\xff\xd8" + b"\0" * 20000 + b"\xff\xd9")
        for window in sorted(windows):
            sprite = build_sprite_key(site, camera, window, retention_days=retention)
            store.put_file(sprite, jpeg, {}, content_type="image/jpeg")
        jpeg.unlink()
    return dict(calls), sealed


def run_worker(env: dict[str, str], label: str) -> dict[str, Any]:
    print(f"  {label}: the handlers in a worker...", flush=True)
    done = subprocess.run([sys.executable, __file__, "--worker"], env=env, capture_output=True,
                          text=True, timeout=3600, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"worker for {label} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker_env(names: Any, queues: Any, config: Path, endpoint: str, tmp: Path,
               **bench: str) -> dict[str, str]:  # fmt: skip
    return {
        **os.environ, "VMS_BUCKET": names.bucket, "VMS_TABLE": names.table,
        "VMS_CONFIG_PATH": str(config), "VMS_ENDPOINT_URL": endpoint, "VMS_REGION": REGION,
        "VMS_WORKDIR": str(tmp), "VMS_QUEUE_URL": queues.queue_url,
        "VMS_QUEUE_ARN": queues.queue_arn, "BENCH_FFMPEG_DIR": str(lambda_ffmpeg_dir()),
        "POWERTOOLS_SERVICE_NAME": "cctv-vms", "POWERTOOLS_METRICS_NAMESPACE": "CctvVms",
        "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "INFO",
        "PYTHONPATH": str(Path(__file__).resolve().parent),
        **{f"BENCH_{k.upper()}": v for k, v in bench.items()},
    }  # fmt: skip


def run_default(files: list[Path], seg_s: int, endpoint: str, tmp: Path,
                counter: CallCounter, conf: dict[str, Any]) -> Measured:  # fmt: skip
    retention = conf["retention_days"]
    manifests = SiteManifests(retention)
    names, queues, config, site, camera = provision_run(endpoint, tmp, "default", {}, retention,
                                                        manifests=manifests)  # fmt: skip
    counter.take()
    edge_calls, sealed = upload(endpoint, names.bucket, files, seg_s, site, camera, retention,
                                counter=counter, manifests=manifests)  # fmt: skip
    days = ("1", str(retention + 1))
    env = worker_env(names, queues, config, endpoint, tmp, phases="ingest,totals,sweep,totals",
                     messages=str(sealed), batch=str(conf["ingest_batch_size"]),
                     base=BASE.isoformat(), sweep_days=",".join(days))  # fmt: skip
    worker = run_worker(env, "default (described)")
    row, totals = worker["ingest"]["largest_put"], totals_size(endpoint, names.table)
    worker["totals_left"] = totals_segments(endpoint, names.table)
    return Measured(len(files), edge_calls, worker, row, totals, {**conf, "sweep_days": days})


def totals_segments(endpoint: str, table: str) -> int:
    """The segments the camera totals count (after TTL deleted every row: 0)."""
    import boto3

    items = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION).scan(
        TableName=table)["Items"]  # fmt: skip
    return sum(int(i.get("segments", {}).get("N", 0)) for i in items if i["sk"]["S"] == "TOTAL")


def totals_size(endpoint: str, table: str) -> int:
    """Bytes of the camera totals item, as DynamoDB sizes them."""
    import boto3
    from cloud_common import item_size

    items = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION).scan(
        TableName=table)["Items"]  # fmt: skip
    return max((item_size(i) for i in items if i["sk"]["S"] == "TOTAL"), default=0)


def run_policy(policy: str, files: list[Path], seg_s: int, endpoint: str, tmp: Path,
               counter: CallCounter, conf: dict[str, Any]) -> Measured:  # fmt: skip
    retention = conf["retention_days"]
    names, queues, config, site, camera = provision_run(
        endpoint, tmp, policy, POLICIES[policy], retention)  # fmt: skip
    counter.take()
    edge_calls, _ = upload(endpoint, names.bucket, files, seg_s, site, camera, retention,
                           counter=counter)  # fmt: skip
    env = worker_env(names, queues, config, endpoint, tmp, phases="ingest",
                     messages=str(len(files)), batch=str(conf["ingest_batch_size"]))  # fmt: skip
    worker = run_worker(env, f"{policy} (FFmpeg path)")
    row, totals = worker["ingest"]["largest_put"], totals_size(endpoint, names.table)
    return Measured(len(files), edge_calls, worker, row, totals, {**conf, "announced": "segments"})


def rendition_hour(smoke: bool, tmp: Path) -> dict[str, dict[str, float]]:
    """USD per hour of HEVC watched, by bench/rendition.py's own footage, transcode and
    model, with the FFmpeg layer's ffmpeg first on PATH (as in the rendition Lambda)."""
    import rendition

    seconds = 6 if smoke else 60
    cache = Path(tempfile.gettempdir()) / "vms-bench" / "hevc-smoke" if smoke else rendition.CACHE
    segment = rendition.hevc_footage(cache / f"hevc-{seconds}s.mp4", seconds, smoke)
    path = os.environ["PATH"]
    os.environ["PATH"] = f"{lambda_ffmpeg_dir()}:{path}"
    try:
        cpu, wall = rendition.every_part(tmp, segment, float(seconds))
    finally:
        os.environ["PATH"] = path
    out = {r: rendition.usd_per_hour_watched(cpu, PRICES[r]) for r in REGIONS}
    print(f"  renditions: {cpu:.3f} CPU-s and {wall:.3f} s wall per HEVC footage-second "
          f"(layer ffmpeg, {seconds} s segment)")  # fmt: skip
    return out


def remux_cpu(path: Path, tmp: Path) -> float:
    import resource

    from footage.media.commands import remux_command

    command = remux_command(path, tmp / "remux.mp4", "h264", keep_audio=False)
    command[0] = str(lambda_ffmpeg_dir() / "ffmpeg")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def show(title: str, cost: dict[str, float]) -> None:
    print(f"  {title}: " + ", ".join(f"{k} {v:.4f}" for k, v in cost.items() if v)
          + f"  = {sum(cost.values()):.3f}")  # fmt: skip


def report_default(m: Measured, conf: dict[str, Any]) -> dict[str, float]:
    arch, out = conf["arch"], {}
    w = m.worker
    print(f"\n== default path (site manifests: no HEAD, no GET of a segment): {m.segments} "
          f"segments in {w['ingest']['messages']} manifests measured ==")  # fmt: skip
    print(f"settings read from the product: {conf}")
    print(
        f"ingest: calls {w['ingest']['calls']}, {w['ingest']['wru']} WRU, segment row "
        f"{m.row_bytes} B, CPU {w['ingest']['cpu'] / m.segments * 1000:.1f} ms/segment, "
        f"{w['ingest']['log_lines']} log lines in {w['ingest']['invocations']} invocations"
    )
    print(
        f"totals: {w['totals']['records']} stream records, calls {w['totals']['calls']}, "
        f"item {m.totals_bytes} B; custom metrics seen: {w['metrics']}"
    )
    window, interval = m.settings["totals_window_s"], m.settings["manifest_interval_s"]
    writes = totals_writes_per_window(window, 60, w["totals"]["record_bytes"])
    print(f"totals after TTL: {w['totals_after']['records']} stream records "
          f"({w['totals_after']['record_bytes']} B each), {w['totals_left']} segments counted; "
          f"{window} s window: {writes:.0f} write(s) per camera per window at "
          f"{FLEET_CAMERAS} cameras, 60 s segments, in one window of each {interval} s "
          f"manifest interval (a manifest's rows arrive at once)")  # fmt: skip
    for day, run in w["sweep"].items():
        print(
            f"sweep day +{day}: TTL (simulated) deleted {run['ttl_deleted']} rows first; "
            f"calls {run['calls']}, {run['invocations']} invocations, "
            f"CPU {run['cpu']:.2f} s, result {run['results'][-1]}"
        )
    print(f"latency model: {LATENCY_SOURCES}; fleet for shared costs: {FLEET_CAMERAS} cameras")
    xray_on = processing(m, 60, "us-east-1", arch, tracing=True)["X-Ray"]
    print(
        f"X-Ray: {'on' if conf['tracing'] else 'off'} by default (aws.tracing); on, sampled "
        f"by X-Ray's default rule: +${xray_on:.4f} per camera-month (us-east-1, 60 s)"
    )
    print(
        "Not in these totals: Glacier IR transitions ($0.02 per 1,000 objects, one per "
        "segment), DynamoDB and S3 storage: see storage below"
    )
    for region in REGIONS:
        for seg_s in (60, 120):
            for a in dict.fromkeys((arch, "x86")):
                cost = processing(m, seg_s, region, a)
                out[f"{region} {seg_s}s {a}"] = sum(cost.values())
                show(f"USD/camera-month {region}, {seg_s} s segments, Lambda {a}", cost)
    return out


def report_storage(m: Measured, conf: dict[str, Any]) -> None:
    days, transition = conf["retention_days"], conf["transition_days"]
    print(f"\n== storage per camera-month, {days} days kept, in steady state ==")
    for label, rate in STORAGE_CASES:
        for region in REGIONS:
            std = storage(rate, days, None, region)
            gir = storage(rate, days, transition, region)
            rows = rows_storage(m.row_bytes, 60, days, region)
            print(
                f"  {label}, {region}: {std['GB stored']:.0f} GB; S3 Standard "
                f"${std['S3']:.2f}; Standard {transition} d then Glacier IR ${gir['S3']:.2f}"
                f" + transitions ${gir['transitions']:.2f}; index rows ${rows:.3f}"
            )
        k = kvs(rate, days)
        print(
            f"  {label}, Kinesis Video Streams (us-east-1): ingest ${k['ingest']:.2f} + "
            f"storage ${k['storage']:.2f} = ${k['ingest'] + k['storage']:.2f}, plus HLS "
            f"${PRICES['us-east-1']['kvs_hls_gb']}/GB watched"
        )


def report_policies(results: list[Measured], default: Measured, remux_s: float,
                    conf: dict[str, Any]) -> None:  # fmt: skip
    print("\n== FFmpeg path (objects without a trustworthy description), us-east-1, x86 ==")
    print(f"{'policy':<14}{'CPU-s/seg':>10}{'CPU-s/h':>9}{'ingest Lambda':>14}"
          f"{'ingest req':>11}{'logs':>7}{'total':>8}")  # fmt: skip
    rows = [(m.worker["policy"], m, 0.0) for m in results]
    rows += [("remux", m, remux_s) for m in results if m.worker["policy"] == "thumbnail"]
    for name, m, extra in rows:
        ingest = dict(m.worker["ingest"])
        ingest["cpu"] += extra * m.segments
        ingest["wall"] += extra * m.segments
        measured = Measured(m.segments, m.edge_calls, {**default.worker, "ingest": ingest},
                            m.row_bytes, default.totals_bytes,
                            {**default.settings, "announced": "segments"})  # fmt: skip
        c = processing(measured, 60, REGION, "x86", ffmpeg=True)
        cpu = ingest["cpu"] / m.segments
        print(
            f"{name:<14}{cpu:>10.3f}{cpu * 60:>9.0f}{c['ingest Lambda']:>14.3f}"
            f"{c['ingest requests']:>11.3f}{c['logs']:>7.3f}{sum(c.values()):>8.3f}"
        )
        print(f"  {name}: calls {ingest['calls']}; failures {ingest['failures']}")
    del conf


def check(default: Measured, results: list[Measured]) -> list[str]:
    """What the handlers got wrong (then the costs mean nothing)."""
    problems, w = [], default.worker
    for m in [default, *results]:
        if m.worker["ingest"]["failures"]:
            problems.append(f"{m.worker['ingest']['failures']} messages failed")
    if read_a_segment(w["ingest"]):
        problems.append("the default path read a described segment (only manifests may be)")
    if w["totals"]["records"] != default.segments:
        problems.append(f"{w['totals']['records']} stream records for {default.segments} rows")
    net, expired = (w["sweep"][d] for d in default.settings["sweep_days"])
    if net["results"][-1]["SweepSegmentsDeleted"] or net["ttl_deleted"]:
        problems.append("the sweep (or TTL) deleted footage before it expired")
    if expired["ttl_deleted"] != default.segments:
        problems.append(f"TTL deleted {expired['ttl_deleted']} of {default.segments} rows")
    if any(r["SweepSegmentsDeleted"] for r in expired["results"]):
        problems.append("the sweep deleted rows instead of TTL")
    caught = sum(r["SweepMissedByLifecycle"] for r in expired["results"])
    if caught < default.segments:
        problems.append(f"the net deleted {caught} of {default.segments} expired objects")
    if w["totals_left"]:
        problems.append(f"totals count {w['totals_left']} segments after TTL deleted every row")
    return problems


def main() -> int:
    args = parse_args()
    if args.worker:
        from cloud_worker import main as worker_main

        worker_main()
        return 0
    from edge_uploader.harness.aws_local import FAKE_CREDENTIALS, start_moto
    from edge_uploader.harness.ports import free_port

    os.environ.update({**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": REGION})
    counter, conf = CallCounter(), settings()
    files = (smoke_footage(args.segments) if args.smoke
             else generate(args.cache, args.segments, 4000, args.seg_s))  # fmt: skip
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-cost-") as tmp:
        endpoint = start_moto(free_port(), Path(tmp) / "moto.log", stack)
        one = (
            smoke_footage(1)
            if args.smoke
            else generate(args.cache.with_name(args.cache.name + "-300k"), 1, 300, args.seg_s)
        )
        described = one * args.described
        default = run_default(described, args.seg_s, endpoint, Path(tmp), counter, conf)
        results = [run_policy(p, files, args.seg_s, endpoint, Path(tmp), counter, conf)
                   for p in args.policies]  # fmt: skip
        remux_s = remux_cpu(files[0], Path(tmp)) if results else 0.0
        hevc = rendition_hour(args.smoke, Path(tmp))
    for m, policy in zip(results, args.policies, strict=True):
        m.worker["policy"] = policy
    totals = report_default(default, conf)
    report_storage(default, conf)
    if results:
        report_policies(results, default, remux_s, conf)
    for region, cost in hevc.items():
        items = {k: v for k, v in cost.items() if k != "total"}
        show(f"USD per hour of HEVC watched through renditions (first time), {region}", items)
    problems = check(default, results)
    for problem in problems:
        print(f"FAILED: {problem}")
    arch = conf["arch"]
    print(json.dumps({
        "usd_per_camera_month": round(totals[f"us-east-1 60s {arch}"], 4),
        "usd_per_camera_month_120s": round(totals[f"us-east-1 120s {arch}"], 4),
        "usd_per_camera_month_ap_southeast_3": round(totals[f"ap-southeast-3 60s {arch}"], 4),
        "usd_per_camera_month_ap_southeast_3_120s":
            round(totals[f"ap-southeast-3 120s {arch}"], 4),
        "usd_per_camera_month_x86": round(totals["us-east-1 60s x86"], 4),
        "usd_per_hour_hevc_watched": hevc["us-east-1"]["total"],
        "usd_per_hour_hevc_watched_ap_southeast_3": hevc["ap-southeast-3"]["total"],
        "lambda_arch": arch, "segments_measured": default.segments, "prices": PRICE_DATE,
    }))  # fmt: skip
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
