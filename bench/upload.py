"""Draining a branch's backlog over a slow link: the seed's script vs the edge.

1. Footage: 8 cameras of CCTV-like 1080p15 H.264 at 4 Mbit/s (bench/cctv_scene.py,
   each camera its own phase of the scene), ``--minutes`` 60 s segments each,
   like the recorder's. Scaled down from an hour of backlog: both approaches
   handle one file at a time (the seed) or a steady pipeline of files (ours), so
   drain time grows linearly with the backlog once a few files are through.
2. Link: a network namespace behind a veth pair shaped by ``tc tbf`` to
   ``--link-mbit`` (8), with a moto S3 server inside (tests/support/shaped.py).
   Needs root.
3. (a) The seed (backup_cctv.py): for each file in turn, ``ffmpeg -i in -vcodec
   libx264 -crf 28 out``, then a single PUT of the result.
   (b) Ours: the edge's spool, journal, compressor and uploader threads as
   ``vms up`` runs them: every camera ``edge_profile: adaptive`` with the shipped
   ladder and CPU budget (``--cpu-budget``), two upload workers and the site's
   cap (``--cap-mbit``), which the edge keeps to by itself.
4. Reported: drain time; link use while a backlog exists (payload per second
   over the drain, against the cap, and against the link for the seed); the
   highest 30 s payload rate against the cap; bytes per camera-hour; VMAF of
   what was uploaded against what was recorded (files sent as recorded are
   bit-identical: 100); CPU-seconds (ffmpeg children + this process).

    sudo uv run python bench/upload.py [--cameras 8] [--minutes 1] [--cap-mbit 7.2]
    sudo uv run python bench/upload.py --calibrated [--runs ours]

``--calibrated``: before (b) drains, each camera is calibrated as the edge does it
(edge_uploader.calibration_worker.Calibrator: a sample, the first ``sample_s`` of
its footage, searched within the CPU each camera may spend, ``cpu_budget`` /
cameras), and the compressor encodes each level with the camera's calibrated
setting, as ``vms up`` wires it. The calibration's time is not in the drain (an
edge calibrates days before a backlog); its trials and CPU are printed.
    sudo uv run python bench/upload.py --smoke   # 2 cameras x one 1 s segment

It exits 1 when an upload is missing or scores below VMAF 60.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from cctv_scene import SMOKE_CACHE, SMOKE_SEG_S, generate
from vmaf import vmaf

from edge_uploader.budget import LinkMeters
from edge_uploader.calibration_worker import Calibrator
from edge_uploader.calibrator import CalibrationStore
from edge_uploader.compressor import Compressor
from edge_uploader.journal import Journal
from edge_uploader.spool import Spool
from edge_uploader.uploader import Uplink, Uploader, UploadPolicy
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.bandwidth import TokenBucket
from footage.clock import SystemClock
from footage.config import Config
from footage.keys import build_segment_key, build_spool_name
from footage.storage import META_PROFILE
from tests.support.servers import CLEARED_AWS_ENV, FAKE_AWS_ENV
from tests.support.shaped import moto_in, shaped_link

SEG_S = 60
REGION = "ap-southeast-3"
BASE = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)


@dataclass
class Footage:
    camera: str
    start: datetime
    path: Path

    @property
    def key(self) -> str:
        return build_segment_key("BR", self.camera, self.start, retention_days=180)


@dataclass
class Run:
    name: str
    drain_s: float = 0.0
    cpu_s: float = 0.0
    sent: int = 0  # payload bytes uploaded
    samples: list[tuple[float, int]] = field(default_factory=list)  # (t, payload so far)
    uploaded: dict[str, Path] = field(default_factory=dict)  # key -> what was sent

    def windows(self, span_s: float = 30.0) -> list[float]:
        """Payload rates (bit/s) over every ``span_s`` window, stepped each second."""
        rates = []
        for i, (t0, b0) in enumerate(self.samples):
            for t1, b1 in self.samples[i:]:
                if t1 - t0 >= span_s:
                    rates.append((b1 - b0) * 8 / (t1 - t0))
                    break
        return rates


def cpu_now() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def sample(run: Run, counter: Callable[[], int], stop: threading.Event, t0: float) -> None:
    while not stop.is_set():
        run.samples.append((time.monotonic() - t0, counter()))
        stop.wait(1.0)
    run.samples.append((time.monotonic() - t0, counter()))


def make_bucket(endpoint: str, name: str) -> S3Storage:
    client = make_s3_client(endpoint, REGION)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return S3Storage(client, name, "")


def run_seed(footage: list[Footage], store: S3Storage, work: Path) -> Run:
    """backup_cctv.py: compress each file, then upload it, one after the other."""
    run, sent = Run("(a) seed: ffmpeg -crf 28, then one PUT"), [0]
    stop, t0, cpu0 = threading.Event(), time.monotonic(), cpu_now()
    meter = threading.Thread(target=sample, args=(run, lambda: sent[0], stop, t0))
    meter.start()
    for item in footage:
        out = work / f"compressed_{item.camera}.mp4"
        subprocess.run(["ffmpeg", "-y", "-i", str(item.path), "-vcodec", "libx264", "-crf",
                        "28", str(out)], check=True, capture_output=True)  # fmt: skip
        with out.open("rb") as body:
            store.client.put_object(Bucket=store.bucket, Key=item.key, Body=body)
        sent[0] += out.stat().st_size
        kept = work / f"seed-{item.camera}.mp4"
        out.rename(kept)
        run.uploaded[item.key] = kept
        print(f"  seed: {item.camera} done at {time.monotonic() - t0:.0f} s", flush=True)
    run.drain_s = time.monotonic() - t0
    stop.set()
    meter.join()
    run.cpu_s, run.sent = cpu_now() - cpu0, sent[0]
    return run


def edge_config(cameras: list[str], cap_mbit: float, cpu_budget: float) -> Config:
    return Config.model_validate({
        "sites": [{"id": "BR", "name": "Branch", "upload": {"max_kbps": int(cap_mbit * 1000)}}],
        "cameras": [{"id": c, "site": "BR", "name": c, "rtsp_url": f"rtsp://cam/{c}",
                     "edge_profile": "adaptive"} for c in cameras],
        "uploader": {"compression": {"cpu_budget_cores": cpu_budget}},
    })  # fmt: skip


def calibrated(compressor: Compressor, config: Config, footage: list[Footage], work: Path,
               clock: SystemClock) -> Calibrator:  # fmt: skip
    """Each camera calibrated on a sample of its own footage, as the edge would."""
    store = CalibrationStore(work / "calibration", config.uploader.compression.calibration)
    worker = Calibrator(store, config, compressor.slot, clock, lambda: compressor.encoder)
    for camera in worker.cameras:
        first = next(f for f in footage if f.camera == camera)
        store.keep_sample(camera, first.path, clock.now(), compressor.slot.run)
        done = worker.calibrate(camera, "bench")
        print(f"  calibrated {camera}: {done.trials} trials, {done.cpu_s:.0f} CPU-s, seed on the "
              f"sample VMAF {done.seed_vmaf}; " + "; ".join(
                  f"L{c.level} (>= {c.promise:g}) {c.setting} {c.ratio:.0%} VMAF {c.vmaf}"
                  for c in done.levels), flush=True)  # fmt: skip
    return worker


def run_edge(
    footage: list[Footage], store: S3Storage, work: Path, cap_mbit: float, cpu_budget: float,
    calibrate: bool = False,
) -> Run:  # fmt: skip
    """The edge as vms up runs it: spool + journal, compressor, uploader, cap."""
    cameras = sorted({f.camera for f in footage})
    config = edge_config(cameras, cap_mbit, cpu_budget)
    journal = Journal(work / "spool" / "journal.sqlite3")
    spool = Spool(work / "spool", journal, quota_bytes=10**11, min_free_bytes=0)
    spool.prepare(cameras)
    for item in footage:
        src = spool.recording_dir(item.camera) / build_spool_name(item.start)
        shutil.copyfile(item.path, src)
        spool.finalize(src, item.camera, "BR", datetime.now(UTC))
    clock = SystemClock()
    meters = LinkMeters()
    compressor = Compressor(journal, spool, clock, config, link_hints={"BR": cap_mbit * 125_000},
                            meters=meters)  # fmt: skip
    if calibrate:
        compressor.calibrator = calibrated(compressor, config, footage, work, clock)
    compressor.publish()  # before the uploader starts, as edge_uploader.shell.bootstrap does
    bucket = TokenBucket(lambda: cap_mbit * 125_000)
    uploader = Uploader(journal, store, clock, UploadPolicy(workers=2), random.Random(1),
                        Uplink({"BR": bucket}, meters))  # fmt: skip
    how = ", calibrated per camera" if calibrate else ""
    run = Run(f"(b) ours: adaptive, cap {cap_mbit} Mbit/s, {cpu_budget:g} core(s) to encode{how}")
    stop, t0, cpu0 = threading.Event(), time.monotonic(), cpu_now()
    threads = [
        threading.Thread(target=compressor.run, args=(stop, 0.2)),
        threading.Thread(target=uploader.run, args=(stop, 0.2)),
        threading.Thread(target=sample, args=(run, lambda: meters["BR"].sent, stop, t0)),
    ]
    for thread in threads:
        thread.start()
    while journal.stats.backlog().count:
        time.sleep(0.5)
    run.drain_s = time.monotonic() - t0
    stop.set()
    for thread in threads:
        thread.join()
    run.cpu_s, run.sent = cpu_now() - cpu0, meters["BR"].sent
    for decision in compressor.stats.decisions:
        print(f"  ours: level {decision.level} ({decision.profile}) at "
              f"{decision.at:%H:%M:%S}: {decision.reason}")  # fmt: skip
    for item in footage:
        back = work / f"ours-{item.camera}.mp4"
        store.download(item.key, back)
        run.uploaded[item.key] = back
    return run


def report(run: Run, footage: list[Footage], store: S3Storage, cap_bps: float | None,
           link_bps: float, seg_s: int) -> dict[str, float]:  # fmt: skip
    by_key = {f.key: f for f in footage}
    scores, copies = [], 0
    for key, sent in run.uploaded.items():
        head = store.head(key)
        profile = head.metadata.get(META_PROFILE, "") if head else ""
        if profile == "copy":
            copies += 1
            scores.append(100.0)  # bit-identical to the recording (same SHA-256 on upload)
        else:
            scores.append(vmaf(sent, by_key[key].path))
    if set(run.uploaded) != set(by_key):
        raise SystemExit(f"{run.name}: uploaded {len(run.uploaded)} of {len(by_key)} files")
    hours = len(footage) * seg_s / 3600
    busy = [s for s in run.samples if s[0] <= run.drain_s]
    use = run.sent * 8 / run.drain_s
    peak = max(run.windows(), default=0.0)
    print(f"\n{run.name}")
    print(f"  drain {run.drain_s:.0f} s; {run.sent / 1e6:.1f} MB sent; "
          f"{run.sent / hours / 1e9:.2f} GB per camera-hour")  # fmt: skip
    target = cap_bps or link_bps
    print(f"  link use while a backlog exists: {use / 1e6:.2f} Mbit/s = {100 * use / target:.0f} % "
          f"of the {'cap' if cap_bps else 'link'} ({len(busy)} samples)")  # fmt: skip
    if cap_bps:
        print(f"  highest 30 s payload rate: {peak / 1e6:.2f} Mbit/s = "
              f"{100 * peak / cap_bps:.1f} % of the cap")  # fmt: skip
    print(f"  VMAF vs recorded: mean {sum(scores) / len(scores):.2f}, min {min(scores):.2f} "
          f"({copies} of {len(scores)} files sent as recorded)")  # fmt: skip
    print(f"  CPU: {run.cpu_s:.0f} CPU-s ({run.cpu_s / hours / 3600:.2f} CPU-s per footage-s)")
    if min(scores) < 60:
        raise SystemExit(f"{run.name}: an upload scored VMAF {min(scores):.2f}")
    return {"drain": run.drain_s, "vmaf": sum(scores) / len(scores)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=8)
    parser.add_argument("--minutes", type=int, default=1, help="60 s segments per camera")
    parser.add_argument("--kbps", type=int, default=4096, help="each camera's bitrate")
    parser.add_argument("--link-mbit", type=float, default=8.0)
    parser.add_argument("--cap-mbit", type=float, default=7.2, help="the site's upload cap")
    parser.add_argument("--cpu-budget", type=float, default=1.0, help="cores to encode")
    parser.add_argument("--scene", choices=["dnr", "noisy"], default="dnr")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/vms-bench/upload-src"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/vms-bench/upload-work"))
    parser.add_argument(
        "--runs",
        nargs="+",
        choices=["seed", "ours"],
        default=["seed", "ours"],
        help="which to drain (the seed alone takes ~11 min at the defaults)",
    )
    parser.add_argument("--calibrated", action="store_true",
                        help="(b) calibrates each camera first (issue 19)")  # fmt: skip
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    args = parser.parse_args()
    seg_s = SEG_S
    if args.smoke:
        args.cameras, args.minutes, args.runs, seg_s = 2, 1, ["seed", "ours"], SMOKE_SEG_S
        args.cache, args.work = SMOKE_CACHE / "upload", SMOKE_CACHE / "upload-work"
    assert os.geteuid() == 0, "the shaped link needs root (ip netns, tc)"
    for name in CLEARED_AWS_ENV:
        os.environ.pop(name, None)
    os.environ.update(FAKE_AWS_ENV)  # moto's
    footage = []
    for n in range(1, args.cameras + 1):
        files = generate(args.cache / f"{args.scene}-cam{n}", args.minutes, args.kbps, seg_s,
                         camera=n, dnr=args.scene == "dnr")  # fmt: skip
        camera = f"cam{n:02d}"
        footage += [Footage(camera, BASE + timedelta(seconds=seg_s * i), f)
                    for i, f in enumerate(files)]  # fmt: skip
    recorded = sum(f.path.stat().st_size for f in footage)
    minutes = len(footage) * seg_s / 60
    print(f"backlog: {len(footage)} files, {recorded / 1e6:.0f} MB, {minutes:.0f} "
          f"camera-minutes; link {args.link_mbit} Mbit/s")  # fmt: skip
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    results = {}
    with shaped_link(args.link_mbit) as link, moto_in(link, args.work.parent) as endpoint:
        edge_run = partial(run_edge, cap_mbit=args.cap_mbit, cpu_budget=args.cpu_budget,
                           calibrate=args.calibrated)  # fmt: skip
        for name, runner in [
            ("seed", lambda s, w: run_seed(footage, s, w)),
            ("ours", lambda s, w: edge_run(footage, s, w)),
        ]:
            if name not in args.runs:
                continue
            work = args.work / name
            work.mkdir(parents=True)
            store = make_bucket(endpoint, name)
            print(f"\nrunning {name}...", flush=True)
            run = runner(store, work)
            cap = None if name == "seed" else args.cap_mbit * 1e6
            results[name] = report(run, footage, store, cap, args.link_mbit * 1e6, seg_s)
    if len(results) < 2:
        return
    seed, ours = results["seed"], results["ours"]
    print(f"\nours drains {seed['drain'] / ours['drain']:.2f}x faster than the seed; "
          f"VMAF {ours['vmaf']:.2f} vs {seed['vmaf']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
