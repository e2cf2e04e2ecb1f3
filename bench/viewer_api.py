"""Viewer API speed: the 24 h playback playlist and ``GET /api/footage`` under load.

1. Playlist generation for one camera-day (1,440 one-minute segments), in
   process, p50/p99 over --runs after 5 warm-up runs: NAS-folder links (HMAC) and pre-signed S3
   links (SigV4, batch-signed; no network is involved in signing).
2. The real on-prem server (``python -m functions.api.serve``, uvicorn) on
   loopback (one worker process per core), driven by wrk with --clients
   concurrent connections for --seconds: ``GET /api/footage`` for one
   camera-day (after a few requests that fill the workers' answer caches), then
   the 24 h playlist. wrk and the server share this machine's cores.

    uv run python bench/viewer_api.py [--runs 200] [--clients 50] [--seconds 20]
    uv run python bench/viewer_api.py --smoke   # 5 runs, wrk 4 clients for 1 s

Every answer is checked: 1,440 segments in the playlist, 1,440 rows from
/api/footage, and no error from wrk (non-2xx, socket errors); else exit 1.

Targets (issue 4): playlist p99 <= 100 ms; /api/footage p99 <= 50 ms at 50 clients.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.keys import build_segment_key, build_thumbnail_key
from footage.models import Segment
from footage.services.playback import playback_playlist
from footage.storage import Storage

DAY = datetime(2026, 11, 24, tzinfo=UTC)
CAMERA, SITE = "ho-lobby", "HO"
PASSWORD = "bench-admin-password"


def build_data_dir(root: Path) -> Path:
    config = {
        "sites": [{"id": SITE, "name": "Kantor Pusat"}],
        "cameras": [{"id": CAMERA, "site": SITE, "name": "Lobby", "rtsp_url": "rtsp://h/1",
                     "segment_seconds": 60}],
    }  # fmt: skip
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    catalog = SqliteCatalog(root / "index.sqlite3")
    catalog.initialize()
    for minute in range(-60, 1440 + 60):  # the day and an hour either side
        start = DAY + timedelta(minutes=minute)
        catalog.put_segment(Segment(
            CAMERA, SITE, start, start + timedelta(minutes=1), 9_000_000, "0" * 64,
            build_segment_key(SITE, CAMERA, start, retention_days=180), codec="h264", width=1920,
            height=1080, fps=15.0, audio_codec="aac",
            thumbnail_key=build_thumbnail_key(SITE, CAMERA, start, retention_days=180),
            init_size=1100,
        ))  # fmt: skip
    catalog.close()
    return root


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49]:.1f} ms  p99 {q[98]:.1f} ms  (n={len(samples)})"


def bench_playlist(root: Path, runs: int) -> None:
    catalog = SqliteCatalog(root / "index.sqlite3")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIABENCHMARK")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench-secret")
    stores: dict[str, Storage] = {
        "NAS folder (signed /media links)": FilesystemStorage(root / "storage", b"k" * 32),
        "S3 (SigV4 pre-signed)": S3Storage(make_s3_client(None, "ap-southeast-3"), "footage"),
    }
    for name, storage in stores.items():
        for _ in range(5):  # warm-up: SQLite page cache, first-call imports
            playback_playlist(catalog, storage, CAMERA, DAY, DAY + timedelta(days=1))
        samples = []
        for _ in range(runs):
            began = time.perf_counter()
            playlist = playback_playlist(catalog, storage, CAMERA, DAY, DAY + timedelta(days=1))
            samples.append((time.perf_counter() - began) * 1000)
        if playlist.segments != 1440:
            sys.exit(f"playlist of {name} has {playlist.segments} segments, not 1,440")
        size = len(playlist.text.encode()) / 1024
        print(f"playlist 24 h, {playlist.segments} segments, {size:.0f} KiB, {name}: "
              f"{percentiles(samples)}")  # fmt: skip


def wrk(url: str, token: str, clients: int, seconds: int) -> str:
    done = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "--timeout", "10s",
         "-H", f"Authorization: Bearer {token}", "-H", "Accept-Encoding: gzip", url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    non_2xx = errors.group(1) if errors else 0
    if not rate or float(rate.group(1)) <= 0 or non_2xx or "Socket errors" in out:
        sys.exit(f"wrk saw failed requests on {url}:\n{out}")
    return (f"{float(rate.group(1)):.0f} req/s, latency p50 {lat.get('50')} "
            f"p90 {lat.get('90')} p99 {lat.get('99')}, non-2xx {non_2xx}")  # fmt: skip


def bench_http(root: Path, clients: int, seconds: int) -> None:
    port = 18500 + os.getpid() % 1000
    env = {**os.environ, "VMS_ADMIN_PASSWORD": PASSWORD, "VMS_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "functions.api.serve", "--config", str(root / "config.yaml"),
         "--data-dir", str(root), "--port", str(port), "--web-dir", str(root / "no-web")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        token = login(base)
        day = f"start={DAY:%Y-%m-%dT%H:%M:%SZ}&end={DAY + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}"
        footage = f"{base}/api/footage?camera={CAMERA}&{day}"
        warm = urllib.request.Request(footage, headers={"Authorization": f"Bearer {token}"})
        for _ in range(4):  # the first answer of each worker process fills its cache
            with urllib.request.urlopen(warm, timeout=10) as response:
                rows = len(json.load(response)["segments"])
        if rows != 1440:
            sys.exit(f"/api/footage answered {rows} segments for the camera-day, not 1,440")
        print(f"GET /api/footage one camera-day, {clients} clients, {seconds} s: "
              f"{wrk(footage, token, clients, seconds)}")  # fmt: skip
        playlist = f"{base}/api/cameras/{CAMERA}/playback.m3u8?{day}"
        print(f"GET playback.m3u8 24 h, {clients} clients, {seconds} s: "
              f"{wrk(playlist, token, clients, seconds)}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)


def login(base: str) -> str:
    body = json.dumps({"username": "admin", "password": PASSWORD}).encode()
    deadline = time.monotonic() + 30
    while True:
        request = urllib.request.Request(f"{base}/api/auth/login", body,
                                         {"Content-Type": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return str(json.load(response)["access_token"])
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.clients, args.seconds = 5, 4, 1
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk (scripts/install-deps.sh installs it)")
    root = Path(tempfile.mkdtemp(prefix="vms-bench-api-"))
    try:
        build_data_dir(root)
        bench_playlist(root, args.runs)
        bench_http(root, args.clients, args.seconds)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
