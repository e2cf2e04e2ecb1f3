"""Run every benchmark in sequence, one at a time, and print their output.

Each runs as its own subprocess (``sys.executable bench/<script>.py``) with
modest settings, so one machine-wide measurement never overlaps another:

- recorder_cpu: H.264 copy for 40 s (``--full`` adds H.265);
- catalog_sqlite: 5M rows (built once, cached), 1,000 camera-day queries and
  200 site-day queries (each site-day returns ~28k rows and takes ~0.5-1 s);
- ingest_throughput: 20 segments with the copy profile (``--full`` adds
  4 segments with h264-balanced);
- cloud_cost: the ingest Lambda per camera-month, 3 x 60 s segments for the
  cheap policies (``--full``: every policy, re-encodes included);
- viewer_api: the 24 h playlist (200 runs), then the on-prem server under wrk
  (50 clients, 20 s) for /api/footage and the playlist;
- viewer_playback: click to first decoded frame in Chromium, 20 runs;
- live_latency: capture -> playlist for 60 s, glass -> browser for 30 s, relay
  CPU, 5 cold on-demand starts (720p15 stamped cameras);
- edge_profiles: 11 x264/x265 settings and the seed's command on 60 s of
  CCTV-like 1080p15 (size, VMAF, speed, CPU);
- upload: 8 cameras x 60 s drained over an 8 Mbit/s shaped link, the seed's
  script against the edge (needs root).

    uv run python bench/run_all.py [--full]
    uv run python bench/run_all.py --smoke [--only catalog_sqlite.py ...]

``--smoke`` runs every script in its own ``--smoke`` mode instead (tiny sizes, the
same code paths, seconds each; tests/bench_smoke runs them in ``make test``).
It exits 1 when any script failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TIMEOUT_S = 3600  # the first catalog run builds a 2 GB DB
#: Imported by the scripts, not run.
HELPERS = {"cctv_scene.py", "vmaf.py"}


def scripts() -> list[str]:
    """Every benchmark script in bench/ (this one included)."""
    return sorted(p.name for p in BENCH.glob("*.py") if p.name not in HELPERS)


def plan(full: bool) -> list[list[str]]:
    runs = [
        ["recorder_cpu.py", "--seconds", "40", "--codec", "h264"],
        ["catalog_sqlite.py", "--rows", "5000000", "--site-queries", "200"],
        ["ingest_throughput.py", "--segments", "20"],
        ["cloud_cost.py", "--segments", "3", "--policies", "index-only", "thumbnail"],
        ["viewer_api.py", "--runs", "200", "--seconds", "20"],
        ["viewer_playback.py", "--runs", "20"],
        ["live_latency.py", "--seconds", "60", "--starts", "5"],
        ["edge_profiles.py", "--segments", "6"],
        ["upload.py", "--cameras", "8", "--minutes", "1"],  # needs root: a shaped link
    ]
    if full:
        runs.insert(1, ["recorder_cpu.py", "--seconds", "40", "--codec", "h265"])
        runs.append(["ingest_throughput.py", "--profile", "h264-balanced", "--segments", "4"])
        runs[-2] = ["cloud_cost.py", "--segments", "3"]
    return runs


def smoke_plan(only: list[str] | None) -> list[list[str]]:
    runs = [[name, "--smoke"] for name in scripts() if name != Path(__file__).name]
    return [run for run in runs if not only or run[0] in only]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="also H.265 recorder and a transcode")
    p.add_argument("--smoke", action="store_true", help="every script's --smoke mode")
    p.add_argument("--only", nargs="+", choices=scripts(), help="with --smoke: these scripts")
    args = p.parse_args()
    failed = []
    for script, *options in smoke_plan(args.only) if args.smoke else plan(args.full):
        print(f"\n##### {script} {' '.join(options)}", flush=True)
        t0 = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, str(BENCH / script), *options], timeout=TIMEOUT_S, check=False
            )
            code = done.returncode
        except subprocess.TimeoutExpired:
            code = -1
        print(f"##### {script}: exit {code} after {time.perf_counter() - t0:.0f} s", flush=True)
        if code != 0:
            failed.append(script)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
