"""Tampering probes on real segments (ffmpeg): a black picture, a frozen one (the
same first frame in three segments running) and a live one."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.alert_probe import TamperWatch, snapshot_jpeg
from edge_uploader.journal import Journal
from edge_uploader.spool import Spool
from footage.alerts.tamper import Look

pytestmark = [pytest.mark.integration]
T0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def _segment(dst: Path, source: str) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-t", "1",
                    "-c:v", "libx264", "-g", "15", "-pix_fmt", "yuv420p",
                    "-movflags", "+frag_keyframe+empty_moov+default_base_moof", str(dst)],
                   check=True, timeout=60)  # fmt: skip


def _spool(tmp_path: Path) -> Spool:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.initialize()
    return Spool(tmp_path / "spool", journal, 10**9, 0)


def test_black_frozen_and_live_pictures(tmp_path: Path) -> None:
    spool = _spool(tmp_path)
    watch = TamperWatch()
    live = "testsrc2=size=640x360:rate=15"
    rec = spool.recording_dir("kasir")
    _segment(rec / "20261206T030000Z.mp4", live)
    assert watch.check(spool, "kasir", T0) is None
    _segment(rec / "20261206T030010Z.mp4", "color=c=black:size=640x360:rate=15")
    assert watch.check(spool, "kasir", T0 + timedelta(seconds=10)) == (
        Look.BLACK,
        T0 + timedelta(seconds=10),
    )
    # nothing new recorded: the look and its start stay
    assert watch.check(spool, "kasir", T0 + timedelta(seconds=15)) == (
        Look.BLACK,
        T0 + timedelta(seconds=10),
    )
    jpeg = snapshot_jpeg(rec / "20261206T030010Z.mp4")
    assert jpeg is not None and jpeg[:2] == b"\xff\xd8"
    # a hung encoder: the same picture segment after segment
    for i, name in enumerate(["20261206T030020Z", "20261206T030030Z", "20261206T030040Z"]):
        if i == 0:
            _segment(rec / f"{name}.mp4", live)
        else:
            shutil.copy(rec / "20261206T030020Z.mp4", rec / f"{name}.mp4")
        seen = watch.check(spool, "kasir", T0 + timedelta(seconds=20 + 10 * i))
    assert seen is not None and seen[0] is Look.FROZEN
    _segment(
        spool.ready_dir("kasir") / "20261206T030050Z.mp4",
        "testsrc2=size=640x360:rate=15,noise=alls=12:allf=t",
    )
    assert watch.check(spool, "kasir", T0 + timedelta(seconds=50)) is None
