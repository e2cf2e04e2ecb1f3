"""Per-camera quality calibration: the cheapest encoder settings that keep each
adaptive level's quality promise on this camera's own footage.

An adaptive level (footage.profiles.ADAPTIVE_LADDER past ``copy``) promises a
VMAF floor against the recording (``CalibrationConfig.vmaf_floors``), not a CRF:
a fixed CRF tuned on one scene lost 5 VMAF points on real footage. Level 1 also
promises to stay within ``seed_points`` of what the seed's own command (x264
medium crf 28) keeps on the same samples, where that is higher than its floor
(a low-bitrate camera the seed barely touches). The search (footage.calibration_search) is pure: it
asks a ``Measure`` (the edge's runner encodes a camera's few short samples and
scores them, edge_uploader.calibrator) about settings and picks, per level, the
fewest bytes whose VMAF meets the promise (plus ``vmaf_margin``, for footage the
samples did not show) within a CPU limit. It stays cheap by bisecting the
integer CRF of each (codec, preset, denoise, psy) family (VMAF falls as CRF rises),
starting each lower floor where the higher one ended, and dropping a family
whose first trial is over the CPU limit; then, per level, the family whose
bytes promise most is refined to a ``crf_step`` grid between its passing CRF
and the failing one above (``refine_crf``: every VMAF point above the promise
costs bytes), and the longest GOP seeking allows is tried on the winner. Every
trial is kept, and each level takes the smallest passing trial of all of them,
so a lower floor never costs more bytes than a higher one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from footage.profiles import Profile, VideoCodec

#: A level whose best encode keeps more than this share of the bytes is not worth
#: its CPU: it goes up as recorded (edge_uploader.lifecycle.worth_sending_encoded).
WORTH = 0.95

#: The seed's ``ffmpeg -i in -vcodec libx264 -crf 28 out``: x264 medium, its default
#: 250-frame GOP (16.7 s at 15 fps). Level 1's relative promise is measured with it.
SEED_EQUIVALENT = Profile(codec=VideoCodec.H264, crf=28, preset="medium", gop_seconds=250 / 15)

#: What the search tries and how it measures: a calibration searched with other
#: values is stale (the floors and ``seed_points`` are checked on their own).
SEARCH_FIELDS = frozenset({
    "codecs", "h264_presets", "h265_presets", "psy", "vmaf_margin", "crf_min", "crf_max",
    "crf_step", "gop_s", "max_gop_s", "sample_s", "vmaf_subsample",
})  # fmt: skip


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
    psy: list[bool] = Field(
        default_factory=lambda: [False], min_length=1,
        description="x264/x265 psychovisual tuning tried: false (-tune psnr) spends the bits"
        " where the picture differs from the recording, what VMAF scores; [true, false]: both",
    )  # fmt: skip
    vmaf_margin: float = Field(
        0.5, ge=0, le=10,
        description="aim this far above each floor, so footage the samples missed meets it too",
    )  # fmt: skip
    seed_points: float | None = Field(
        1.0, ge=0, le=20,
        description="level 1 keeps at least the seed's VMAF (x264 medium crf 28, measured on the"
        " samples) minus this, where that is above its floor; null: the floor alone",
    )  # fmt: skip
    crf_min: int = Field(16, ge=0, le=51, description="lowest CRF the search tries")
    crf_max: int = Field(38, ge=0, le=51, description="highest CRF the search tries")
    crf_step: float = Field(
        0.25, ge=0.05, le=1, description="the finest CRF step the search lands on"
    )
    gop_s: float = Field(4.0, gt=0, le=20, description="keyframe interval searched first")
    max_gop_s: float = Field(
        10.0, gt=0, le=20, description="the longest keyframe interval seeking allows"
    )
    sample_s: float = Field(
        10.0, ge=1, le=30,
        description="seconds per kept sample: at least max_gop_s, or a longer GOP's trial"
        " holds as many keyframes as the first one and cannot show what it saves",
    )  # fmt: skip
    samples: int = Field(3, ge=1, le=12, description="samples kept per camera (day and night)")
    sample_every_s: float = Field(
        14_400.0, ge=60, description="a new sample of a camera at most this often"
    )
    vmaf_subsample: int = Field(5, ge=1, le=30, description="score every n-th frame")
    refresh_days: float = Field(7.0, gt=0, le=90, description="recalibrate at least this often")
    bitrate_change: float = Field(
        0.3, gt=0, le=10, description="recalibrate when the camera's bitrate moves this much"
    )
    spot_check_s: float = Field(
        10.0, ge=1, le=60,
        description="seconds of an encode checked (a whole GOP: quality drifts towards its end)",
    )  # fmt: skip
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
        if self.sample_s < self.max_gop_s:
            raise ValueError(
                "sample_s must be at least max_gop_s: a shorter sample holds one keyframe"
                " whatever the GOP, so it cannot show what a longer GOP saves"
            )
        return self

    def search_key(self) -> str:
        """A short fingerprint of the search (``SEARCH_FIELDS``), kept with a calibration."""
        text = self.model_dump_json(include=set(SEARCH_FIELDS))
        return hashlib.sha256(text.encode()).hexdigest()[:12]

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
    floor: float  # the declared floor (CalibrationConfig.vmaf_floors)
    seed_floor: float | None = None  # level 1: the seed's VMAF - seed_points, when higher
    profile: Profile | None  # None: nothing met the floor and paid: as recorded
    vmaf: float | None = None
    ratio: float = 1.0  # bytes out / bytes recorded
    cpu_s_per_min: float = 0.0  # CPU seconds per footage-minute
    why: str = ""

    @property
    def promise(self) -> float:
        """The VMAF this level keeps: its floor, or the seed-relative one when higher."""
        return max(self.floor, self.seed_floor or 0.0)

    @property
    def setting(self) -> str:
        """E.g. ``h264 veryfast crf 26 gop 10s denoise psy off``, or ``as recorded``."""
        p = self.profile
        if p is None:
            return "as recorded"
        flags = (" denoise" if p.denoise else "") + ("" if p.psy else " psy off")
        return f"{p.codec} {p.preset} crf {p.crf:g} gop {p.gop_seconds:g}s{flags}"


class Calibration(BaseModel):
    """One camera's calibrated ladder, kept across restarts (edge_uploader.calibrator)."""

    model_config = ConfigDict(extra="forbid")

    camera: str
    calibrated_at: AwareDatetime
    bitrate_bps: float  # the camera's recorded bitrate the samples had
    encoder: str = "software"
    levels: list[LevelChoice]
    seed_vmaf: float | None = None  # the seed-equivalent encode of the samples (SEED_EQUIVALENT)
    seed_points: float | None = None  # CalibrationConfig.seed_points it was searched with
    search: str = ""  # CalibrationConfig.search_key() it was searched with ("": before 2026-12)
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
    return base.model_copy(update={**checks, "setting": choice.setting, "floor": choice.promise,
                                   "bytes_ratio": choice.ratio, "vmaf": choice.vmaf})  # fmt: skip


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
    if calibration.seed_points != config.seed_points:
        return "the quality targets changed (level 1 against the seed)"
    if calibration.search != config.search_key():
        return "the search changed (codecs, presets, CRF, GOP, samples or margin)"
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
    if choice is None or vmaf >= choice.promise:
        return True
    calibration.misses += 1
    return False
