"""Calibration and compression of a user's own files (``vms calibrate``, ``vms compress``).

The same search and measurements as the edge's (edge_uploader.calibrator) on
the first ``sample_s`` seconds of each file, with the whole CPU budget for one
camera; ``compress_file`` then encodes the whole file with the chosen level's
setting the way the compressor does (system ffmpeg, the governor, ``.part``
then rename) and scores the result against the file.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from edge_uploader.calibrator import EncodeSlot, SampleMeasure, calibrate, cut, load_sample
from edge_uploader.cpu_budget import CpuGovernor, threads_for
from footage.calibration import Calibration, LevelChoice
from footage.config import CompressionConfig, HardwareChoice
from footage.errors import MediaError
from footage.media.encoders import SOFTWARE, Accel, Encoder, detect_encoder
from footage.profiles import VideoCodec


class Compressed(BaseModel):
    """What ``vms compress`` made."""

    source: str
    output: str
    level: int
    setting: str
    floor: float
    bytes_in: int
    bytes_out: int
    ratio: float
    vmaf: float | None  # the whole output against the file; None: copied as recorded
    cpu_s_per_min: float
    encoder: str


def _slot(settings: CompressionConfig) -> EncodeSlot:
    cores = settings.cpu_budget_cores
    return EncodeSlot(CpuGovernor(cores), threads_for(cores), threading.Lock())


def _encoder(settings: CompressionConfig) -> Encoder:
    auto = settings.hardware is HardwareChoice.AUTO
    wanted = None if auto else Accel(settings.hardware.value)
    return detect_encoder(VideoCodec.H264, wanted, settings.vaapi_device)[0]


def calibrate_files(
    files: Sequence[Path], settings: CompressionConfig, now: datetime, work: Path | None = None
) -> Calibration:
    """The ladder the edge would choose for footage like ``files``."""
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise MediaError(f"no such file: {', '.join(missing)}")
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        slot, cfg = _slot(settings), settings.calibration
        samples = []
        for n, path in enumerate(files):
            clip = Path(tmp) / f"sample{n}.mp4"
            cut(path, clip, cfg.sample_s, slot.run)
            samples.append(load_sample(clip))
        return calibrate(
            files[0].stem, samples, cfg, slot, encoder=_encoder(settings),
            cpu_limit=settings.cpu_budget_cores, work=Path(tmp) / "work", now=now,
            reason=f"{len(files)} file(s)",
        )  # fmt: skip


def compress_file(
    src: Path, out: Path, level: int, settings: CompressionConfig, now: datetime
) -> tuple[Compressed, Calibration]:
    """Calibrate on ``src``, then encode all of it with ``level``'s setting into ``out``."""
    floors = settings.calibration.vmaf_floors
    if not 1 <= level <= len(floors):
        raise ValueError(f"level must be 1..{len(floors)}")
    calibration = calibrate_files([src], settings, now, out.parent)
    choice = calibration.level(level)
    assert choice is not None  # one choice per floor
    part = out.with_name(out.name + ".part")
    try:
        result = _encode_whole(src, part, choice, settings, calibration.encoder)
        part.replace(out)
    finally:
        part.unlink(missing_ok=True)
    return result.model_copy(update={"output": str(out)}), calibration


def _encode_whole(
    src: Path, part: Path, choice: LevelChoice, settings: CompressionConfig, encoder_name: str
) -> Compressed:
    slot = _slot(settings)
    source = load_sample(src)
    figures = {"source": str(src), "output": str(part), "level": choice.level,
               "setting": choice.setting, "floor": choice.promise, "bytes_in": source.bytes,
               "encoder": encoder_name}  # fmt: skip
    if choice.profile is None:
        shutil.copyfile(src, part)
        return Compressed(**figures, bytes_out=source.bytes, ratio=1.0, vmaf=None,
                          cpu_s_per_min=0.0)  # fmt: skip
    encoder = SOFTWARE if encoder_name == Accel.SOFTWARE.value else _encoder(settings)
    with tempfile.TemporaryDirectory(dir=part.parent) as tmp:
        measure = SampleMeasure([source], Path(tmp), slot, encoder,
                                settings.calibration.vmaf_subsample)  # fmt: skip
        trial = measure(choice.profile)
        shutil.move(Path(tmp) / "trial.mp4", part)
    return Compressed(**figures, bytes_out=trial.bytes, ratio=round(trial.ratio, 4),
                      vmaf=round(trial.vmaf, 2),
                      cpu_s_per_min=round(60 * trial.cpu_per_s, 2))  # fmt: skip
