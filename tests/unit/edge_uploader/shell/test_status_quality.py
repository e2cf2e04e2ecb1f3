"""``vms status`` and the edge report show each adaptive camera's level in use, its
calibrated setting, bytes ratio and measured quality, and a missed spot check."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from edge_uploader.calibrator import CalibrationStore
from edge_uploader.journal import Journal
from edge_uploader.shell.commands.status import status_lines
from edge_uploader.shell.status import (
    CameraStatus,
    SystemStatus,
    build_report,
    camera_qualities,
    edge_reports,
)
from footage.calibration import Calibration, LevelChoice, spot_check
from footage.config import Config
from footage.profiles import Profile, VideoCodec

NOW = datetime(2026, 12, 6, 2, tzinfo=UTC)
CONFIG = Config.model_validate({
    "sites": [{"id": "HO", "name": "Head office"}],
    "cameras": [
        {"id": "lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://cam/1",
         "edge_profile": "adaptive"},
        {"id": "gate", "site": "HO", "name": "Gate", "rtsp_url": "rtsp://cam/2",
         "edge_profile": "adaptive"},
        {"id": "yard", "site": "HO", "name": "Yard", "rtsp_url": "rtsp://cam/3",
         "edge_profile": "copy"},
    ],
})  # fmt: skip


def test_level_setting_ratio_and_quality_per_camera(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path / "calibration", CONFIG.uploader.compression.calibration)
    profile = Profile(codec=VideoCodec.H264, crf=27, preset="veryfast", gop_seconds=10)
    calibration = Calibration(camera="lobby", calibrated_at=NOW, bitrate_bps=4e6, levels=[
        LevelChoice(level=1, floor=93, profile=profile, vmaf=93.4, ratio=0.61),
        LevelChoice(level=2, floor=90, profile=None, why="as recorded"),
        LevelChoice(level=3, floor=87, profile=profile, vmaf=88, ratio=0.4),
    ])  # fmt: skip
    spot_check(calibration, 1, 91.2, NOW)  # under 93: a miss
    store.save(calibration)
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.initialize()
    cameras = {c.id: CameraStatus(site="HO", state="recording") for c in CONFIG.cameras}
    system = SystemStatus(updated_at=NOW, pid=1, compression={"HO": "cctv-h264"}, cameras=cameras)
    quality = camera_qualities(CONFIG, tmp_path, system)
    assert set(quality) == {"lobby", "gate"}  # yard is not adaptive
    report = build_report({c.id: "HO" for c in CONFIG.cameras}, system, journal, NOW,
                          quality=quality)  # fmt: skip
    lines = {line.split()[1]: line for line in status_lines(report, system, None, {}) if
             line.startswith("HO ")}  # fmt: skip
    assert ("quality L1 h264 veryfast crf 27 gop 10s bytes 61% VMAF 93.4/93 checked 91.2"
            " MISSED x1") in lines["lobby"]  # fmt: skip
    assert "quality L1 not calibrated yet bytes 100%" in lines["gate"]
    assert "quality" not in lines["yard"]
    [edge] = edge_reports(report, ["HO"], NOW)
    lobby = next(c for c in edge.cameras if c.camera == "lobby")
    assert lobby.quality is not None
    assert (lobby.quality.level, lobby.quality.checked_vmaf, lobby.quality.misses) == (1, 91.2, 1)
