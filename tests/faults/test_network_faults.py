"""A branch's uplink at its worst, while a camera records.

The real recorder (ffmpeg from a GStreamer RTSP camera on the LAN) and the
edge's uploader run as one process would run them; the storage (moto S3) sits
behind a shaped link in a network namespace (tests/support/shaped.py). The
link first drops 5 % of the packets the edge sends (nftables, at random) and
adds 300 ms each way (a delay line relaying the connections: this kernel has
no netem), then goes dark for five minutes (the far end's interface down:
packets vanish, connections hang, nothing is refused), then comes back. The
uploader is never restarted. Needs root, as CI has.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.harness.ports import free_port
from edge_uploader.journal import Journal
from edge_uploader.lifecycle import SegmentState
from edge_uploader.recorder import CameraRecorder
from edge_uploader.spool import Spool
from edge_uploader.uploader import Uploader, UploadPolicy
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.clock import SystemClock
from footage.config import Camera, RecorderConfig
from footage.coverage import find_gaps
from footage.keys import build_segment_key
from footage.models import Segment
from footage.storage import META_SHA256
from tests.support.delay_line import DelayLine
from tests.support.shaped import ShapedLink, lossy, outage

pytestmark = [pytest.mark.integration, pytest.mark.slow]
IMPAIRED_S, OUTAGE_S = 45, 300
SEGMENT_S = 10
CAMERA = Camera(id="lobby", site="HO", name="Lobby", rtsp_url="rtsp://127.0.0.1:1/x",
                segment_seconds=SEGMENT_S, audio="drop")  # fmt: skip


class Loops:
    """Background loops that stop together; a loop that dies fails the test."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []

    def start(self, name: str, target: Callable[[threading.Event], None]) -> threading.Thread:
        def guarded() -> None:
            try:
                target(self.stop)
            except BaseException as exc:
                self.errors.append(exc)

        thread = threading.Thread(target=guarded, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)
        return thread

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)
        assert not self.errors, self.errors


@pytest.fixture
def camera() -> Iterator[SimulatedCamera]:
    spec = CameraSpec(port=free_port(), width=320, height=240, bitrate_kbps=300)
    with SimulatedCamera(spec).start() as running:
        yield running


def _watch(seconds: float, uploader: Uploader, journal: Journal) -> tuple[set[str], int]:
    """Upload errors seen and the largest backlog, over ``seconds``."""
    errors, peak = set(), 0
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if uploader.last_error:
            errors.add(uploader.last_error[:50])
        peak = max(peak, journal.stats.backlog().count)
        time.sleep(1)
    return errors, peak


@pytest.mark.timeout(900)
def test_loss_delay_and_a_five_minute_blackhole_lose_no_segment(
    link: ShapedLink, shaped_endpoint: str, camera: SimulatedCamera, tmp_path: Path
) -> None:
    far = urlsplit(shaped_endpoint)
    line = DelayLine((far.hostname or "", far.port or 80)).__enter__()
    client = make_s3_client(line.url, "ap-southeast-3")
    where = {"LocationConstraint": "ap-southeast-3"}
    client.create_bucket(Bucket="faults", CreateBucketConfiguration=where)
    store = S3Storage(client, "faults")
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    spool = Spool(tmp_path / "spool", journal, quota_bytes=10**10, min_free_bytes=0)
    spool.prepare([CAMERA.id])
    settings = RecorderConfig(rtsp_timeout_s=3, backoff_max_s=2)
    recorder = CameraRecorder(CAMERA, camera.url, spool, settings, SystemClock())
    uploader = Uploader(journal, store, SystemClock(),
                        UploadPolicy(workers=2, retry_initial_s=1, retry_max_s=10),
                        random.Random(14))  # fmt: skip
    loops = Loops()
    recording = loops.start("recorder", recorder.run)
    uploading = loops.start("uploader", lambda stop: uploader.run(stop, idle_s=0.5))
    began = datetime.now(UTC)
    try:
        time.sleep(25)
        line.delay_s = 0.3
        with lossy(link, loss_pct=5):
            _, impaired_peak = _watch(IMPAIRED_S, uploader, journal)
            sent_impaired = len(journal.uploads.paths(SegmentState.UPLOADED))
        line.delay_s = 0.0
        with outage(link):
            errors, outage_peak = _watch(OUTAGE_S, uploader, journal)
            sent_before_return = len(journal.uploads.paths(SegmentState.UPLOADED))
        back = time.monotonic()
        time.sleep(SEGMENT_S)
        _drain(journal, back, timeout_s=180)
        resumed = time.monotonic() - back
        assert recording.is_alive() and uploading.is_alive()  # never restarted
    finally:
        loops.join()
        line.__exit__(None, None, None)
    ended = datetime.now(UTC)

    print(f"impaired {IMPAIRED_S} s: backlog peak {impaired_peak}, {sent_impaired} sent; "
          f"outage {OUTAGE_S} s: backlog peak {outage_peak}; drained {resumed:.0f} s after the "
          f"link came back; errors seen: {sorted(errors)}")  # fmt: skip
    assert sent_impaired >= 1  # the poor link still carried footage
    assert errors  # the outage showed as upload errors, retried
    assert outage_peak >= OUTAGE_S // SEGMENT_S - 2  # what was recorded meanwhile waited
    assert sent_before_return <= sent_impaired + 1  # nothing got through the dark link
    direct = S3Storage(make_s3_client(shaped_endpoint, "ap-southeast-3"), "faults")
    _every_segment_arrived(journal, direct)
    _recording_never_stopped(journal, began, ended)


def _drain(journal: Journal, since: float, timeout_s: float) -> None:
    while journal.stats.backlog().count:
        assert time.monotonic() - since < timeout_s, "the backlog did not drain after the outage"
        time.sleep(1)


def _every_segment_arrived(journal: Journal, store: S3Storage) -> None:
    done = {
        build_segment_key(i.site, i.camera, i.start, retention_days=180): i
        for i in journal.uploads.items(SegmentState.UPLOADED)
    }
    for state in (SegmentState.DROPPED, SegmentState.LOST, SegmentState.EXPIRED):
        assert journal.uploads.paths(state) == []
    assert sorted(o.key for o in store.list("segments/")) == sorted(done)
    for key, item in done.items():
        head = store.head(key)
        assert head is not None and head.size == item.size
        assert head.metadata[META_SHA256] == item.sha256
    for key in random.Random(2).sample(sorted(done), min(3, len(done))):
        assert hashlib.sha256(store.read_range(key)).hexdigest() == done[key].sha256


def _recording_never_stopped(journal: Journal, began: datetime, ended: datetime) -> None:
    """The camera is on the LAN: the uplink's troubles leave no hole in the recording."""
    done = journal.uploads.items(SegmentState.UPLOADED)
    length = timedelta(seconds=SEGMENT_S)
    spans = [Segment(CAMERA.id, CAMERA.site, i.start, i.start + length, 0, "", "") for i in done]
    first, last = min(s.start for s in spans), max(s.end for s in spans)
    assert first - began < timedelta(seconds=3 * SEGMENT_S)
    assert ended - last < timedelta(seconds=3 * SEGMENT_S)
    holes = [g for g in find_gaps(spans, first, last) if g.duration > timedelta(seconds=2)]
    assert holes == []
