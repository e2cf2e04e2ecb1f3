"""Every bench/ script in its ``--smoke`` mode: tiny sizes, the same code paths as a
real measurement, seconds each. A bench that no longer runs against today's code
(a schema, an API or a tool it needs changed) fails here, in ``make test``.

Each script checks its own answers and exits non-zero when they are wrong; here
each runs as a subprocess, must exit 0 and must print its result lines."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bench_smoke, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
HELPERS = {  # imported by the scripts, not run
    "cctv_scene.py",
    "vmaf.py",
    "cloud_common.py",
    "cloud_model.py",
    "cloud_worker.py",
    "live_webrtc.py",
    "calibrated.py",
}
MS = r"[\d.]+ ms"


@dataclass(frozen=True)
class Smoke:
    expect: tuple[str, ...]  # each a regex that must match a line of the output
    args: tuple[str, ...] = ("--smoke",)
    root: bool = False  # a shaped link: ip netns, tc (CI runs as root)


SMOKES = {
    "catalog_sqlite.py": Smoke((
        r"^verified 200 random rows with catalog\.get_segment: all equal$",
        r"^query_camera \(one camera-day\)\s+n=50\s+rows/call=\s+1440\s+p50=.*p99=\s*[\d.]+ "
        r"+max=.* ms  cpu p50=[\d.]+ p99=[\d.]+ ms  \(target p99 <= 20 ms: (OK|MISSED)\)$",
        r"^query_site \(one site-day\)\s+n=5\s+rows/call=\s+2304\s",
        r"^camera_totals\s+n=50\s",
    )),
    "cloud_cost.py": Smoke((
        # one site manifest announces the 10 segments: its two files read, no segment
        r"^ingest: calls (?!.*HeadObject)(?=.*'s3\.GetObject': 2\b)"
        r"(?=.*'dynamodb\.PutItem': 10\b)\{",
        r"^  USD/camera-month us-east-1, 60 s segments, Lambda arm: segment PUT [\d.]+, .*"
        r"totals writes [\d.]+, .* = [\d.]+$",
        r"^  USD/camera-month ap-southeast-3, 120 s segments, Lambda arm: .* = [\d.]+$",
        r"^  2 Mbit/s H\.265, us-east-1: \d+ GB; S3 Standard \$[\d.]+; .*Glacier IR \$[\d.]+",
        r"^  4 Mbit/s H\.264, Kinesis Video Streams \(us-east-1\): ingest \$[\d.]+ \+ storage",
        r"^thumbnail\s+[\d.]+\s+\d+\s+[\d.]+\s+[\d.]+",
        r"^remux\s+[\d.]+",
        r"^  USD per hour of HEVC watched through renditions \(first time\), us-east-1: ",
        r'^\{"usd_per_camera_month": [\d.]+, "usd_per_camera_month_120s": [\d.]+, '
        r'"usd_per_camera_month_ap_southeast_3": [\d.]+, .*"usd_per_hour_hevc_watched": [\d.]+',
    )),
    "edge_profiles.py": Smoke((
        r"^seed: libx264 medium crf 28: [\d.]+ MB, VMAF [\d.]+, [\d.]+x realtime$",
        r"^\| x264 veryfast crf30 gop4 = cctv-h264 \| [\d.]+ \| [\d.]+ % \| [\d.]+ \|",
        # 1 s samples on a shared machine: the CPU measured per trial decides whether
        # any setting fits the budget, so level 1 is a calibrated setting or as recorded
        r"^\| day \| L1(: as recorded| h264 veryfast crf [\d.]+ .*\(calibrated VMAF [\d.]+\))"
        r" \| 90 \| [\d.]+ % \|",
    )),
    "fleet.py": Smoke((
        r"^deployment: 6 cameras, 2 sites, retention classes \[180\], \d+ lifecycle rules$",
        # 2 site manifests (json + sig each) for 18 segments, no segment read
        r"^AWS calls per segment \(ingest\): (?!.*HeadObject)\{.*'s3\.GetObject': 0\.222\b",
        r"^modelled in Lambda .*: \d+ ms per event = [\d.]+ events/s per concurrent invocation",
        r"^totals: 18 stream records in 1 batches, calls per batch \{'dynamodb\.UpdateItem': 6\.0",
        r"^expired: TTL \(simulated\) deleted 12 rows; the net deleted 12 objects lifecycle "
        r"left in [2-9] invocations \(continuations included\)",
        r'^\{"events": 18, .*"sweep_s_per_fleet_day": [\d.]+, .*"calls_per_segment": [\d.]+\}$',
    )),
    "ingest_throughput.py": Smoke((
        r"^== ingest, profile copy, 2 x \d+ s 1080p15 H\.264 segments ==$",
        r"^CPU per footage-hour: \d+ CPU-s",
    )),
    "live_hops.py": Smoke((
        r"^camera: \d+ frames, median \d+ ms, p95 \d+ ms$",
        r"^feed: \d+ frames, median \d+ ms, p95 \d+ ms$",
        r"^relay: \d+ frames, median \d+ ms, p95 \d+ ms$",
        r"^CPU relay ffmpeg: [\d.]+% of a core$",
    )),
    "live_latency.py": Smoke((
        r"^capture -> playlist, first frame of each fragment \([1-9]\d* fragments\): median",
        r"^glass -> browser \(Chromium, .*, [1-9]\d* frames, \d+ unreadable\): median [\d.]+ s",
        r"^on-demand start, request -> first fragment listed \(1 cold starts\): median [\d.]+ s",
        r"^click -> live tile playing, a running relay \(cam-h264\): [\d.]+ s$",
        r"^CPU relay ffmpeg, H\.264 copy: [\d.]+% of a core \(1 processes\)$",
        r"^glass -> browser over WebRTC, H\.264 forwarded \([1-9]\d* frames, .*: median \d+ ms",
        r"^glass -> browser over WebRTC, H\.265 via the HLS transcode \([1-9]\d* frames, ",
        r"^click -> live tile playing over WebRTC, a running relay \(cam-h264\): [\d.]+ s",
        r"^CPU relay process \(WHEP service \+ source\), 1 WebRTC viewer: [\d.]+% of a core; ",
    )),
    "recorder_cpu.py": Smoke((
        r"^recorder ffmpeg CPU    : [\d.]+ % of one core",
        r"^segments               : \d+ closed while recording, [1-9]\d* after SIGINT",
    )),
    "rendition.py": Smoke((
        r"^cold part 0 \(lookup, transcode, store\), 6 s HEVC segment, 2 s parts, .*: median ",
        r"^click to first frame, cold segment, Chromium .*, 2 of 2 runs: median [\d.]+ s, max",
        r"^every part: [\d.]+ CPU-s and [\d.]+ s wall per footage-second$",
        r"^AWS per hour watched \(first time\), ap-southeast-3: \$[\d.]+ ",
        r'^\{"first_frame_s_median": [\d.]+, .*"usd_per_hour_watched": \{"us-east-1": [\d.]+',
    )),
    "run_all.py": Smoke(
        (r"^##### catalog_sqlite\.py: exit 0 after \d+ s$",),
        ("--smoke", "--only", "catalog_sqlite.py"),
    ),
    "upload.py": Smoke(
        (
            r"^\(a\) seed: ffmpeg -crf 28, then one PUT$",
            r"^\(b\) ours: adaptive, cap 7\.2 Mbit/s",
            r"^ours drains [\d.]+x faster than the seed; VMAF [\d.]+ vs [\d.]+$",
        ),
        root=True,
    ),
    "viewer_api.py": Smoke((
        rf"^playlist 24 h, 1440 segments, \d+ KiB, NAS folder .*: p50 {MS}  p99 {MS}  \(n=5\)$",
        rf"^playlist 24 h, 1440 segments, \d+ KiB, S3 .*: p50 {MS}  p99 {MS}  \(n=5\)$",
        r"^GET /api/footage one camera-day, 4 clients, 1 s: \d+ req/s, .*non-2xx 0$",
        r"^GET playback\.m3u8 24 h, 4 clients, 1 s: \d+ req/s, .*non-2xx 0$",
    )),
    "viewer_playback.py": Smoke(
        (r"^click to first decoded frame, .*, [12] runs: median \d+ ms, p95 \d+ ms, max \d+ ms$",),
    ),
}  # fmt: skip


def test_every_bench_script_has_a_smoke_run() -> None:
    scripts = {p.name for p in BENCH.glob("*.py")} - HELPERS
    assert scripts == set(SMOKES)


@pytest.mark.parametrize("script", sorted(SMOKES))
def test_smoke(script: str) -> None:
    smoke = SMOKES[script]
    if smoke.root:
        assert os.geteuid() == 0, f"{script} shapes a link (ip netns, tc): needs root, as in CI"
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *smoke.args],
        cwd=ROOT, capture_output=True, text=True, timeout=200, check=False,
    )  # fmt: skip
    shown = f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    assert done.returncode == 0, shown
    missing = [p for p in smoke.expect if not re.search(p, done.stdout, re.M)]
    assert not missing, f"lines not printed: {missing}\n{shown}"
