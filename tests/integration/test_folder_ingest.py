"""NVR drop folder -> spool -> upload -> index, with real ffmpeg and files."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from edge_uploader.journal import Journal
from edge_uploader.spool import Spool
from edge_uploader.watcher import FolderWatcher
from footage.clock import FixedClock
from footage.config import Camera, WatchFolder

pytestmark = pytest.mark.integration
PATTERN = r"(?P<Y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})"


def _nvr_clip(path: Path, g711: bool) -> Path:
    """An NVR-style export: MKV, H.264 and (like most NVRs) G.711 audio."""
    args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
            "testsrc2=size=320x240:rate=15:duration=3"]  # fmt: skip
    if g711:
        args += ["-f", "lavfi", "-i", "sine=duration=3:sample_rate=8000", "-c:a", "pcm_alaw"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", str(path)]
    subprocess.run(args, check=True, timeout=60)
    return path


@pytest.fixture
def setup(tmp_path):
    drop = tmp_path / "nvr"
    drop.mkdir()
    camera = Camera(id="cab-1", site="CABANG-01", name="Kasir", rtsp_url="rtsp://127.0.0.1/x")
    folder = WatchFolder(path=drop, camera="cab-1", filename_pattern=PATTERN, stable_seconds=5)
    spool = Spool(tmp_path / "spool", Journal(tmp_path / "spool" / "j.sqlite3"), 10**10, 0)
    spool.prepare(["cab-1"])
    clock = FixedClock(datetime(2026, 11, 25, 3, 0, tzinfo=UTC))
    watcher = FolderWatcher(folder, camera, ZoneInfo("Asia/Makassar"), spool, clock)
    return drop, spool, clock, watcher


def test_stable_video_is_taken_with_start_from_name(setup):
    drop, spool, clock, watcher = setup
    _nvr_clip(drop / "ch01_20261125100000.mkv", g711=True)  # 10:00 WITA = 02:00Z
    assert watcher.tick() == 0  # first sight: not yet known to be stable
    clock.advance(seconds=3)
    assert watcher.tick() == 0
    clock.advance(seconds=3)
    assert watcher.tick() == 1
    assert not (drop / "ch01_20261125100000.mkv").exists()  # delete_source
    ready = sorted(spool.ready_dir("cab-1").glob("*.mp4"))
    assert [p.name for p in ready] == ["20261125T020000Z.mp4"]
    streams = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
         str(ready[0])], capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert streams == ["h264", "aac"]  # G.711 made AAC, video copied
    assert spool.journal.backlog().count == 1


def test_growing_file_waits_and_non_video_is_skipped_once(setup):
    drop, _spool, clock, watcher = setup
    junk = drop / "readme.txt"
    junk.write_text("NVR export notes")
    growing = drop / "ch01_20261125110000.mkv"
    _nvr_clip(growing, g711=False)
    for _ in range(3):
        clock.advance(seconds=3)
        with growing.open("ab") as handle:  # the NVR is still writing
            handle.write(b"\0")
        os.utime(growing)
        assert watcher.tick() == 0
    assert watcher.skipped == 1  # the text file, once
    clock.advance(seconds=6)
    watcher.tick()
    clock.advance(seconds=6)
    watcher.tick()
    assert watcher.skipped == 1, "a skipped file is not re-probed or re-logged"
    assert junk.exists()  # skipped files are left alone
    assert watcher.ingested == 1
