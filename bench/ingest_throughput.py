"""Ingest throughput and CPU cost per footage-hour, by ingest profile.

Method
------
1. Source footage (generated once, cached in ``--cache``): a CCTV-like synthetic
   1920x1080@15 scene from ffmpeg's lavfi - a static "street" background with
   slow lighting drift, two moving objects, temporal sensor noise and a burned-in
   UTC clock - encoded with libx264 like a camera (about 4 Mbit/s, no B-frames,
   1 s GOP) and cut by the segment muxer into 10 s fragmented-MP4 files, the
   same container flags as the recorder.
2. Each file is uploaded into a `FilesystemStorage` under its
   `build_segment_key` key with the uploader's metadata (sha256, camera, site,
   start). Uploading is not timed.
3. `footage.services.ingest.ingest_object` runs on every key, with a fresh
   `SqliteCatalog`, `SystemClock` and either no policies (default ``copy``:
   sha256, probe, thumbnail, index) or a `CameraPolicy` with ``--profile``
   (adds a transcode, a second probe and the rendition's upload).
4. Wall time and CPU time (this process plus its waited-for children, i.e.
   ffmpeg/ffprobe, from os.times()) are measured around the ingest loop only.

Printed: segments/s, CPU-s per segment, CPU-s per footage-hour, and how many
cameras of this kind one core could keep up with.

    uv run python bench/ingest_throughput.py                         # copy, 20 segments
    uv run python bench/ingest_throughput.py --profile h264-balanced # 4 segments
    uv run python bench/ingest_throughput.py --smoke                 # 2 x 1 s segments

It exits 1 unless every segment is indexed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from cctv_scene import BASE, SMOKE_SEG_S, generate, smoke_footage

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.clock import SystemClock
from footage.keys import build_segment_key, format_stamp
from footage.media.ops import sha256_file
from footage.profiles import BUILTIN_PROFILES
from footage.services.ingest import CameraPolicy, IngestContext, Outcome, ingest_object
from footage.storage import META_CAMERA, META_SHA256, META_SITE, META_START

SEG_S = 10
SITE, CAMERA = "site-1", "cam-001"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profile", choices=sorted(BUILTIN_PROFILES), default="copy")
    p.add_argument(
        "--segments",
        type=int,
        default=None,
        help="segments to ingest (default 20 for copy, 4 for a transcode)",
    )
    p.add_argument("--cache", type=Path, default=Path("/tmp/vms-bench/ingest-src-1080p15-h264"))
    p.add_argument("--bitrate-kbps", type=int, default=4000)
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    args = p.parse_args()
    args.seg_s = SEG_S
    if args.smoke:
        args.segments, args.seg_s = 2, SMOKE_SEG_S
    if args.segments is None:
        args.segments = 20 if args.profile == "copy" else 4
    return args


# -- source footage ------------------------------------------------------------


# -- ingest --------------------------------------------------------------------


def upload(storage: FilesystemStorage, files: list[Path], seg_s: int) -> list[str]:
    keys = []
    for i, path in enumerate(files):
        start = BASE + timedelta(seconds=i * seg_s)
        key = build_segment_key(SITE, CAMERA, start, retention_days=180)
        meta = {META_SHA256: sha256_file(path), META_CAMERA: CAMERA, META_SITE: SITE,
                META_START: format_stamp(start)}  # fmt: skip
        storage.put_file(key, path, metadata=meta)
        keys.append(key)
    return keys


def cpu_now() -> tuple[float, float]:
    """(this process CPU-s, waited-for children CPU-s)."""
    t = os.times()
    return t.user + t.system, t.children_user + t.children_system


def run(args: argparse.Namespace, files: list[Path], work: Path) -> None:
    storage = FilesystemStorage(work / "store", signing_key=b"k" * 32)
    catalog = SqliteCatalog(work / "catalog.sqlite3")
    catalog.initialize()
    profile = BUILTIN_PROFILES[args.profile]
    policies = {CAMERA: CameraPolicy(profile_name=args.profile, profile=profile, site=SITE)}
    ctx = IngestContext(storage, catalog, SystemClock(), policies, workdir=work)
    keys = upload(storage, files, args.seg_s)
    print(f"uploaded {len(keys)} objects; ingesting with profile {args.profile!r}...", flush=True)
    (self0, kids0), wall0 = cpu_now(), time.perf_counter()
    footage_s, stored = 0.0, 0
    try:
        for n, key in enumerate(keys, 1):
            result = ingest_object(ctx, key)
            if result.outcome is not Outcome.INDEXED or result.segment is None:
                raise SystemExit(f"{key}: {result.outcome} {result.reason}")
            footage_s += result.segment.duration_s
            stored += result.segment.size_bytes
            if n % 5 == 0 or n == len(keys):
                print(
                    f"  {n}/{len(keys)} ingested ({time.perf_counter() - wall0:.1f} s)", flush=True
                )
    finally:
        catalog.close()
    (self1, kids1), wall = cpu_now(), time.perf_counter() - wall0
    report(args, len(keys), footage_s, wall, self1 - self0, kids1 - kids0)
    source = sum(f.stat().st_size for f in files)
    kbps = 8 * stored / footage_s / 1000
    print(
        f"playable footage    : {stored / 1e6:.1f} MB ({kbps:.0f} kbit/s) indexed, "
        f"from {source / 1e6:.1f} MB uploaded"
    )


def report(
    args: argparse.Namespace, n: int, footage_s: float, wall: float, own: float, kids: float
) -> None:
    cpu = own + kids
    per_hour = cpu / footage_s * 3600
    print(f"\n== ingest, profile {args.profile}, {n} x {args.seg_s} s 1080p15 H.264 segments ==")
    print(f"footage             : {footage_s:.1f} s")
    print(
        f"wall                : {wall:.2f} s  -> {n / wall:.2f} segments/s, "
        f"{footage_s / wall:.1f}x real time"
    )
    print(
        f"CPU                 : {cpu:.2f} s (python {own:.2f} s + ffmpeg/ffprobe {kids:.2f} s)"
        f" = {cpu / n:.3f} CPU-s per segment"
    )
    print(
        f"CPU per footage-hour: {per_hour:.0f} CPU-s "
        f"({per_hour / 3600:.3f} cores per camera, ~{3600 / per_hour:.1f} cameras per core)"
    )


def main() -> int:
    args = parse_args()
    if args.smoke:
        files = smoke_footage(args.segments)
    else:
        files = generate(args.cache, args.segments, args.bitrate_kbps, args.seg_s)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        run(args, files, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
