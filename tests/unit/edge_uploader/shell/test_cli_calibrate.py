"""``vms calibrate`` and ``vms compress`` on a user's own file: the ladder as JSON,
a file compressed at a level that keeps its floor, and bad input refused (exit 2)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from edge_uploader.shell.cli import app

CONFIG = {
    "sites": [{"id": "HO", "name": "Head office"}],
    "cameras": [{"id": "c1", "site": "HO", "name": "C1", "rtsp_url": "rtsp://10.0.0.2/s"}],
    "uploader": {"compression": {
        "cpu_budget_cores": 2, "ladder": ["copy", "cctv-h264", "cctv-h264-small"],
        "calibration": {"vmaf_floors": [92, 88], "codecs": ["h264"], "crf_min": 22,
                        "crf_max": 36, "gop_s": 2, "max_gop_s": 2, "sample_s": 2},
    }},
}  # fmt: skip


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cal") / "cam.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=192x108:rate=15:duration=2,noise=alls=6:allf=t",
                    "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "800k", "-g", "15",
                    str(path)], check=True, timeout=60)  # fmt: skip
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    return path


def test_calibrate_prints_the_ladder_and_compress_keeps_the_floor(
    clip: Path, config: Path, tmp_path: Path
) -> None:
    run = CliRunner().invoke(app, ["calibrate", str(clip), "--json", "-c", str(config)])
    assert run.exit_code == 0, run.output
    ladder = json.loads(run.output)
    levels = ladder["levels"]
    assert [lv["floor"] for lv in levels] == [92, 88]
    # level 1 also keeps within 1 VMAF of the seed's encode of the same sample
    assert ladder["seed_points"] == 1 and 60 < ladder["seed_vmaf"] <= 100
    assert levels[0]["vmaf"] >= max(92, ladder["seed_vmaf"] - 1)
    assert all(lv["vmaf"] >= lv["floor"] and lv["ratio"] < 0.95 for lv in levels), levels
    out = tmp_path / "small.mp4"
    run = CliRunner().invoke(app, ["compress", str(clip), "-o", str(out), "--level", "2",
                                   "--json", "-c", str(config)])  # fmt: skip
    assert run.exit_code == 0, run.output
    made = json.loads(run.output)
    assert made["bytes_out"] == out.stat().st_size < clip.stat().st_size
    assert made["vmaf"] >= 88 - 1.0 and made["setting"].startswith("h264")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["calibrate", "missing.mp4"], "no such file"),
        (["compress", "{clip}", "-o", "{clip}"], "must not be the input"),
        (["compress", "{clip}", "-o", "out.mp4", "--level", "3"], "level must be 1..2"),
    ],
)
def test_bad_input_is_refused(clip: Path, config: Path, args: list[str], words: str) -> None:
    argv = [a.format(clip=clip) for a in args] + ["-c", str(config)]
    run = CliRunner().invoke(app, argv)
    assert run.exit_code == 2 and words in run.output, run.output
