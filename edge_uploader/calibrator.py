"""Per-camera calibration at the edge: real encodes of a camera's own samples.

footage.calibration searches; this module measures. A *sample* is the first
``sample_s`` seconds of a recording, stream-copied as the camera sent it, kept
under ``<data-dir>/calibration/<camera>/`` (a new one at most every
``sample_every_s``, the newest ``samples`` kept: day and night over a day).
Each trial encodes every sample with the edge's own command
(footage.media.commands.transcode_command, on the compressor's encoder) and
scores it against the sample with libvmaf (footage.media.quality): both under
the compressor's CPU governor, in its encode slot, and only while no footage
waits for the encoder, so calibration takes nothing from recording (nice 10,
the budget) or from uploads (footage always goes first; a trial is a few
seconds). The result is kept per camera as JSON and survives a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge_uploader.cpu_budget import CpuGovernor
from footage.calibration import Calibration, CalibrationConfig, Trial
from footage.calibration_search import Searcher
from footage.errors import MediaError
from footage.jsonfile import read_model, write_model
from footage.media.commands import transcode_command
from footage.media.encoders import SOFTWARE, Encoder
from footage.media.probe import probe_file
from footage.media.quality import clip_command, read_vmaf, vmaf_command
from footage.profiles import Profile

log = logging.getLogger(__name__)


#: A kept sample's file stem: when it was taken, UTC (written and read back here).
SAMPLE_STEM = "sample-%Y%m%dT%H%M%SZ"


@dataclass(frozen=True, slots=True)
class Sample:
    path: Path
    bytes: int
    seconds: float
    fps: float

    @property
    def bitrate_bps(self) -> float:
        return 8 * self.bytes / self.seconds if self.seconds > 0 else 0.0


def load_sample(path: Path) -> Sample:
    info = probe_file(path)
    return Sample(path, path.stat().st_size, info.duration_s, info.fps)


@dataclass(slots=True)
class EncodeSlot:
    """The box's one encode at a time: the compressor's encodes and calibration
    trials share it and its governor; a trial waits while footage waits."""

    governor: CpuGovernor
    threads: int
    lock: threading.Lock
    busy: Callable[[], bool] = lambda: False  # footage is waiting for the encoder
    stop: threading.Event | None = None

    def run(self, command: Sequence[str], timeout_s: float, *, yield_: bool = False) -> float:
        """Run ``command`` in the slot under the governor; its CPU seconds."""
        while yield_ and self.busy():
            if self.stop is not None and self.stop.wait(0.5):
                raise MediaError("stopping")
            if self.stop is None:
                time.sleep(0.5)
        with self.lock:
            return self.governor.run(command, timeout_s).cpu_s


class SampleMeasure:
    """``footage.calibration.Measure`` over real samples: encode, size, score."""

    def __init__(
        self, samples: Sequence[Sample], work: Path, slot: EncodeSlot,
        encoder: Encoder = SOFTWARE, subsample: int = 5,
    ) -> None:  # fmt: skip
        if not samples:
            raise MediaError("no samples to calibrate on")
        self.samples, self.work, self.slot = list(samples), work, slot
        self.encoder, self.subsample = encoder, subsample
        self.cpu_s = 0.0  # everything this measure ran, scoring included

    def __call__(self, profile: Profile) -> Trial:
        self.work.mkdir(parents=True, exist_ok=True)
        out, score = self.work / "trial.mp4", self.work / "vmaf.json"
        size = cpu = weighted = footage = 0.0
        threads = self.slot.threads if self.encoder is SOFTWARE else None
        for sample in self.samples:
            command = transcode_command(sample.path, out, profile, sample.fps, has_audio=False,
                                        encoder=self.encoder, threads=threads)  # fmt: skip
            timeout = 120 + 40 * sample.seconds / self.slot.governor.cores
            used = self.slot.run(command, timeout, yield_=True)
            size += out.stat().st_size
            cpu += used
            scoring = vmaf_command(out, sample.path, score, subsample=self.subsample,
                                   threads=self.slot.threads)  # fmt: skip
            self.cpu_s += used + self.slot.run(scoring, timeout, yield_=True)
            weighted += read_vmaf(score) * sample.seconds
            footage += sample.seconds
        recorded = sum(s.bytes for s in self.samples)
        trial = Trial(profile, int(size), recorded, weighted / footage, cpu, footage)
        log.debug(
            "trial %s: VMAF %.2f, %.0f%% of the bytes", profile, trial.vmaf, 100 * trial.ratio
        )
        return trial


def calibrate(
    camera: str, samples: Sequence[Sample], config: CalibrationConfig, slot: EncodeSlot,
    *, encoder: Encoder, cpu_limit: float, work: Path, now: datetime, reason: str,
) -> Calibration:  # fmt: skip
    """Search ``camera``'s ladder on ``samples`` (footage.calibration_search)."""
    measure = SampleMeasure(samples, work, slot, encoder, config.vmaf_subsample)
    searcher = Searcher(config, measure, cpu_limit)
    levels = searcher.run()
    seed = searcher.seed
    seconds = sum(s.seconds for s in samples)
    bitrate = 8 * sum(s.bytes for s in samples) / seconds if seconds else 0.0
    return Calibration(camera=camera, calibrated_at=now, bitrate_bps=bitrate,
                       encoder=encoder.accel.value, levels=levels, samples=len(samples),
                       seed_vmaf=round(seed.vmaf, 2) if seed else None,
                       seed_points=config.seed_points, search=config.search_key(),
                       trials=len(searcher.trials) + bool(seed),
                       cpu_s=round(measure.cpu_s, 2),
                       reason=reason)  # fmt: skip


class CalibrationStore:
    """``<root>/<camera>/``: the samples (``sample-<UTC>.mp4``), the calibration
    (``calibration.json``) and spot-check pairs waiting to be scored (``check-*``)."""

    def __init__(self, root: Path, config: CalibrationConfig) -> None:
        self.root, self.config = root, config

    def dir(self, camera: str) -> Path:
        return self.root / camera

    def load(self, camera: str) -> Calibration | None:
        return read_model(self.dir(camera) / "calibration.json", Calibration)

    def save(self, calibration: Calibration) -> None:
        folder = self.dir(calibration.camera)
        folder.mkdir(parents=True, exist_ok=True)
        write_model(folder / "calibration.json", calibration)

    def samples(self, camera: str) -> list[Path]:
        return sorted(self.dir(camera).glob("sample-*.mp4"))

    def drop_short_samples(self, camera: str) -> int:
        """Remove the samples shorter than ``sample_s`` (cut before it grew, or unreadable);
        how many. A camera whose recordings are shorter gets them cut again as they come."""
        dropped = 0
        for path in self.samples(camera):
            try:
                short = load_sample(path).seconds < 0.9 * self.config.sample_s
            except MediaError:
                short = True
            if short:
                path.unlink(missing_ok=True)
                dropped += 1
        return dropped

    def sample_due(self, camera: str, now: datetime) -> bool:
        """No sample for ``sample_every_s`` (by the time in its name, UTC)."""
        newest = self.samples(camera)[-1:]
        if not newest:
            return True
        try:
            taken = datetime.strptime(newest[0].stem, SAMPLE_STEM).replace(tzinfo=UTC)
        except ValueError:
            return True  # not one of ours: take a new one
        return (now - taken).total_seconds() >= self.config.sample_every_s

    def keep_sample(self, camera: str, recording: Path, now: datetime, run: Runner) -> Path:
        """Cut a sample from ``recording`` (written whole, then renamed); drop the oldest."""
        dst = self._sample_path(camera, now)
        cut(recording, dst, self.config.sample_s, run)
        self._keep_newest(camera)
        return dst

    def adopt_sample(self, camera: str, clip: Path, now: datetime) -> Path:
        """Make ``clip`` (a whole stream-copied cut, e.g. a missed spot check's
        recording) a sample by renaming it; drop the oldest."""
        dst = self._sample_path(camera, now)
        clip.replace(dst)
        self._keep_newest(camera)
        return dst

    def _sample_path(self, camera: str, now: datetime) -> Path:
        """A free ``sample-<UTC>.mp4`` at ``now`` or the first free second after it."""
        folder = self.dir(camera)
        folder.mkdir(parents=True, exist_ok=True)
        while (path := folder / f"{now:{SAMPLE_STEM}}.mp4").exists():
            now += timedelta(seconds=1)
        return path

    def _keep_newest(self, camera: str) -> None:
        for old in self.samples(camera)[: -self.config.samples]:
            old.unlink(missing_ok=True)


Runner = Callable[[Sequence[str], float], float]


def cut(src: Path, dst: Path, seconds: float, run: Runner) -> None:
    """The first ``seconds`` of ``src`` as ``dst`` (via ``.part``: never half a file)."""
    part = dst.with_name(dst.name + ".part")
    try:
        run(clip_command(src, part, seconds), 60.0)
        part.replace(dst)
    finally:
        part.unlink(missing_ok=True)
