"""Per-camera calibration with real ffmpeg and libvmaf (edge_uploader.calibrator):
what it picks for noisy and clean footage, whether that holds on footage it did
not see, and that it stays inside the CPU budget behind the footage."""

from __future__ import annotations

import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from edge_uploader.calibration_worker import Calibrator
from edge_uploader.calibrator import (
    CalibrationStore,
    EncodeSlot,
    SampleMeasure,
    calibrate,
    cut,
    load_sample,
)
from edge_uploader.cpu_budget import CpuGovernor
from footage.calibration import CalibrationConfig
from footage.clock import FixedClock
from footage.media.commands import transcode_command
from footage.media.encoders import SOFTWARE
from footage.profiles import VideoCodec
from tests.integration.test_edge_compression import config, make_edge
from tests.support.media import FRAGMENTED

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 6, 10, tzinfo=UTC)
#: x264 only, two floors and a narrower CRF range: the same search, fewer trials
#: The declared floors only (no seed-relative floor for level 1): the seed's own VMAF
#: differs with the noise, and a clean camera's level 1 then had the higher floor (CI
#: saw crf 26 + denoise chosen for it against 93 for the noisy one's crf 27).
SEARCH = CalibrationConfig(
    vmaf_floors=[93, 88], codecs=[VideoCodec.H264], crf_min=20, crf_max=36, max_gop_s=4,
    seed_points=None,
)  # fmt: skip
ONE_FLOOR = SEARCH.model_copy(update={"vmaf_floors": [90.0], "crf_min": 20, "crf_max": 36})


def camera(path: Path, noise: int, seconds: int = 6, size: str = "480x270") -> Path:
    """A camera's footage: a moving test card with sensor noise of strength ``noise``."""
    rate = "1500k"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size={size}:rate=15:duration={seconds},noise=alls={noise}:allf=t",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-bf", "0",
                    "-b:v", rate, "-maxrate", rate, "-bufsize", rate, "-movflags", FRAGMENTED,
                    str(path)], check=True, timeout=60)  # fmt: skip
    return path


def split(footage: Path, work: Path) -> tuple[Path, Path]:
    """The first 3 s to calibrate on, the next 3 s held back."""
    first, rest = work / f"{footage.stem}-a.mp4", work / f"{footage.stem}-b.mp4"
    slot = EncodeSlot(CpuGovernor(2), 2, threading.Lock())
    cut(footage, first, 3.0, slot.run)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "3", "-i", str(footage), "-c", "copy",
                    "-movflags", FRAGMENTED, str(rest)], check=True, timeout=60)  # fmt: skip
    return first, rest


def test_noisy_footage_gets_a_lower_crf_and_the_choice_holds_on_held_back_footage(
    tmp_path: Path,
) -> None:
    slot = EncodeSlot(CpuGovernor(2), 2, threading.Lock())
    chosen = {}
    for name, noise in (("clean", 2), ("noisy", 30)):
        sample, held = split(camera(tmp_path / f"{name}.mp4", noise), tmp_path)
        result = calibrate(name, [load_sample(sample)], SEARCH, slot, encoder=SOFTWARE,
                           cpu_limit=2.0, work=tmp_path / name, now=NOW, reason="test")  # fmt: skip
        chosen[name] = result.levels
        check = SampleMeasure([load_sample(held)], tmp_path / f"{name}-check", slot)
        for level in result.levels:
            if level.profile is not None:
                seen = check(level.profile).vmaf
                # a held-back sample scores within 1 VMAF of what calibration measured
                assert seen >= level.promise - 1.0, (name, level, seen)
    for clean, noisy in zip(chosen["clean"], chosen["noisy"], strict=True):
        assert clean.profile is not None, chosen
        if noisy.profile is None:
            continue  # nothing keeps this floor on the noisy camera: as recorded
        assert (noisy.profile.crf < clean.profile.crf or noisy.profile.denoise
                or noisy.profile.gop_seconds > clean.profile.gop_seconds), chosen  # fmt: skip
        assert noisy.ratio > clean.ratio


def test_calibration_holds_the_cpu_budget_and_footage_goes_first(tmp_path: Path) -> None:
    sample = load_sample(split(camera(tmp_path / "cam.mp4", 8), tmp_path)[0])
    edge = make_edge(tmp_path / "edge", config("cctv-h264", cpu_budget_cores=0.5))
    compressor = edge.compressor()
    footage = camera(tmp_path / "segment.mp4", 8, seconds=4)
    # the encode alone, as a baseline
    edge.record(footage, 0)
    started = time.monotonic()
    assert compressor.tick() == 1
    alone = time.monotonic() - started
    # calibration in the compressor's slot, at its budget (0.5 core)
    done: dict[str, object] = {}

    def calibrating() -> None:
        t0 = time.monotonic()
        done["result"] = calibrate(
            "lobby", [sample], ONE_FLOOR, compressor.slot, encoder=SOFTWARE,
            cpu_limit=1.0, work=tmp_path / "cal", now=NOW, reason="test",
        )  # fmt: skip
        done["wall"] = time.monotonic() - t0

    thread = threading.Thread(target=calibrating)
    thread.start()
    time.sleep(1.5)
    edge.record(footage, 1)  # footage arrives while calibration runs
    started = time.monotonic()
    assert compressor.tick() == 1
    waited = time.monotonic() - started - alone
    thread.join(300)
    result = done["result"]
    assert waited < 4.0, f"footage waited {waited:.1f} s for calibration"  # one trial at most
    cores = result.cpu_s / done["wall"]  # type: ignore[attr-defined, operator]
    assert result.trials >= 4 and cores <= 0.5 * 1.15, (cores, result)  # type: ignore[attr-defined]
    assert compressor.stats.encoded == 2


def test_the_edge_samples_calibrates_spot_checks_and_recalibrates_on_a_miss(
    tmp_path: Path,
) -> None:
    search = {  # the floor alone (no seed-relative level 1): crf 28-32
        "vmaf_floors": [90], "codecs": ["h264"], "crf_min": 28, "crf_max": 32, "gop_s": 2,
        "max_gop_s": 2, "sample_s": 2, "spot_check_s": 2, "seed_points": None,
    }  # fmt: skip
    cfg = config("adaptive", cpu_budget_cores=2, ladder=["copy", "cctv-h264"], calibration=search)
    clock = FixedClock(NOW)
    store = CalibrationStore(tmp_path / "calibration", cfg.uploader.compression.calibration)
    slot = EncodeSlot(CpuGovernor(2), 2, threading.Lock())
    worker = Calibrator(store, cfg, slot, clock, lambda: SOFTWARE)
    recording = camera(tmp_path / "rec.mp4", 8, seconds=3, size="256x144")
    worker.seen_recording("lobby", recording)  # a sample is due: kept
    worker.seen_recording("lobby", recording)  # not again within sample_every_s
    assert len(store.samples("lobby")) == 1
    assert worker.tick() == 1  # calibrates: not calibrated yet
    first = store.load("lobby")
    assert first is not None and first.reason == "not calibrated yet"
    [level] = first.levels
    assert level.profile is not None and level.vmaf is not None and level.vmaf >= 90
    assert worker.tick() == 0  # nothing due
    # production: an encode far below the level's promise, checked against its recording
    encoded = tmp_path / "enc.mp4"
    bad = level.profile.model_copy(update={"crf": 51})
    subprocess.run(transcode_command(recording, encoded, bad, 15.0, has_audio=False),
                   check=True, timeout=60)  # fmt: skip
    worker.seen_encode("lobby", 1, recording, encoded)
    assert worker.tick() == 1  # scores the spot check: a miss
    missed = store.load("lobby")
    assert missed is not None and missed.misses == 1 and missed.checked_level == 1
    assert missed.checked_vmaf is not None and missed.checked_vmaf < 90
    # the missed check's recording is now a sample (the footage the samples missed)
    assert len(store.samples("lobby")) == 2
    assert not list(store.dir("lobby").glob("check-*"))
    restarted = Calibrator(store, cfg, slot, clock, lambda: SOFTWARE)  # kept across a restart
    assert restarted.due("lobby") == "a production spot check missed its floor"
    assert restarted.tick() == 1
    again = store.load("lobby")
    assert again is not None and again.misses == 0 and again.reason.startswith("a production")
    assert again.samples == 2
    # an upgrade that samples longer: the 2 s sample goes on start, a 3 s one replaces it
    longer = config("adaptive", cpu_budget_cores=2, ladder=["copy", "cctv-h264"],
                    calibration={**search, "sample_s": 3})  # fmt: skip
    upgraded = Calibrator(CalibrationStore(store.root, longer.uploader.compression.calibration),
                          longer, slot, clock, lambda: SOFTWARE)  # fmt: skip
    assert store.samples("lobby") == [] and upgraded.due("lobby") is None
    upgraded.seen_recording("lobby", recording)
    [sample] = store.samples("lobby")
    assert load_sample(sample).seconds > 2.7
    assert str(upgraded.due("lobby")).startswith("the search changed")
