"""Per-camera quality calibration: the cheapest encoder settings that keep each
adaptive level's quality promise on this camera's own footage.

An adaptive level (footage.profiles.ADAPTIVE_LADDER past ``copy``) promises a
VMAF floor against the recording (``CalibrationConfig.vmaf_floors``), not a CRF:
a fixed CRF tuned on one scene lost 5 VMAF points on real footage. The search
here is pure: it asks a ``Measure`` (the edge's runner encodes a camera's few
short samples and scores them, edge_uploader.calibrator) about settings and
picks, per level, the fewest bytes whose VMAF meets the floor (plus
``vmaf_margin``, for footage the samples did not show) within a CPU limit. It
stays cheap by bisecting the CRF of each (codec, preset, denoise) family (VMAF
falls as CRF rises), starting each lower floor where the higher one ended,
dropping a family whose first trial is over the CPU limit, and trying the
longest GOP seeking allows on each level's winner only. Every trial is
kept, and each level takes the smallest passing trial of all of them, so a
lower floor never costs more bytes than a higher one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from footage.profiles import Profile, VideoCodec

#: A level whose best encode keeps more than this share of the bytes is not worth
#: its CPU: it goes up as recorded (edge_uploader.lifecycle.worth_sending_encoded).
WORTH = 0.95


class CalibrationConfig(BaseModel):
    """``uploader.compression.calibration``: quality targets and how to find them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="calibrate adaptive cameras on their own footage")
    vmaf_floors: list[float] = Field(
        default_factory=lambda: [93.0, 90.0, 87.0], min_length=1,
        description="VMAF floor of each adaptive level past the first (copy), highest first",
    )  # fmt: skip
    codecs: list[VideoCodec] = Field(
        default_factory=lambda: [VideoCodec.H264, VideoCodec.H265], min_length=1,
        description="codecs the search may choose (h264, h265)",
    )  # fmt: skip
    h264_presets: list[str] = Field(
        default_factory=lambda: ["veryfast"], min_length=1, description="x264 presets tried"
    )
    h265_presets: list[str] = Field(
        default_factory=lambda: ["ultrafast", "veryfast"], min_length=1,
        description="x265 presets tried (a preset over the CPU limit costs one trial)",
    )  # fmt: skip
    vmaf_margin: float = Field(
        0.5, ge=0, le=10,
        description="aim this far above each floor, so footage the samples missed meets it too",
    )  # fmt: skip
    crf_min: int = Field(16, ge=0, le=51, description="lowest CRF the search tries")
    crf_max: int = Field(38, ge=0, le=51, description="highest CRF the search tries")
    gop_s: float = Field(4.0, gt=0, le=20, description="keyframe interval searched first")
    max_gop_s: float = Field(
        10.0, gt=0, le=20, description="the longest keyframe interval seeking allows"
    )
    sample_s: float = Field(4.0, ge=1, le=30, description="seconds per kept sample")
    samples: int = Field(3, ge=1, le=12, description="samples kept per camera (day and night)")
    sample_every_s: float = Field(
        14_400.0, ge=60, description="a new sample of a camera at most this often"
    )
    vmaf_subsample: int = Field(5, ge=1, le=30, description="score every n-th frame")
    refresh_days: float = Field(7.0, gt=0, le=90, description="recalibrate at least this often")
    bitrate_change: float = Field(
        0.3, gt=0, le=10, description="recalibrate when the camera's bitrate moves this much"
    )
    spot_check_s: float = Field(4.0, ge=1, le=60, description="seconds of an encode checked")
    spot_check_every_s: float = Field(
        3600.0, ge=60, description="one spot check per camera this often"
    )

    @model_validator(mode="after")
    def _ordered(self) -> CalibrationConfig:
        floors = self.vmaf_floors
        if any(not 0 < f <= 100 for f in floors):
            raise ValueError("vmaf_floors must lie in (0, 100]")
        if any(a < b for a, b in pairwise(floors)):
            raise ValueError("vmaf_floors go from the lightest level down: highest first")
        if self.crf_min > self.crf_max:
            raise ValueError("crf_min must not be above crf_max")
        if self.gop_s > self.max_gop_s:
            raise ValueError("gop_s must not be above max_gop_s")
        return self

    def presets(self, codec: VideoCodec) -> list[str]:
        return self.h265_presets if codec is VideoCodec.H265 else self.h264_presets


@dataclass(frozen=True, slots=True)
class Trial:
    """One setting measured on a camera's samples."""

    profile: Profile
    bytes: int  # encoded, all samples
    recorded_bytes: int  # the samples as recorded
    vmaf: float  # mean over the samples, weighted by duration
    cpu_s: float  # encoder CPU seconds, all samples
    footage_s: float  # seconds of footage, all samples

    @property
    def ratio(self) -> float:
        return self.bytes / self.recorded_bytes if self.recorded_bytes else 1.0

    @property
    def cpu_per_s(self) -> float:
        """CPU seconds per second of footage."""
        return self.cpu_s / self.footage_s if self.footage_s else 0.0


Measure = Callable[[Profile], Trial]


class LevelChoice(BaseModel):
    """What one adaptive level encodes with on this camera, and what it measured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: int = Field(ge=1)
    floor: float
    profile: Profile | None  # None: nothing met the floor and paid: as recorded
    vmaf: float | None = None
    ratio: float = 1.0  # bytes out / bytes recorded
    cpu_s_per_min: float = 0.0  # CPU seconds per footage-minute
    why: str = ""

    @property
    def setting(self) -> str:
        """E.g. ``h264 veryfast crf 26 gop 10s denoise``, or ``as recorded``."""
        p = self.profile
        if p is None:
            return "as recorded"
        denoise = " denoise" if p.denoise else ""
        return f"{p.codec} {p.preset} crf {p.crf} gop {p.gop_seconds:g}s{denoise}"


class Calibration(BaseModel):
    """One camera's calibrated ladder, kept across restarts (edge_uploader.calibrator)."""

    model_config = ConfigDict(extra="forbid")

    camera: str
    calibrated_at: AwareDatetime
    bitrate_bps: float  # the camera's recorded bitrate the samples had
    encoder: str = "software"
    levels: list[LevelChoice]
    samples: int = 0  # how many samples it was measured on
    trials: int = 0
    cpu_s: float = 0.0  # what the search itself cost
    reason: str = ""  # why it ran
    checked_at: AwareDatetime | None = None  # the last production spot check
    checked_level: int | None = None
    checked_vmaf: float | None = None
    misses: int = 0  # spot checks under their level's floor since this calibration

    def level(self, level: int) -> LevelChoice | None:
        return next((c for c in self.levels if c.level == level), None)


class CameraQuality(BaseModel):
    """What ``vms status`` and the status page show of a camera's edge compression."""

    model_config = ConfigDict(extra="ignore")

    level: int | None = None  # the adaptive level in use (0: as recorded); None: unknown
    setting: str = "as recorded"  # that level's setting on this camera
    floor: float | None = None  # the level's VMAF promise
    bytes_ratio: float = 1.0  # bytes sent / bytes recorded, as calibrated
    vmaf: float | None = None  # measured at calibration
    calibrated_at: AwareDatetime | None = None
    checked_at: AwareDatetime | None = None  # the last production spot check
    checked_vmaf: float | None = None
    misses: int = 0  # spot checks under their floor since the calibration


def camera_quality(calibration: Calibration | None, level: int | None) -> CameraQuality:
    """A camera's quality figures at ``level`` (its calibration may not exist yet)."""
    base = CameraQuality(level=level)
    if calibration is None:
        return base.model_copy(update={"setting": "not calibrated yet" if level else "as recorded"})
    checks = {"calibrated_at": calibration.calibrated_at, "checked_at": calibration.checked_at,
              "checked_vmaf": calibration.checked_vmaf, "misses": calibration.misses}  # fmt: skip
    choice = calibration.level(level) if level else None
    if choice is None:
        return base.model_copy(update=checks)
    return base.model_copy(update={**checks, "setting": choice.setting, "floor": choice.floor,
                                   "bytes_ratio": choice.ratio, "vmaf": choice.vmaf})  # fmt: skip


class Searcher:
    """The search over one camera's samples; ``measure`` runs the real encodes."""

    def __init__(self, config: CalibrationConfig, measure: Measure, cpu_limit: float) -> None:
        self.config = config
        self.measure = measure
        self.cpu_limit = cpu_limit  # CPU-s per footage-second the encoder can afford
        self.trials: dict[Profile, Trial] = {}

    def trial(self, profile: Profile) -> Trial:
        if profile not in self.trials:
            self.trials[profile] = self.measure(profile)
        return self.trials[profile]

    def families(self) -> list[Profile]:
        """One base profile per (codec, preset, denoise), at the search's first GOP."""
        cfg = self.config
        return [
            Profile(codec=codec, crf=cfg.crf_min, preset=preset, gop_seconds=cfg.gop_s,
                    denoise=denoise)
            for codec in cfg.codecs for preset in cfg.presets(codec) for denoise in (False, True)
        ]  # fmt: skip

    def bisect(self, base: Profile, floor: float, low: int) -> int | None:
        """The highest CRF from ``low`` whose VMAF meets ``floor`` (None: not even ``low``)."""
        lo, hi, best = low, self.config.crf_max, None
        while lo <= hi:
            mid = (lo + hi) // 2
            if self.trial(base.model_copy(update={"crf": mid})).vmaf >= floor:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        return best

    def run(self) -> list[LevelChoice]:
        for base in self.families():
            low = self.config.crf_min
            first = self.trial(base.model_copy(update={"crf": (low + self.config.crf_max) // 2}))
            if first.cpu_per_s > self.cpu_limit:
                continue  # this codec/filter is over the CPU budget whatever the CRF
            for floor in self.config.vmaf_floors:
                found = self.bisect(base, floor + self.config.vmaf_margin, low)
                if found is None:
                    break  # a lower floor may pass with another family; this one cannot
                low = found
        levels = []
        for n, floor in enumerate(self.config.vmaf_floors, start=1):
            aim = floor + self.config.vmaf_margin
            best = self._best(aim)
            if best is not None and self.config.max_gop_s > best.profile.gop_seconds:
                longer = best.profile.model_copy(update={"gop_seconds": self.config.max_gop_s})
                self.trial(longer)
                best = self._best(aim)
            levels.append(_choice(n, floor, best))
        return levels

    def _best(self, floor: float) -> Trial | None:
        passing = [
            t for t in self.trials.values()
            if t.vmaf >= floor and t.cpu_per_s <= self.cpu_limit
        ]  # fmt: skip
        return min(passing, key=lambda t: (t.bytes, t.cpu_s), default=None)


def _choice(level: int, floor: float, best: Trial | None) -> LevelChoice:
    if best is None:
        why = "no setting met the floor within the CPU budget: as recorded"
        return LevelChoice(level=level, floor=floor, profile=None, why=why)
    if best.ratio > WORTH:
        why = f"meeting the floor keeps {best.ratio:.0%} of the bytes: as recorded"
        return LevelChoice(level=level, floor=floor, profile=None, why=why)
    return LevelChoice(
        level=level, floor=floor, profile=best.profile, vmaf=round(best.vmaf, 2),
        ratio=round(best.ratio, 4), cpu_s_per_min=round(60 * best.cpu_per_s, 2),
    )  # fmt: skip


def search_ladder(
    config: CalibrationConfig, measure: Measure, cpu_limit: float
) -> tuple[list[LevelChoice], list[Trial]]:
    """Each level's choice, and every trial the search measured."""
    searcher = Searcher(config, measure, cpu_limit)
    levels = searcher.run()
    return levels, list(searcher.trials.values())


def recalibration_due(
    calibration: Calibration | None, now: datetime, bitrate_bps: float | None,
    config: CalibrationConfig,
) -> str | None:  # fmt: skip
    """Why this camera needs calibrating now, or None."""
    if calibration is None:
        return "not calibrated yet"
    if len(calibration.levels) != len(config.vmaf_floors) or any(
        c.floor != f for c, f in zip(calibration.levels, config.vmaf_floors, strict=False)
    ):
        return "the quality targets changed"
    if now - calibration.calibrated_at >= timedelta(days=config.refresh_days):
        return f"older than {config.refresh_days:g} days"
    if calibration.misses:
        return "a production spot check missed its floor"
    if bitrate_bps and calibration.bitrate_bps > 0:
        change = abs(bitrate_bps - calibration.bitrate_bps) / calibration.bitrate_bps
        if change > config.bitrate_change:
            return f"the camera's bitrate moved {change:.0%} (scene or settings changed)"
    return None


def spot_check(calibration: Calibration, level: int, vmaf: float, at: datetime) -> bool:
    """Record a production check of ``level``; True when it met the level's floor."""
    choice = calibration.level(level)
    calibration.checked_at, calibration.checked_level, calibration.checked_vmaf = at, level, vmaf
    if choice is None or vmaf >= choice.floor:
        return True
    calibration.misses += 1
    return False
