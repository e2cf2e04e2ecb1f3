"""CCTV-like synthetic 1080p15 footage for the benchmarks (not testsrc).

A static, textured "street" background with slow lighting drift, a car and three people
moving across it (one lingers at a door), temporal sensor noise and a burned-in
UTC clock, encoded with
libx264 like a camera (constant bitrate, no B-frames, 1 s GOP) and cut by the
segment muxer into fragmented-MP4 files with the recorder's container flags.
"""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from footage.media.commands import FRAGMENTED_MP4

BASE = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
#: The benches' --smoke modes: segments this long, cached here (made once, like the rest).
SMOKE_SEG_S = 1
SMOKE_CACHE = Path("/tmp/vms-bench/smoke")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


#: Bumped whenever the scene changes, so cached footage is made again.
SCENE_VERSION = 2


def scene_filter(seconds: int, camera: int = 1, dnr: bool = False, variant: str = "day") -> str:
    """Static street + lighting drift + a car and people + sensor noise + clock.
    ``camera`` shifts where everything is, so cameras do not show the same frames.
    ``dnr``: the camera's 3D noise reduction is on (IP cameras' default by day),
    so what it encodes keeps only a trace of the sensor noise. ``variant``: ``day``;
    ``night`` (dark, low contrast, the sensor's gain up: 3x the temporal noise);
    ``busy`` (a shop floor: eight more people and a second car, all moving)."""
    boxes = [
        "0:0:1920:620:0x5a6e7c",  # sky / far wall
        "0:620:1920:460:0x4a4a48",  # road
        "0:780:1920:8:0xd0d0c0",  # lane marking
        "120:180:520:440:0x6e5c4c",  # building
        "760:260:380:360:0x7a7060",  # building
        "1300:120:520:500:0x605448",  # building
        "180:240:90:110:0x2a3440", "340:240:90:110:0x2a3440", "480:240:90:110:0x2a3440",
        "820:320:80:100:0x2a3440", "980:320:80:100:0x2a3440",
        "1380:200:100:120:0x2a3440", "1560:200:100:120:0x2a3440",
    ]  # fmt: skip
    draw = ",".join(
        f"drawbox=x={x}:y={y}:w={w}:h={h}:color={c}:t=fill"
        for x, y, w, h, c in (b.split(":") for b in boxes)
    )
    epoch = int(BASE.timestamp())
    clock = (
        f"drawtext=fontfile={FONT}:fontsize=36:fontcolor=white:box=1:boxcolor=black@0.5:"
        f"x=24:y=24:text='CAM-{camera:03d}  "
        f"%{{pts\\:gmtime\\:{epoch}\\:%Y-%m-%d %H\\\\\\:%M\\\\\\:%S}}'"
    )
    shift = 37 * (camera - 1)  # seconds of phase between cameras
    return (
        f"color=c=0x404040:s=1920x1080:r=15:d={seconds},{draw},"
        # static texture (brick, asphalt, foliage: detail the I-frames must carry),
        # then the lighting drift of a passing cloud
        "noise=alls=18:allf=u,eq=brightness='0.03*sin(2*PI*t/40)':eval=frame[bg];"
        f"color=c=0xb02818:s=220x90:r=15:d={seconds}[car];"
        f"color=c=0x283c6c:s=40x110:r=15:d={seconds}[walker];"
        f"color=c=0x6c3c28:s=36x104:r=15:d={seconds}[p2];"
        f"color=c=0x2c2c2c:s=42x112:r=15:d={seconds}[p3];{_crowd_sources(seconds, variant)}"
        f"[bg][car]overlay=x='mod((t+{shift})*180\\,2140)-220':y=820[a];"
        f"[a][walker]overlay=x='1700-mod((t+{shift})*35\\,1600)':y=660[b];"
        f"[b][p2]overlay=x='200+mod((t+{shift})*22\\,1500)':y='690+20*sin((t+{shift})/3)'[c];"
        # the third lingers at a door: a few steps back and forth, then still
        f"[c][p3]overlay=x='900+60*sin(min(mod(t+{shift}\\,30)\\,12)/2)':y=600"
        f"{_crowd(seconds, variant)},"
        f"{_light(variant)}{'hqdn3d=4:3:6:4.5,' if dnr else ''}{clock},format=yuv420p"
    )


def _crowd_sources(seconds: int, variant: str) -> str:
    """``busy``: a second car and eight walkers (the sources, each ending in ';')."""
    if variant != "busy":
        return ""
    walkers = "".join(f"color=c=0x{30 + 20 * n:02x}3c5c:s=44x112:r=15:d={seconds}[m{n}];"
                      for n in range(8))  # fmt: skip
    return f"{walkers}color=c=0xe0e0e0:s=240x96:r=15:d={seconds}[car2];"


def _crowd(seconds: int, variant: str) -> str:
    """``busy``: the second car and the walkers overlaid, each at its own speed."""
    if variant != "busy":
        return ""
    chain = "[d];[d][car2]overlay=x='1900-mod(t*240\\,2200)':y=900"
    for n in range(8):
        chain += (f"[e{n}];[e{n}][m{n}]overlay=x='mod(t*{40 + 23 * n}+{211 * n}\\,2000)-60'"
                  f":y='{560 + 40 * (n % 6)}+15*sin(t/{2 + n % 3})'")  # fmt: skip
    return chain


def _light(variant: str) -> str:
    """The sensor noise, and at night the dark, flat picture with the gain up."""
    if variant == "night":
        return "eq=brightness=-0.22:contrast=0.55:saturation=0.4,noise=alls=24:allf=t,"
    return "noise=alls=8:allf=t,"


def smoke_footage(count: int) -> list[Path]:
    """``count`` (up to 3) SMOKE_SEG_S segments that the --smoke modes share."""
    return generate(SMOKE_CACHE / "scene", 3, 4096, SMOKE_SEG_S, dnr=True)[:count]


def generate(
    cache: Path, count: int, kbps: int, seg_s: int = 10, camera: int = 1, dnr: bool = False,
    variant: str = "day",
) -> list[Path]:  # fmt: skip
    """``count`` segments of ``seg_s`` seconds in ``cache``, generated once and reused."""
    kind = f"v{SCENE_VERSION}-{kbps}k-{seg_s}s-cam{camera}{'-dnr' if dnr else ''}-{variant}"
    marker = cache / f"complete-{kind}"  # holds how many segments were made
    files = sorted(cache.glob("seg*.mp4"))
    made = int(marker.read_text()) if marker.exists() else 0
    if made >= count and len(files) >= count:
        print(f"reusing {count} cached segments in {cache}", flush=True)
        return files[:count]
    for old in cache.glob("*"):
        old.unlink()
    cache.mkdir(parents=True, exist_ok=True)
    seconds = count * seg_s
    print(f"generating {count} x {seg_s} s 1080p15 segments into {cache} (once)...", flush=True)
    cmd = [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", scene_filter(seconds, camera, dnr, variant), "-t", str(seconds),
        "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-bf", "0",
        "-g", "15", "-keyint_min", "15", "-sc_threshold", "0",
        "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k", "-bufsize", f"{kbps}k",
        "-f", "segment", "-segment_time", str(seg_s), "-reset_timestamps", "1",
        "-segment_format", "mp4", "-segment_format_options", f"movflags={FRAGMENTED_MP4}",
        str(cache / "seg%03d.mp4"),
    ]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, timeout=max(600, seconds * 20))
    files = sorted(cache.glob("seg*.mp4"))
    if len(files) < count:
        raise SystemExit(f"ffmpeg made {len(files)} segments, expected {count}")
    marker.write_text(str(len(files)))
    mb = sum(f.stat().st_size for f in files[:count]) / 1e6
    print(
        f"generated in {time.perf_counter() - t0:.0f} s: {mb:.1f} MB "
        f"({8 * mb * 1000 / seconds:.0f} kbit/s)",
        flush=True,
    )
    return files[:count]
