"""What the plan knows of each camera: its bytes per hour as recorded, and for each
profile the share of those bytes an encode keeps and its CPU. Measured figures
win (a camera's calibration, then the spool's history), then the config, then
the defaults below, which the output calls "assumed"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from footage.calibration import Calibration
from footage.config import Camera, Config
from footage.profiles import ADAPTIVE, Profile, VideoCodec

#: A camera's main stream when nothing says otherwise (README "Edge compression").
DEFAULT_BITRATE_KBPS = 4000


class Source(StrEnum):
    CALIBRATED = "calibrated"  # the camera's own calibration (footage.calibration)
    MEASURED = "measured"  # the edge's history of this camera (spool journal or index)
    CONFIG = "config"  # camera.bitrate_kbps
    ASSUMED = "assumed"  # the defaults here
    EXACT = "exact"  # as recorded: nothing re-encoded


@dataclass(frozen=True, slots=True)
class LevelFigure:
    ratio: float  # bytes out / bytes as recorded
    cpu_s_per_s: float  # encoder CPU seconds per second of footage
    source: Source = Source.ASSUMED


#: bench/edge_profiles.py on CCTV-like 1080p15 at 4 Mbit/s, "day" (README "Edge
#: compression"): size of recorded and CPU-s per footage-minute / 60, 2 threads.
DEFAULT_LEVELS: dict[str, LevelFigure] = {
    "copy": LevelFigure(1.0, 0.0, Source.EXACT),
    "cctv-h264": LevelFigure(0.681, 38.8 / 60),
    "cctv-h264-small": LevelFigure(0.491, 46.3 / 60),
    "cctv-h265-small": LevelFigure(0.304, 121.7 / 60),
}


@dataclass(frozen=True, slots=True)
class Measured:
    """What the edge measured. ``bytes_per_hour``: camera -> bytes per hour as
    recorded; ``ratios``: (camera, profile) -> bytes out / in of its uploads;
    ``calibrations``: camera -> its calibrated ladder; ``where``: the source's name."""

    bytes_per_hour: Mapping[str, float] = field(default_factory=dict)
    ratios: Mapping[tuple[str, str], float] = field(default_factory=dict)
    calibrations: Mapping[str, Calibration] = field(default_factory=dict)
    where: str = ""


class CameraRate(BaseModel):
    model_config = ConfigDict(frozen=True)

    camera: str
    site: str
    bytes_per_hour: float
    source: Source


def camera_rate(camera: Camera, measured: Measured) -> CameraRate:
    """Bytes per hour as recorded: measured, calibrated, configured, else assumed."""
    rate = measured.bytes_per_hour.get(camera.id)
    source = Source.MEASURED
    calibration = measured.calibrations.get(camera.id)
    if rate is None and calibration is not None:
        rate, source = calibration.bitrate_bps / 8 * 3600, Source.CALIBRATED
    if rate is None and camera.bitrate_kbps is not None:
        rate, source = camera.bitrate_kbps * 1000 / 8 * 3600, Source.CONFIG
    if rate is None:
        rate, source = DEFAULT_BITRATE_KBPS * 1000 / 8 * 3600, Source.ASSUMED
    return CameraRate(camera=camera.id, site=camera.site, bytes_per_hour=rate, source=source)


def profile_at(camera: Camera, ladder: list[str], level: int) -> str:
    """The profile ``camera``'s footage goes up with while its site is at ``level``."""
    return ladder[level] if camera.edge_profile == ADAPTIVE else camera.edge_profile


def level_figure(camera: Camera, config: Config, level: int, measured: Measured) -> LevelFigure:
    """Ratio and CPU of ``camera`` at its site's ``level``."""
    ladder = config.uploader.compression.ladder
    name = profile_at(camera, ladder, level)
    profile = config.all_profiles[name]
    if profile.codec is VideoCodec.COPY:
        return LevelFigure(1.0, 0.0, Source.EXACT)
    calibration = measured.calibrations.get(camera.id)
    choice = calibration.level(level) if calibration and camera.edge_profile == ADAPTIVE else None
    if choice is not None:
        return LevelFigure(choice.ratio, choice.cpu_s_per_min / 60, Source.CALIBRATED)
    default = DEFAULT_LEVELS.get(name) or _family(profile)
    ratio = measured.ratios.get((camera.id, name))
    if ratio is not None:
        return LevelFigure(ratio, default.cpu_s_per_s, Source.MEASURED)
    return default


def _family(profile: Profile) -> LevelFigure:
    """A profile with no figures of its own: its nearest default by codec and denoise."""
    if profile.codec is VideoCodec.H265:
        return DEFAULT_LEVELS["cctv-h265-small"]
    return DEFAULT_LEVELS["cctv-h264-small" if profile.denoise else "cctv-h264"]


#: Fewer segments than this say little about a camera's rate: the config's is used.
MIN_SEGMENTS = 10


def from_history(
    config: Config,
    recorded: Mapping[str, tuple[int, int]],
    encoded: Mapping[tuple[str, str], tuple[int, int]],
    calibrations: Mapping[str, Calibration],
    where: str,
) -> Measured:
    """``recorded``: camera -> (segments, bytes as recorded); ``encoded``: (camera,
    profile) -> (bytes as recorded, bytes sent) of its encodes. A segment is taken
    to last the camera's ``segment_seconds``."""
    rates: dict[str, float] = {}
    for camera in config.cameras:
        segments, size = recorded.get(camera.id, (0, 0))
        if segments >= MIN_SEGMENTS and size > 0:
            rates[camera.id] = size / (segments * camera.segment_seconds) * 3600
    ratios = {key: min(1.0, sent / rec) for key, (rec, sent) in encoded.items() if rec > 0}
    anything = rates or ratios or calibrations
    return Measured(rates, ratios, dict(calibrations), where if anything else "")
