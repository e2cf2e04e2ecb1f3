"""H.264 renditions of HEVC footage, made on demand: first frame of a cold segment,
the transcode's CPU per footage-second, and what an hour watched costs in AWS.

    uv run python bench/rendition.py            # 60 s 1080p15 HEVC, 5 cold runs (~3 min once)
    uv run python bench/rendition.py --smoke    # tiny: checks the bench works

The footage is the CCTV scene of camera 5 (bench/cctv_scene.py; the part length and
preset were chosen on camera 3's), encoded like a Hikvision/Dahua camera's main
stream: HEVC at 2 Mbit/s, a keyframe every 2 s, B-frames. Three measurements:

1. *cold part*: part 0 of a segment no one watched, made in this process from a NAS
   folder as the on-prem API does (footage.services.renditions.rendition_url with
   LocalRenditions): a lookup, the transcode and the store;
2. *click to first frame* in headless Chromium (no HEVC decoder) through the on-prem
   API and viewer, renditions deleted before each click: footage query, playlist,
   the part made, fetched and decoded (bench/viewer_playback.py's click), once the
   parts the last run's player asked for ahead are done; then the same click with
   the parts made (the viewer's own path);
3. *every part* of the segment made one after another: CPU-s (ffmpeg's, from
   getrusage) and wall per footage-second. On a machine with as many cores as the
   Lambda has vCPUs this is the Lambda's work.

The AWS cost per hour watched (:func:`usd_per_hour_watched`) is priced from (3):
the rendition Lambda at RENDITION_MEMORY_MB for (CPU-s / its vCPUs + download and
store) per part, the API Lambda waiting for it, two invocations, an HTTP API
request, and S3's PUT of the part and GETs of the segment and of the part. The
viewer's download of the part (egress) is not counted: watching the HEVC segment
itself costs the same kind of egress. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cctv_scene import scene_filter
from playwright.sync_api import Error, Page, sync_playwright
from viewer_playback import CAMERA, CLICK_TO_FRAME, PASSWORD, WEB_DIST, log_in, record, wait_for

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.media.commands import FRAGMENTED_MP4
from footage.pricing import PRICES
from footage.secrets import SIGNING_KEY, installation_key
from footage.services.renditions import (
    PART_SECONDS,
    LocalRenditions,
    RenditionJob,
    make_rendition,
    plan_parts,
    rendition_url,
)

CACHE = Path(__file__).resolve().parents[1] / "build" / "bench" / "hevc-cam5-60s-2000k"
#: The rendition Lambda (infra/cdk/cctv_infra/renditions.py): 3008 MB is 1.7 vCPU.
RENDITION_MEMORY_MB = 3008
API_MEMORY_MB = 1024
VCPU_MB = 1769
#: Per part, besides the transcode: the segment's download in the region (~15 MB at
#: ~100 MB/s), the part's PUT and the invocation (assumed; not measured here).
LAMBDA_OVERHEAD_S = 0.3


def usd_per_hour_watched(
    cpu_s_per_footage_s: float,
    prices: Mapping[str, float],
    memory_mb: int = RENDITION_MEMORY_MB,
    part_s: float = PART_SECONDS,
    overhead_s: float = LAMBDA_OVERHEAD_S,
) -> dict[str, float]:
    """USD per hour of HEVC footage watched for the first time through renditions
    (every part made once), by item; ``total`` sums them."""
    parts = 3600 / part_s
    wall = cpu_s_per_footage_s * part_s / (memory_mb / VCPU_MB) + overhead_s
    gb_s = prices["lambda_gb_s_x86"]
    cost = {
        "rendition_lambda": parts * wall * memory_mb / 1024 * gb_s,
        "api_lambda_waiting": parts * (wall + 0.05) * API_MEMORY_MB / 1024 * gb_s,
        "invocations": parts * 2 * prices["lambda_request"],
        "http_api": parts * prices["http_api_request"],
        # PUT of the part; GET of the segment (Lambda), HEAD (API) and GET of the part
        "s3": parts * (prices["s3_put"] + 3 * prices["s3_get"]),
    }
    return {**{k: round(v, 5) for k, v in cost.items()}, "total": round(sum(cost.values()), 4)}


def hevc_footage(path: Path, seconds: int, smoke: bool) -> Path:
    """An HEVC segment like a camera's main stream (made once, kept in CACHE)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    source = (
        ["-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=15:duration={seconds}"]
        if smoke
        else ["-f", "lavfi", "-i", scene_filter(seconds, camera=5, dnr=True)]
    )
    print(f"making {seconds} s of HEVC into {path} (once)...", flush=True)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *source,
         "-t", str(seconds), "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
         "-b:v", "2000k", "-maxrate", "2000k", "-bufsize", "2000k",
         "-x265-params", "log-level=error:keyint=30:min-keyint=30",
         "-movflags", FRAGMENTED_MP4, str(path.with_suffix(".tmp.mp4"))],
        check=True, timeout=900,
    )  # fmt: skip
    path.with_suffix(".tmp.mp4").rename(path)
    return path


def cold_parts(root: Path, start: datetime, runs: int) -> list[float]:
    """Seconds to make part 0 of the segment that starts at ``start``, cold each time."""
    storage = FilesystemStorage(root / "storage", installation_key(root, SIGNING_KEY, {}))
    catalog = SqliteCatalog(root / "index.sqlite3")
    make = LocalRenditions(storage, root / "tmp")
    samples = []
    for _ in range(runs):
        shutil.rmtree(root / "storage" / "renditions", ignore_errors=True)
        began = time.perf_counter()
        rendition_url(catalog, storage, make, CAMERA, start, 0, timedelta(hours=1))
        samples.append(time.perf_counter() - began)
    catalog.close()
    return samples


def every_part(root: Path, segment: Path, seconds: float) -> tuple[float, float]:
    """(CPU-s, wall-s) of ffmpeg per footage-second, making every part of ``segment``."""
    storage = FilesystemStorage(root / "all", installation_key(root, SIGNING_KEY, {}))
    key = f"segments/retention=30/HO/{CAMERA}/2026/03/01/{CAMERA}_20260301T080000Z.mp4"
    storage.put_file(key, segment)
    before, began = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    for part in plan_parts(seconds):
        make_rendition(storage, RenditionJob(key, part.index, seconds, 15.0), root / "tmp")
    after, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter() - began
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu / seconds, wall / seconds


def settle(page: Page, folder: Path, quiet_s: float = 1.5, timeout_s: float = 15) -> None:
    """Stop the player and wait until the API makes no more parts: the parts it was
    making ahead of the last run's playhead would otherwise share the cores with
    the next cold part (in the Lambda each part has its own)."""
    page.evaluate("window.__vms && window.__vms.hls.stopLoad()")
    deadline, seen, since = time.monotonic() + timeout_s, None, time.monotonic()
    while time.monotonic() < deadline:
        now = sorted(str(f) for f in folder.rglob("*.ts"))
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
        time.sleep(0.2)


def clicks(root: Path, start: datetime, seg_s: int, runs: int) -> tuple[list[float], list[float]]:
    """Click to first frame in Chromium (s): renditions deleted before each click
    (cold), then kept (warm: the viewer's own path, for comparison)."""
    port = 18400 + (os.getpid() + 500) % 1000
    server = subprocess.Popen(
        [sys.executable, "-m", "functions.api.serve", "--config", str(root / "config.yaml"),
         "--data-dir", str(root), "--port", str(port)],
        env={**os.environ, "VMS_ADMIN_PASSWORD": PASSWORD},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base, samples, warm = f"http://127.0.0.1:{port}", [], []
    try:
        wait_for(f"{base}/api/health")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu",
                      "--autoplay-policy=no-user-gesture-required"],
            )  # fmt: skip
            page = browser.new_page()
            log_in(page, base)
            end = start + timedelta(seconds=seg_s)
            page.goto(f"{base}/#/playback?camera={CAMERA}&start={start:%Y-%m-%dT%H:%M:%SZ}"
                      f"&end={end:%Y-%m-%dT%H:%M:%SZ}")  # fmt: skip
            page.reload()
            page.wait_for_function("window.__vms && document.querySelector('video#player')"
                                   ".readyState >= 2", timeout=60_000)  # fmt: skip
            for _ in range(runs):
                settle(page, root / "storage" / "renditions")
                shutil.rmtree(root / "storage" / "renditions", ignore_errors=True)
                try:
                    samples.append(float(page.evaluate(CLICK_TO_FRAME)) / 1000)
                except Error as exc:
                    print(f"no frame: {exc}", flush=True)
                if not any((root / "storage" / "renditions").rglob("*.ts")):
                    sys.exit("the click made no part: the run was not cold")
            for _ in range(runs):
                warm.append(float(page.evaluate(CLICK_TO_FRAME)) / 1000)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    return samples, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    args = parser.parse_args()
    seg_s, runs = (6, 2) if args.smoke else (60, args.runs)
    if not (WEB_DIST / "index.html").exists():
        sys.exit("build the viewer first: make web")
    cache = Path(tempfile.gettempdir()) / "vms-bench" / "hevc-smoke" if args.smoke else CACHE
    segment = hevc_footage(cache / f"hevc-{seg_s}s.mp4", seg_s, args.smoke)
    root = Path(tempfile.mkdtemp(prefix="vms-bench-rendition-"))
    try:
        report(root, segment, seg_s, runs)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def report(root: Path, segment: Path, seg_s: int, runs: int) -> None:
    start = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    camera = {"id": CAMERA, "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"}
    config = {"sites": [{"id": "HO", "name": "Kantor Pusat"}], "cameras": [camera]}
    (root / "config.yaml").write_text(json.dumps(config))
    record(root, [segment], start, seg_s)
    cold = cold_parts(root, start, runs)
    seen, warm = clicks(root, start, seg_s, runs)
    cpu, wall = every_part(root, segment, float(seg_s))
    what = f"{seg_s} s HEVC segment, {PART_SECONDS} s parts, {os.cpu_count()} cores"
    print(f"cold part 0 (lookup, transcode, store), {what}, {runs} runs: "
          f"median {statistics.median(cold):.2f} s, max {max(cold):.2f} s")  # fmt: skip
    if not seen:
        sys.exit("no first frame in any run")
    print(f"click to first frame, cold segment, Chromium through the on-prem API, {len(seen)} "
          f"of {runs} runs: median {statistics.median(seen):.2f} s, max {max(seen):.2f} s "
          f"(target <= 4 s: {'OK' if max(seen) <= 4 else 'MISSED'})")  # fmt: skip
    print(f"click to first frame, parts already made (the viewer's path alone): "
          f"median {statistics.median(warm):.2f} s, max {max(warm):.2f} s")  # fmt: skip
    print(f"every part: {cpu:.3f} CPU-s and {wall:.3f} s wall per footage-second")
    costs = {region: usd_per_hour_watched(cpu, PRICES[region]) for region in PRICES}
    for region, cost in costs.items():
        print(f"AWS per hour watched (first time), {region}: ${cost['total']:.4f}  {cost}")
    summary = {
        "first_frame_s_median": round(statistics.median(seen), 3),
        "first_frame_s_max": round(max(seen), 3),
        "cold_part_s_median": round(statistics.median(cold), 3),
        "cpu_s_per_footage_s": round(cpu, 4),
        "usd_per_hour_watched": {r: c["total"] for r, c in costs.items()},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
