"""Playback start in the viewer: from the click on "Show" to the first decoded frame.

Builds a data dir with --segments recorded segments of CCTV-like 1080p15 H.264
footage (bench/cctv_scene.py's generator, 60 s each, ingested by the real
ingest service), serves it with the real on-prem API and viewer
(``python -m functions.api.serve``), logs in with headless Chromium (Debian's,
driven by Playwright) and, --runs times, clicks "Show" on the playback page
and waits for the video's first frame (``requestVideoFrameCallback``). The
range alternates between two hours so every run loads a fresh playlist.

    uv run python bench/viewer_playback.py [--runs 20] [--segments 6]
    uv run python bench/viewer_playback.py --smoke   # 3 x 1 s segments, 2 runs

A click that shows no frame within 10 s is counted and reported (the player
stayed empty); a segment that is not indexed, or no frame after any click, exits 1.

Target (issue 4): <= 1.5 s locally.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from cctv_scene import SMOKE_SEG_S, generate, smoke_footage
from playwright.sync_api import Error, Page, sync_playwright

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.clock import SystemClock
from footage.keys import build_segment_key
from footage.media.ops import sha256_file
from footage.secrets import SIGNING_KEY, installation_key
from footage.services.ingest import CameraPolicy, IngestContext, Outcome, ingest_object

CAMERA, SITE = "ho-lobby", "HO"
PASSWORD = "bench-admin-password"
WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
CACHE = Path(__file__).resolve().parents[1] / "build" / "bench" / "scene-60s-2000k"
#: The click resets the player (the element is "emptied"), which drops frame
#: callbacks registered before it; the first frame of the new load is awaited after.
CLICK_TO_FRAME = """async () => {
  const video = document.querySelector('video#player');
  const emptied = new Promise((resolve) =>
    video.addEventListener('emptied', resolve, {once: true}));
  const began = performance.now();
  document.querySelector('button#load').click();
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error('no frame in 10 s')), 10000));
  await Promise.race([emptied, timeout]);
  const frame = new Promise((resolve) => video.requestVideoFrameCallback(resolve));
  await Promise.race([frame, timeout]);
  return performance.now() - began;
}"""


def record(root: Path, files: list[Path], start: datetime, seg_s: int) -> None:
    """``files``, segments of ``seg_s`` from ``start``, stored and indexed."""
    storage = FilesystemStorage(root / "storage", installation_key(root, SIGNING_KEY, {}))
    catalog = SqliteCatalog(root / "index.sqlite3")
    catalog.initialize()
    ctx = IngestContext(
        storage, catalog, SystemClock(), {CAMERA: CameraPolicy(30, site=SITE)}, root
    )
    for n, scene in enumerate(files):
        key = build_segment_key(
            SITE, CAMERA, start + timedelta(seconds=n * seg_s), retention_days=180
        )
        storage.put_file(key, scene, {"sha256": sha256_file(scene)})
        if (result := ingest_object(ctx, key)).outcome is not Outcome.INDEXED:
            sys.exit(f"{key} not indexed: {result.outcome} {result.reason}")
    catalog.close()


def wait_for(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/#/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector('[data-nav="playback"]')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--segments", type=int, default=6)
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated footage, reused")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    args = parser.parse_args()
    seg_s = 60
    if args.smoke:
        args.runs, args.segments, seg_s = 2, 3, SMOKE_SEG_S
    if not (WEB_DIST / "index.html").exists():
        sys.exit("build the viewer first: make web")
    root = Path(tempfile.mkdtemp(prefix="vms-bench-play-"))
    start = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    camera = {"id": CAMERA, "site": SITE, "name": "Lobby", "rtsp_url": "rtsp://h/1"}
    config = {"sites": [{"id": SITE, "name": "Kantor Pusat"}], "cameras": [camera]}
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    if args.smoke:
        files = smoke_footage(args.segments)
    else:
        files = generate(args.cache, args.segments, 2000, seg_s)
    record(root, files, start, seg_s)
    port = 18400 + os.getpid() % 1000
    server = subprocess.Popen(
        [sys.executable, "-m", "functions.api.serve", "--config", str(root / "config.yaml"),
         "--data-dir", str(root), "--port", str(port)],
        env={**os.environ, "VMS_ADMIN_PASSWORD": PASSWORD},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    samples: list[float] = []
    stuck = 0
    try:
        wait_for(f"{base}/api/health")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--autoplay-policy=no-user-gesture-required"],
            )  # fmt: skip
            page = browser.new_page()
            log_in(page, base)
            for run in range(args.runs):
                first = start + timedelta(seconds=seg_s * (run % 2))  # a fresh playlist each run
                last = first + timedelta(seconds=seg_s * (args.segments - 1))
                span = f"start={first:%Y-%m-%dT%H:%M:%SZ}&end={last:%Y-%m-%dT%H:%M:%SZ}"
                page.goto(f"{base}/#/playback?camera={CAMERA}&{span}")
                page.reload()  # a fresh page: a hash change alone swaps the view under us
                page.wait_for_function("window.__vms && document.querySelector('video#player')"
                                       ".readyState >= 2")  # fmt: skip
                try:
                    samples.append(float(page.evaluate(CLICK_TO_FRAME)))
                except Error as exc:
                    if "no frame in 10 s" not in str(exc):
                        raise
                    stuck += 1
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(root, ignore_errors=True)
    if not samples:
        sys.exit(f"no frame within 10 s of any of the {args.runs} clicks")
    p95 = statistics.quantiles(samples, n=20)[18] if len(samples) > 1 else samples[0]
    print(f"click to first decoded frame, 1080p15 H.264 from a NAS folder, {len(samples)} runs: "
          f"median {statistics.median(samples):.0f} ms, p95 {p95:.0f} ms, "
          f"max {max(samples):.0f} ms")  # fmt: skip
    if stuck:
        print(f"no frame within 10 s of the click in {stuck} of {args.runs} runs "
              "(the player stayed empty: nothing buffered, no error shown)")  # fmt: skip


if __name__ == "__main__":
    main()
