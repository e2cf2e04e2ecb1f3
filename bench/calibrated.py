"""edge_profiles.py --footage: the seed's point and each calibrated level's, per footage set.

Each set is CCTV-like 1080p15 footage from cctv_scene.py: ``day`` (the synthetic
street, the camera's noise reduction on, 4 Mbit/s), ``night`` (dark, flat, 3x the
sensor noise, no noise reduction), ``busy`` (ten people and two cars moving) and
``lowrate`` (the day scene from a 1.2 Mbit/s camera). Calibration is tuned on the
first ``sample_s`` of the first two segments (camera 1) and reported on a held-back
set: other segments of another camera position (``held_camera``, 2 by default:
other frames; 3 is a position no run before 2026-12-07 looked at). The
edge's own code does both (edge_uploader.calibrator: the search, encodes under the
CPU governor, libvmaf); the report encodes every held-back segment whole.

Two searches per set: the default ladder (VMAF 93/90/87, level 1 also within 1
of the seed's VMAF on the samples, +0.5 margin) with CPU up to 0.5x the seed's;
then one level at the seed's own VMAF *on the tuning samples* (``seed_points``
0, so nothing is taken from the held-back set) with CPU up to 1x the seed's and
more presets (x264 faster and medium, x265 superfast: a camera with CPU to spare).
That level aims ``spare_margin`` above the seed's VMAF: 0 by default, the same
quality, where the ladder's margin keeps a floor on footage the samples missed
(up to the third and fourth runs it kept the ladder's 0.5).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cctv_scene import generate
from vmaf import vmaf

from edge_uploader.calibrator import EncodeSlot, calibrate, cut, load_sample
from edge_uploader.cpu_budget import CpuGovernor
from footage.calibration import CalibrationConfig, LevelChoice
from footage.media.commands import transcode_command
from footage.media.encoders import SOFTWARE
from footage.profiles import Profile

SeedCommand = Callable[[Path, Path], list[str]]
SETS = {  # name: (kbps, dnr, variant)
    "day": (4096, True, "day"),
    "night": (4096, False, "night"),
    "busy": (4096, True, "busy"),
    "lowrate": (1200, True, "day"),
}


@dataclass
class Point:
    name: str
    bytes: int
    vmaf: float
    cpu_s: float


def slot(cores: float = 2.0) -> EncodeSlot:
    return EncodeSlot(CpuGovernor(cores), 2, threading.Lock())


def measure(name: str, files: list[Path], profile: Profile | None, work: Path,
            seed_cmd: SeedCommand) -> Point:  # fmt: skip
    """Encode every file whole (the seed's command when ``profile`` is None); score it."""
    total, cpu, score, run = 0, 0.0, 0.0, slot()
    for n, src in enumerate(files):
        out = work / f"report{n}.mp4"
        if profile is None:
            command = seed_cmd(src, out)
        else:
            command = transcode_command(src, out, profile, 15.0, has_audio=False, threads=2)
        cpu += run.run(command, 3600)
        total += out.stat().st_size
        score += vmaf(out, src)
    return Point(name, total, score / len(files), cpu)


def footage_set(
    name: str, root: Path, segments: int, seg_s: int, held_camera: int = 2
) -> tuple[list[Path], list[Path]]:
    kbps, dnr, variant = SETS[name]
    tune = generate(root / f"{name}-tune", 2, kbps, seg_s, 1, dnr, variant)
    where = root / (f"{name}-held" if held_camera == 2 else f"{name}-held-cam{held_camera}")
    held = generate(where, segments, kbps, seg_s, held_camera, dnr, variant)
    return tune, held


def run_set(name: str, root: Path, segments: int, seg_s: int, config: CalibrationConfig,
            seed_cmd: SeedCommand, spare: bool = True, *, held_camera: int = 2,
            spare_margin: float = 0.0) -> list[str]:  # fmt: skip
    """The set's rows; ``spare``: also the search at the seed's VMAF within its CPU."""
    if held_camera == 1:
        raise ValueError("camera position 1 is the tuning one: hold back another")
    tune, held = footage_set(name, root, segments, seg_s, held_camera)
    work = root / f"{name}-work"
    work.mkdir(parents=True, exist_ok=True)
    samples = []
    for n, src in enumerate(tune):
        cut(src, work / f"sample{n}.mp4", config.sample_s, slot().run)
        samples.append(load_sample(work / f"sample{n}.mp4"))
    recorded = sum(f.stat().st_size for f in held)
    footage_s = seg_s * len(held)
    seed = measure("seed: x264 medium crf 28", held, None, work, seed_cmd)
    seed_cpu = seed.cpu_s / footage_s  # per footage-second
    now = datetime.now(UTC)
    ladder = calibrate(
        name, samples, config, slot(), encoder=SOFTWARE, cpu_limit=0.5 * seed_cpu,
        work=work / "cal", now=now, reason="bench",
    )  # fmt: skip
    rows = [_row(name, seed, recorded, footage_s, seed, "-")]
    chosen: list[tuple[str, LevelChoice]] = [(f"L{c.level}", c) for c in ladder.levels]
    trials, cpu_s = ladder.trials, ladder.cpu_s
    if spare:
        spare_cfg = config.model_copy(update={
            "vmaf_floors": [config.vmaf_floors[-1]], "seed_points": 0.0,
            "vmaf_margin": spare_margin,
            "h264_presets": ["veryfast", "faster", "medium"],
            "h265_presets": ["ultrafast", "superfast", "veryfast"],
        })  # fmt: skip
        extra = calibrate(
            name, samples, spare_cfg, slot(), encoder=SOFTWARE, cpu_limit=seed_cpu,
            work=work / "cal", now=now, reason="bench",
        )  # fmt: skip
        chosen.append(("spare CPU, seed's VMAF on the samples", extra.levels[0]))
        trials, cpu_s = trials + extra.trials, cpu_s + extra.cpu_s
    for label, choice in chosen:
        if choice.profile is None:
            rows.append(f"| {name} | {label}: as recorded | {choice.promise:g} | 100 % "
                        f"| {recorded / seed.bytes:.2f} | 100 | 0 | 0 |")  # fmt: skip
            continue
        point = measure(f"{label} {choice.setting}", held, choice.profile, work, seed_cmd)
        rows.append(_row(name, point, recorded, footage_s, seed, f"{choice.promise:g}",
                         f" (calibrated VMAF {choice.vmaf})"))  # fmt: skip
    seen = f"; the seed on the tuning samples: VMAF {ladder.seed_vmaf}" if ladder.seed_vmaf else ""
    rows.append(f"| {name} | search: {trials} trials, {cpu_s:.0f} CPU-s{seen} | | | | | | |")
    return rows


def _row(name: str, p: Point, recorded: int, footage_s: float, seed: Point, floor: str,
         note: str = "") -> str:  # fmt: skip
    return (f"| {name} | {p.name}{note} | {floor} | {100 * p.bytes / recorded:.1f} % "
            f"| {p.bytes / seed.bytes:.2f} | {p.vmaf:.2f} | {60 * p.cpu_s / footage_s:.1f} "
            f"| {p.cpu_s / seed.cpu_s:.2f} |")  # fmt: skip


HEADER = (
    "| footage | setting | floor | bytes vs recorded | bytes vs seed | VMAF (held back) "
    "| CPU-s per footage-min | CPU vs seed |\n|---|---|---|---|---|---|---|---|"
)
