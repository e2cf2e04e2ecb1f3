"""Edge compression profiles on CCTV-like footage: size, quality (VMAF), speed.

The numbers behind footage.profiles' ``cctv-*`` profiles and the adaptive
ladder (README "Edge compression").

1. Source: CCTV-like 1080p15 H.264 as a camera records it (bench/cctv_scene.py:
   textured static street, lighting drift, a car and three people, temporal
   sensor noise, burned-in clock; CBR ``--kbps``, 1 s GOP, no B-frames), cut
   into 10 s fragmented-MP4 segments like the recorder's.
2. Each candidate encodes every segment with the edge's own command
   (footage.media.commands.transcode_command, software encoder, ``--threads``),
   and the seed's ``ffmpeg -i in -vcodec libx264 -crf 28 out`` for reference.
3. Reported per candidate: bytes per camera-hour, ratio to the recording,
   VMAF against the recording (libvmaf, every 3rd frame), encode speed as
   footage seconds per wall second, and CPU-seconds per footage minute.

    uv run python bench/edge_profiles.py [--segments 6] [--kbps 4096] [--threads 2]
    uv run python bench/edge_profiles.py --smoke   # the seed and cctv-h264 on 2 x 1 s
    uv run python bench/edge_profiles.py --footage day night busy lowrate [--segments 2]
        [--held-camera 2] [--spare-margin 0]

``--footage``: per footage set, the seed's point and each *calibrated* level's on
held-back footage (bench/calibrated.py; issue 19).

It exits 1 when an encode scores outside VMAF 60-100 (a broken encode or scorer).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from calibrated import HEADER, SETS, run_set
from cctv_scene import SMOKE_CACHE, SMOKE_SEG_S, generate, smoke_footage
from vmaf import vmaf

from footage.calibration import CalibrationConfig
from footage.media.commands import transcode_command
from footage.profiles import BUILTIN_PROFILES, Profile, VideoCodec

SEG_S = 10
FPS = 15.0

SEED = "seed: libx264 medium crf 28"


def candidates() -> dict[str, Profile]:
    """x264/x265 settings around the shipped cctv-* profiles, one knob changed each."""
    h264, h265 = VideoCodec.H264, VideoCodec.H265
    grid = [  # codec, preset, crf, GOP seconds, denoise
        (h264, "veryfast", 26, 4, False),
        (h264, "veryfast", 28, 4, False),
        (h264, "veryfast", 28, 2, False),
        (h264, "veryfast", 28, 10, False),
        (h264, "faster", 28, 4, False),
        (h264, "veryfast", 28, 4, True),
        (h264, "veryfast", 30, 4, False),
        (h264, "veryfast", 30, 4, True),
        (h265, "veryfast", 28, 4, True),
        (h265, "veryfast", 30, 4, True),
        (h265, "fast", 30, 4, True),
    ]
    out = {}
    for codec, preset, crf, gop, denoise in grid:
        profile = Profile(codec=codec, crf=crf, preset=preset, gop_seconds=gop, denoise=denoise)
        name = f"{'x264' if codec is h264 else 'x265'} {preset} crf{crf} gop{gop}"
        shipped = [n for n, p in BUILTIN_PROFILES.items() if p == profile]
        out[name + (" denoise" if denoise else "") + "".join(f" = {n}" for n in shipped)] = profile
    return out


@dataclass
class Result:
    name: str
    bytes: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    vmaf_frames: float = 0.0  # sum of VMAF x seconds


def timed(command: list[str]) -> tuple[float, float]:
    """Run ``command``; return its wall and CPU seconds (children's rusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=3600)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def seed_command(src: Path, dst: Path) -> list[str]:
    """The seed script's compress_video(), as a list (it used a shell string)."""
    return ["ffmpeg", "-y", "-i", str(src), "-vcodec", "libx264", "-crf", "28", str(dst)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=6)
    parser.add_argument("--kbps", type=int, default=4096, help="the camera's bitrate")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="candidate names to run")
    parser.add_argument(
        "--scene", choices=["dnr", "noisy"], default="dnr",
        help="dnr: the camera's 3D noise reduction on (day default); noisy: off (or night)",
    )  # fmt: skip
    parser.add_argument("--cache", type=Path, default=Path("/tmp/vms-bench/cctv-scene"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/vms-bench/edge-profiles-work"))
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    parser.add_argument("--footage", nargs="*", choices=sorted(SETS),
                        help="calibrated levels vs the seed on these footage sets")  # fmt: skip
    parser.add_argument(
        "--held-camera", type=int, default=2,
        help="--footage: the camera position reported on (1 is tuned on)",
    )  # fmt: skip
    parser.add_argument(
        "--spare-margin", type=float, default=0.0,
        help="--footage: VMAF the spare-CPU point aims above the seed's",
    )  # fmt: skip
    args = parser.parse_args()
    if args.footage:
        held, margin = args.held_camera, args.spare_margin
        config = CalibrationConfig()
        footage_report(args.footage, args.cache, args.segments, SEG_S, config,
                       held_camera=held, spare_margin=margin)  # fmt: skip
        return
    seg_s = SEG_S
    if args.smoke:
        args.segments, args.scene, seg_s = 2, "dnr", SMOKE_SEG_S
        args.work, args.only = SMOKE_CACHE / "edge-profiles-work", [SEED, *shipped("cctv-h264")]
        files = smoke_footage(args.segments)
    else:
        files = generate(args.cache / args.scene, args.segments, args.kbps, SEG_S,
                         dnr=args.scene == "dnr")  # fmt: skip
    recorded = sum(f.stat().st_size for f in files)
    footage_s = seg_s * len(files)
    args.work.mkdir(parents=True, exist_ok=True)
    plan: dict[str, Profile | None] = {SEED: None, **candidates()}
    if args.only:
        plan = {k: v for k, v in plan.items() if k in args.only}
    results = []
    for name, profile in plan.items():
        result = Result(name)
        for n, src in enumerate(files):
            out = args.work / f"out{n}.mp4"
            if profile is None:
                command = seed_command(src, out)
            else:
                command = transcode_command(
                    src, out, profile, FPS, has_audio=False, threads=args.threads
                )
            wall, cpu = timed(command)
            result.wall_s += wall
            result.cpu_s += cpu
            result.bytes += out.stat().st_size
            result.vmaf_frames += vmaf(out, src) * seg_s
        results.append(result)
        print(f"{name}: {result.bytes / 1e6:.1f} MB, VMAF {result.vmaf_frames / footage_s:.2f}, "
              f"{footage_s / result.wall_s:.2f}x realtime", flush=True)  # fmt: skip
    hour = 3600 / footage_s
    per_hour = recorded * hour / 1e9
    print(f"\nrecorded ({args.scene}): {len(files)} x {seg_s} s 1080p15 at {args.kbps} kbit/s = "
          f"{per_hour:.2f} GB per camera-hour; encoder threads {args.threads}")  # fmt: skip
    print("| profile | GB/camera-hour | size vs recorded | VMAF | speed (x realtime) "
          "| CPU-s per footage-min |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.name} | {r.bytes * hour / 1e9:.3f} | {100 * r.bytes / recorded:.1f} % "
            f"| {r.vmaf_frames / footage_s:.2f} | {footage_s / r.wall_s:.2f} "
            f"| {60 * r.cpu_s / footage_s:.1f} |"
        )
    scores = [r.vmaf_frames / footage_s for r in results]
    if len(results) != len(plan) or any(not 60 <= score <= 100 for score in scores):
        raise SystemExit("an encode is missing or scored outside VMAF 60-100")
    if args.smoke:  # the calibrated path too: one floor, x264, a narrow CRF range
        tiny = CalibrationConfig(vmaf_floors=[90], codecs=[VideoCodec.H264], crf_min=26,
                                 crf_max=32, gop_s=1, max_gop_s=1, sample_s=1,
                                 seed_points=None)  # fmt: skip
        footage_report(["day"], SMOKE_CACHE / "footage", 1, SMOKE_SEG_S, tiny, spare=False)


def footage_report(
    names: list[str], root: Path, segments: int, seg_s: int, config: CalibrationConfig,
    spare: bool = True, *, held_camera: int = 2, spare_margin: float = 0.0,
) -> None:  # fmt: skip
    rows = []
    for name in names:
        found = run_set(name, root, segments, seg_s, config, seed_command, spare,
                        held_camera=held_camera, spare_margin=spare_margin)  # fmt: skip
        print("\n".join(found), flush=True)
        rows += found
    print(f"\nheld-back footage: {segments} x {seg_s} s per set of camera position "
          f"{held_camera}; calibrated on 2 x {config.sample_s:g} s of position 1; the spare-CPU "
          f"point aims {spare_margin:g} VMAF above the seed's")  # fmt: skip
    print(HEADER)
    print("\n".join(rows))


def shipped(profile: str) -> list[str]:
    """The candidate names that are the shipped ``profile``."""
    return [name for name in candidates() if name.endswith(f" = {profile}")]


if __name__ == "__main__":
    main()
