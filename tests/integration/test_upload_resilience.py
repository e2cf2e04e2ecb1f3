"""A branch uplink that changes speed, for real: moto S3 in a network namespace
behind a veth pair shaped with ``tc tbf`` (tests/support/shaped.py), a camera
that keeps recording, and the edge's own uploader and compressor threads.
Needs root, as CI has. Loss, delay and a 5-minute outage are in
tests/faults/test_network_faults.py."""

from __future__ import annotations

import random
import shutil
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.budget import LinkMeters
from edge_uploader.compressor import Compressor
from edge_uploader.journal import Journal
from edge_uploader.lifecycle import SegmentState
from edge_uploader.spool import Spool
from edge_uploader.uploader import Uplink, Uploader, UploadPolicy
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.clock import SystemClock
from footage.config import Config
from footage.keys import build_segment_key, build_spool_name
from footage.storage import META_PROFILE
from tests.support.media import make_camera_clip
from tests.support.shaped import LINK_MBIT, ShapedLink, set_rate

pytestmark = pytest.mark.integration
OUTAGE_S = 60
REGION = "ap-southeast-3"


def bucket(endpoint: str, name: str) -> S3Storage:
    client = make_s3_client(endpoint, REGION)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return S3Storage(client, name, "")


def make_spool(root: Path, cameras: list[str]) -> tuple[Journal, Spool]:
    journal = Journal(root / "spool" / "journal.sqlite3")
    spool = Spool(root / "spool", journal, quota_bytes=10**10, min_free_bytes=0)
    spool.prepare(cameras)
    return journal, spool


class Threads:
    """Background loops that stop together (``stop`` is set, then all are joined)."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []

    def start(self, target: Callable[[threading.Event], None]) -> None:
        def guarded() -> None:
            try:
                target(self.stop)
            except BaseException as exc:  # surfaced by join()
                self.errors.append(exc)
                self.stop.set()

        thread = threading.Thread(target=guarded, daemon=True)
        thread.start()
        self._threads.append(thread)

    def join(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(120)
        assert not self.errors, self.errors


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout_s, f"not within {timeout_s:.0f} s: {what}"
        time.sleep(0.2)
    return time.monotonic() - started


def adaptive_config() -> Config:
    return Config.model_validate({
        "sites": [{"id": "HO", "name": "Head office"}],
        "cameras": [{"id": "lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://cam/1",
                     "edge_profile": "adaptive"}],
        "uploader": {"compression": {
            "cpu_budget_cores": 1, "ladder": ["copy", "cctv-h264"], "check_interval_s": 2,
            "high_water_s": 6, "low_water_s": 2, "relax_probe_s": 20,
        }},
    })  # fmt: skip


def test_adaptive_compression_rises_on_a_slow_link_and_relaxes_when_it_speeds_up(
    link: ShapedLink, shaped_endpoint: str, tmp_path: Path
) -> None:
    """A camera sends 3 Mbit/s; the link carries 2, then 40."""
    store = bucket(shaped_endpoint, "adaptive")
    clip = make_camera_clip(tmp_path / "clip.mp4", 2, kbps=3000)
    journal, spool = make_spool(tmp_path, ["lobby"])
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    made: list[str] = []
    recording = threading.Event()
    recording.set()

    def record(stop: threading.Event) -> None:  # a 2 s segment every 2 s, as a camera
        while recording.is_set() and not stop.is_set():
            start = base + timedelta(seconds=2 * len(made))
            src = spool.recording_dir("lobby") / build_spool_name(start)
            shutil.copyfile(clip, src)
            assert spool.finalize(src, "lobby", "HO", datetime.now(UTC)) is not None
            made.append(build_segment_key("HO", "lobby", start, retention_days=180))
            stop.wait(2.0)

    meters = LinkMeters()
    compressor = Compressor(journal, spool, SystemClock(), adaptive_config(), meters=meters)
    compressor.publish()  # as vms up does before the uploader starts
    controller = compressor.controllers["HO"]
    policy = UploadPolicy(workers=2, retry_initial_s=1, retry_max_s=2)
    uploader = Uploader(journal, store, SystemClock(), policy, random.Random(4),
                        Uplink(meters=meters))  # fmt: skip
    set_rate(link, 2)
    threads = Threads()
    try:
        threads.start(record)
        threads.start(lambda stop: compressor.run(stop, idle_s=0.2))
        threads.start(lambda stop: uploader.run(stop, idle_s=0.2))
        rose = wait_until(lambda: controller.level == 1, 60, "compression rises at 2 Mbit/s")
        time.sleep(6)  # it keeps compressing while the link stays slow
        assert controller.level == 1, controller.history
        set_rate(link, 40)
        relaxed = wait_until(lambda: controller.level == 0, 60, "compression relaxes at 40")
        decisions = len(controller.history)
        time.sleep(8)  # and stays relaxed: 3 Mbit/s as recorded fits 40
        assert controller.level == 0 and len(controller.history) == decisions
        recording.clear()
        wait_until(lambda: journal.stats.backlog().count == 0, 60, "the backlog drains")
    finally:
        threads.join()
        set_rate(link, LINK_MBIT)

    up, down = controller.history[0], controller.history[-1]
    print(f"rose after {rose:.0f} s at 2 Mbit/s ({up.reason}); relaxed {relaxed:.0f} s "
          f"after the link went to 40 ({down.reason}); decisions: "
          f"{[(d.level, d.reason) for d in controller.history]}")  # fmt: skip
    assert (up.level, up.profile) == (1, "cctv-h264")
    assert (down.level, down.profile) == (0, "copy")
    assert compressor.stats.encoded >= 2
    profiles = [store.head(key) for key in made]
    assert all(p is not None for p in profiles)  # every segment arrived
    sent = {p.metadata[META_PROFILE] for p in profiles if p is not None}
    assert sent == {"copy", "cctv-h264"}
    assert len(journal.uploads.paths(SegmentState.UPLOADED)) == len(made)
