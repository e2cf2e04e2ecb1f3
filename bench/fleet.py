"""A fleet in one deployment: 1,000 cameras in 200 sites, an hour of their segments
through the real ingest handler, the totals from the stream, and a day's expiry swept.

Method
------
1. The deployment: a config of ``--cameras`` in ``--sites`` (retention 180 days,
   60 s segments), written and validated by the product's config loader, and the
   infra's own view of it (cctv_infra.settings: lifecycle rules by retention class).
2. A moto server: bucket, queue, DLQ and table as the data stack makes them
   (footage.adapters.aws_local.provision), the table's stream on.
3. Ingest: ``--minutes`` of every camera's 60 s segments go up as the edge sends
   them (edge_uploader.describe's description, one PUT with ChecksumSHA256), all the
   same tiny real fMP4 (1 s, 160x90, ~10 KB: ingest reads only its HEAD, so the
   object's size does not matter; moto keeps every object in memory). Each site's
   signed manifest goes up when a 10-minute window is over (cloud_common.SiteManifests,
   as the edge seals it): the bucket announces only manifests (the default), so a
   message indexes a site's segments of 10 minutes. A worker process
   (bench/cloud_worker.py) drains the queue in batches of 5 into
   functions.ingest.handler, then hands the stream to functions.totals.handler in
   batches of up to 10,000 records. Rates are per segment indexed.
4. Sweep: moto lists a bucket's keys by scanning all of them, so the sweep runs
   against its own deployment of ``--sweep-cameras`` cameras with ``--sweep-minutes``
   of segments each (the config names only those cameras), the day after (nothing
   expired: the daily net) and the day after the retention (all of it expired),
   continuations included (``--sweep-timeout``: a short one makes the sweep hand
   cameras on). DynamoDB TTL deletes the expired rows, free (simulated by the
   worker before each sweep: moto runs no TTL); moto runs no lifecycle either, so
   the net deletes the expired objects (SweepMissedByLifecycle): an upper bound of
   its work, as in AWS lifecycle leaves it nothing. A day of the fleet is then
   (fixed cost per camera) x cameras + (cost per expired segment) x cameras x 1,440.
5. Time is the worker's CPU (this machine) plus the modelled latency of each AWS
   call (bench/cloud_common.py: S3 30 ms, DynamoDB 5 ms; moto's own latency is not
   AWS's), calls made one after another as the handlers make them. Rates are for one
   concurrent invocation; the SQS event source mapping starts with five.

    uv run python bench/fleet.py                  # 1,000 cameras x 60 min (~60,000 events)
    uv run python bench/fleet.py --minutes 10     # a sixth of the events, same rate
    uv run python bench/fleet.py --smoke          # 6 cameras in 2 sites, 3 minutes

Last line: JSON. Exits 1 when a message failed, a row or total is missing, or the
sweep left expired footage or deleted footage before it expired.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

from cctv_scene import BASE
from cloud_common import (
    LATENCY_SOURCES,
    Describer,
    SiteManifests,
    lambda_ffmpeg_dir,
    modelled_latency,
    read_a_segment,
    tiny_clip,
    write_config,
)

REGION = "us-east-1"
RETENTION = 180
SEG_S = 60
TOTALS_MEMORY_MB, SWEEP_MEMORY_MB, VCPU_MB = 256, 1024, 1769
SWEEP_TIMEOUT_S = 900  # the sweep function's timeout (infra lambdas.py)
ESM_START_CONCURRENCY = 5  # the SQS event source mapping's first concurrent batches


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cameras", type=int, default=1000)
    p.add_argument("--sites", type=int, default=200)
    p.add_argument("--minutes", type=int, default=60, help="of every camera's segments")
    p.add_argument("--sweep-cameras", type=int, default=10)
    p.add_argument("--sweep-minutes", type=int, default=120)
    p.add_argument(
        "--sweep-timeout",
        type=float,
        default=SWEEP_TIMEOUT_S,
        help="the sweep invocation's timeout here (short: it hands cameras on)",
    )
    p.add_argument("--upload-threads", type=int, default=4)
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    args = p.parse_args()
    if args.smoke:
        args.cameras, args.sites, args.minutes = 6, 2, 3
        args.sweep_cameras, args.sweep_minutes, args.sweep_timeout = 4, 3, 60.0
    if args.cameras % args.sites:
        p.error("--cameras must be a multiple of --sites")
    return args


def deployment(
    endpoint: str, tmp: Path, name: str, sites: int, per_site: int, manifests: SiteManifests
) -> tuple[Any, Any, Path, list[tuple[str, str]]]:
    """A deployment as the default: the bucket announces site manifests, each site
    registers the manifests' key."""
    from footage.adapters.aws_local import ServerlessNames, provision
    from footage.adapters.dynamodb_stream import ensure_stream

    suffix = uuid.uuid4().hex[:6]
    names = ServerlessNames(f"{name}-{suffix}", f"{name}-{suffix}", f"{name}-{suffix}")
    queues = provision(names, endpoint, REGION, visibility_timeout_s=900)
    ensure_stream(names.table, REGION, endpoint)
    config = tmp / f"{name}.yaml"
    pairs = write_config(config, sites, per_site, RETENTION, signing_key=manifests.registered)
    return names, queues, config, pairs


def infra_view(config: Path) -> str:
    """What the CDK app makes of the config (no synth: tests/infra does that)."""
    sys.path.append(str(Path(__file__).resolve().parents[1] / "infra" / "cdk"))
    from cctv_infra.settings import load_settings

    s = load_settings(config)
    return (f"{len(s.config.cameras)} cameras, {len(s.site_ids)} sites, retention classes "
            f"{s.retention_classes}, {s.lifecycle_rule_count} lifecycle rules")  # fmt: skip


def upload(endpoint: str, bucket: str, pairs: list[tuple[str, str]], minutes: int,
           threads: int, clip: Path, manifests: SiteManifests) -> tuple[float, int]:  # fmt: skip
    """Every camera's segments, minute by minute as a fleet records, and each site's
    manifest when a 10-minute window is over (and at the end); returns the seconds
    taken and the manifests sent (the messages ingest gets)."""
    from footage.adapters.s3 import S3Storage, make_s3_client
    from footage.keys import SPRITE_WINDOW, build_segment_key

    store = S3Storage(make_s3_client(endpoint, REGION), bucket, server_checksums=True)
    describer = Describer()
    describer.metadata(clip, *pairs[0], BASE, sprite=True)  # one ffprobe, then re-stamped
    per_window = int(SPRITE_WINDOW.total_seconds()) // SEG_S

    def put(job: tuple[int, str, str]) -> tuple[str, dict[str, str], Any]:
        minute, site, camera = job
        start = BASE + timedelta(seconds=minute * SEG_S)
        meta = describer.metadata(clip, site, camera, start, sprite=True)
        key = build_segment_key(site, camera, start, retention_days=RETENTION)
        store.put_file(key, clip, meta, if_absent=True)
        return key, meta, start + timedelta(milliseconds=int(meta["duration-ms"]))

    began, sealed = time.perf_counter(), 0
    with ThreadPoolExecutor(threads) as pool:
        for minute in range(minutes):
            for key, meta, end in pool.map(put, [(minute, s, c) for s, c in pairs]):
                manifests.add(key, meta, end)
            if (minute + 1) % per_window == 0 or minute + 1 == minutes:
                sealed += manifests.seal(store, BASE + timedelta(seconds=(minute + 1) * SEG_S))
    return time.perf_counter() - began, sealed


def run_worker(names: Any, queues: Any, config: Path, endpoint: str, tmp: Path,
               **bench: str) -> dict[str, Any]:  # fmt: skip
    env = {
        **os.environ, "VMS_BUCKET": names.bucket, "VMS_TABLE": names.table,
        "VMS_CONFIG_PATH": str(config), "VMS_ENDPOINT_URL": endpoint, "VMS_REGION": REGION,
        "VMS_WORKDIR": str(tmp), "VMS_QUEUE_URL": queues.queue_url,
        "VMS_QUEUE_ARN": queues.queue_arn, "BENCH_FFMPEG_DIR": str(lambda_ffmpeg_dir()),
        "POWERTOOLS_SERVICE_NAME": "cctv-vms", "POWERTOOLS_METRICS_NAMESPACE": "CctvVms",
        "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "INFO",
        **{f"BENCH_{k.upper()}": v for k, v in bench.items()},
    }  # fmt: skip
    done = subprocess.run([sys.executable, __file__, "--worker"], env=env, capture_output=True,
                          text=True, timeout=6 * 3600, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def per(calls: dict[str, int], n: float) -> dict[str, float]:
    return {k: round(v / n, 3) for k, v in sorted(calls.items())}


def ingest_report(w: dict[str, Any], cameras: int) -> dict[str, float]:
    """Rates per segment indexed (an "event" is a segment: a site manifest's message
    indexes its cameras' segments of 10 minutes)."""
    ing, tot = w["ingest"], w["totals"]
    n = w["segments"]
    event_s = ing["cpu"] / n + modelled_latency(ing["calls"]) / n
    fleet_rate = cameras / SEG_S
    batch_s = (tot["cpu"] * VCPU_MB / TOTALS_MEMORY_MB + modelled_latency(tot["calls"])) / max(
        tot["invocations"], 1
    )
    out = {
        "events": n, "manifests": w["manifests"], "events_per_s_moto": n / ing["wall"],
        "cpu_ms_per_event": 1000 * ing["cpu"] / n,
        "modelled_s_per_event": event_s, "events_per_s_modelled": 1 / event_s,
        "fleet_events_per_s": fleet_rate, "headroom_one_invocation": 1 / event_s / fleet_rate,
        "totals_batches": tot["invocations"], "totals_s_per_batch_modelled": batch_s,
    }  # fmt: skip
    print(f"\n== ingest: {n} segments of {cameras} cameras in {w['manifests']} site manifests "
          f"(one message each) ==")  # fmt: skip
    print(f"on moto (worker and moto share the 2 cores): {ing['wall']:.0f} s wall, "
          f"{out['events_per_s_moto']:.1f} events/s; worker CPU {out['cpu_ms_per_event']:.1f} ms"
          f"/event; failures {ing['failures']}")  # fmt: skip
    print(f"AWS calls per segment (ingest): {per(ing['calls'], n)}")
    print(f"modelled in Lambda ({LATENCY_SOURCES}): {event_s * 1000:.0f} ms per event = "
          f"{1 / event_s:.1f} events/s per concurrent invocation; the fleet makes "
          f"{fleet_rate:.1f}/s: headroom x{out['headroom_one_invocation']:.1f} with one, "
          f"x{out['headroom_one_invocation'] * ESM_START_CONCURRENCY:.1f} with the "
          f"{ESM_START_CONCURRENCY} the event source mapping starts with")  # fmt: skip
    print(f"totals: {tot['records']} stream records in {tot['invocations']} batches, calls per "
          f"batch {per(tot['calls'], max(tot['invocations'], 1))}, modelled {batch_s:.2f} s a "
          f"batch at {TOTALS_MEMORY_MB} MB")  # fmt: skip
    return out


def sweep_report(w: dict[str, Any], cameras: int, fleet: int) -> dict[str, float]:
    net, expired = w["sweep"]["1"], w["sweep"][str(RETENTION + 1)]
    deleted = sum(r["SweepMissedByLifecycle"] for r in expired["results"])

    def seconds(run: dict[str, Any]) -> float:
        return run["cpu"] * VCPU_MB / SWEEP_MEMORY_MB + modelled_latency(run["calls"])

    extra = {k: n - net["calls"].get(k, 0) for k, n in expired["calls"].items()
             if n > net["calls"].get(k, 0)}  # fmt: skip
    per_camera = seconds(net) / cameras
    cpu = max(0.0, expired["cpu"] - net["cpu"]) * VCPU_MB / SWEEP_MEMORY_MB
    per_segment = (cpu + modelled_latency(extra)) / max(deleted, 1)
    day = fleet * per_camera + fleet * 86400 / SEG_S * per_segment
    budget = SWEEP_TIMEOUT_S - 60  # retention.CAMERA_BUDGET_S is kept in hand
    out = {"sweep_s_per_camera_net": per_camera, "sweep_s_per_segment": per_segment,
           "sweep_s_per_fleet_day": day, "sweep_invocations_per_day": math.ceil(day / budget),
           "swept_segments": deleted}  # fmt: skip
    print(f"\n== sweep: {cameras} cameras, their expiry measured, a day of {fleet} modelled ==")
    print(f"daily net (nothing expired): {net['invocations']} invocations, calls per camera "
          f"{per(net['calls'], cameras)}: {per_camera:.2f} s per camera")  # fmt: skip
    print(f"expired: TTL (simulated) deleted {expired['ttl_deleted']} rows; the net deleted "
          f"{deleted} objects lifecycle left in {expired['invocations']} invocations "
          f"(continuations included); AWS calls per swept segment {per(extra, max(deleted, 1))}"
          f": {per_segment * 1000:.2f} ms per segment")  # fmt: skip
    print(f"a day of {fleet} cameras ({fleet * 86400 // SEG_S:,} segments expiring): "
          f"{day:.0f} s of sweep = {out['sweep_invocations_per_day']} invocations of "
          f"{budget} s; the scheduled run's orphan pass covers every camera in one "
          f"invocation: {fleet * per_camera:.0f} s (timeout {SWEEP_TIMEOUT_S} s)")  # fmt: skip
    return out


def check(ingest: dict[str, Any], sweep: dict[str, Any], events: int, swept: int) -> list[str]:
    """Every segment indexed: the fleet's stream holds a row for each, and TTL deleted
    one for each of the sweep deployment's (below)."""
    problems = []
    for name, w in (("fleet", ingest), ("sweep deployment", sweep)):
        if w["ingest"]["failures"]:
            problems.append(f"{name}: {w['ingest']['failures']} messages failed")
        if read_a_segment(w["ingest"]):
            problems.append(f"{name}: a described segment was read (only manifests may be)")
    if ingest["totals"]["records"] != events:
        problems.append(f"{ingest['totals']['records']} stream records for {events} rows")
    net, expired = sweep["sweep"]["1"], sweep["sweep"][str(RETENTION + 1)]
    if any(r["SweepSegmentsDeleted"] for r in net["results"]):
        problems.append("the sweep deleted footage before it expired")
    if expired["ttl_deleted"] != swept:
        problems.append(f"TTL deleted {expired['ttl_deleted']} of {swept} expired rows")
    if any(r["SweepSegmentsDeleted"] for r in expired["results"]):
        problems.append("the sweep deleted rows instead of TTL")
    deleted = sum(r["SweepMissedByLifecycle"] for r in expired["results"])
    if deleted < swept:
        problems.append(f"the net deleted {deleted} of {swept} expired objects")
    return problems


def main() -> int:
    args = parse_args()
    from edge_uploader.harness.aws_local import FAKE_CREDENTIALS, start_moto
    from edge_uploader.harness.ports import free_port

    os.environ.update({**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": REGION})
    clip = tiny_clip(Path(tempfile.gettempdir()) / "vms-bench" / "fleet" / "tiny-1s.mp4")
    per_site = args.cameras // args.sites
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp_name:
        tmp = Path(tmp_name)
        endpoint = start_moto(free_port(), tmp / "moto.log", stack)
        fleet_manifests = SiteManifests(RETENTION)
        names, queues, config, pairs = deployment(endpoint, tmp, "fleet", args.sites, per_site,
                                                  fleet_manifests)  # fmt: skip
        print(f"deployment: {infra_view(config)}", flush=True)
        events = len(pairs) * args.minutes
        took, sealed = upload(endpoint, names.bucket, pairs, args.minutes, args.upload_threads,
                              clip, fleet_manifests)  # fmt: skip
        print(f"uploaded {events} described segments and {sealed} site manifests in {took:.0f}"
              " s; ingesting...", flush=True)  # fmt: skip
        ingest = run_worker(names, queues, config, endpoint, tmp, phases="ingest,totals",
                            messages=str(sealed), batch="5")  # fmt: skip
        ingest["segments"], ingest["manifests"] = events, sealed
        sweep_sites = max(1, args.sweep_cameras // per_site)
        sweep_manifests = SiteManifests(RETENTION)
        s_names, s_queues, s_config, s_pairs = deployment(
            endpoint, tmp, "sweep", sweep_sites, args.sweep_cameras // sweep_sites,
            sweep_manifests,
        )  # fmt: skip
        swept = len(s_pairs) * args.sweep_minutes
        _, s_sealed = upload(endpoint, s_names.bucket, s_pairs, args.sweep_minutes,
                             args.upload_threads, clip, sweep_manifests)  # fmt: skip
        print(f"sweep deployment: {len(s_pairs)} cameras, {swept} segments; sweeping...",
              flush=True)  # fmt: skip
        sweep = run_worker(s_names, s_queues, s_config, endpoint, tmp, phases="ingest,sweep",
                           messages=str(s_sealed), batch="5", base=BASE.isoformat(),
                           sweep_days=f"1,{RETENTION + 1}",
                           sweep_timeout=str(args.sweep_timeout))  # fmt: skip
    out = ingest_report(ingest, len(pairs))
    out |= sweep_report(sweep, len(s_pairs), len(pairs))
    problems = check(ingest, sweep, events, swept)
    for problem in problems:
        print(f"FAILED: {problem}")
    out["calls_per_segment"] = sum(ingest["ingest"]["calls"].values()) / events
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}))
    return 1 if problems else 0


if __name__ == "__main__":
    if "--worker" in sys.argv:
        from cloud_worker import main as worker_main

        worker_main()
        sys.exit(0)
    sys.exit(main())
