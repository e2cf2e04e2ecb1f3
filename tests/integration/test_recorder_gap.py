"""A camera outage in the chain of custody, end to end on the edge: a camera that
is down when the recorder starts, then comes up (real GStreamer camera, real
ffmpeg), leaves one ``gap`` record; its segments go to a NAS with the signed
manifest, which holds the gap, and the chain verifies clean with it reported as
an honest gap."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from edge_uploader.chain import ManifestPolicy, Manifests, load_or_create
from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.harness.ports import free_port
from edge_uploader.journal import Journal
from edge_uploader.recorder import CameraRecorder
from edge_uploader.spool import Spool
from edge_uploader.uploader import Uploader, UploadPolicy
from footage.adapters.filesystem import FilesystemStorage
from footage.chain import RecordKind
from footage.chain_verify import FindingKind, honest_gaps, verify_chain
from footage.clock import SystemClock
from footage.config import Camera, RecorderConfig
from footage.manifest import PublicKey, public_raw, verify_signature

pytestmark = pytest.mark.integration


def _wait(predicate: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_camera_that_comes_back_leaves_a_signed_honest_gap(tmp_path: Path) -> None:
    spec = CameraSpec(port=free_port(), width=320, height=240)
    camera = Camera(id="cam-1", site="HO", name="Gate", rtsp_url=spec.url, segment_seconds=10)
    journal = Journal(tmp_path / "spool" / "j.sqlite3")
    spool = Spool(tmp_path / "spool", journal, 10**10, 0)
    spool.prepare([camera.id])
    settings = RecorderConfig(rtsp_timeout_s=2, backoff_initial_s=1, backoff_max_s=1)
    recorder = CameraRecorder(camera, spec.url, spool, settings, SystemClock())
    stop = threading.Event()
    thread = threading.Thread(target=recorder.run, args=(stop,))
    thread.start()
    try:
        assert _wait(lambda: journal.chain.open_gap("HO", "cam-1") is not None, 20)
        time.sleep(1.5)  # down for a while
        with SimulatedCamera(spec).start():
            assert _wait(lambda: recorder.status.segments >= 1, 30), recorder.status
            assert _wait(lambda: journal.chain.open_gap("HO", "cam-1") is None, 15)
    finally:
        stop.set()
        thread.join(30)

    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    key, _ = load_or_create(tmp_path / "data", "HO")
    clock = SystemClock()
    manifests = Manifests(journal, storage, clock, {"HO": key}, ManifestPolicy({"HO": 30}),
                          tmp_path / "spool" / "manifests")  # fmt: skip
    uploader = Uploader(journal, storage, clock, UploadPolicy(workers=1), rng=random.Random(1),
                        manifests=manifests)  # fmt: skip
    uploader.tick()
    manifests.flush()

    (json_key,) = [o.key for o in storage.list("manifests/") if o.key.endswith(".json")]
    public = PublicKey(key.key_id, public_raw(key.private), clock.now() - timedelta(days=1))
    signed = verify_signature(storage.read_range(json_key),
                              storage.read_range(json_key[:-5] + ".sig"), [public])  # fmt: skip
    records = list(signed.cameras["cam-1"])
    kinds = [r.kind for r in records]
    assert kinds[:2] == [RecordKind.GENESIS, RecordKind.GAP] and kinds.count(RecordKind.GAP) == 1
    assert RecordKind.SEGMENT in kinds
    assert verify_chain(records, signed.anchors()) == []
    (gap,) = honest_gaps(records)
    assert gap.kind is FindingKind.GAP and gap.detail.endswith("(unreachable)")
    gap_record = records[1]
    assert gap_record.end is not None and gap_record.start is not None
    assert timedelta(seconds=1) <= gap_record.end - gap_record.start <= timedelta(seconds=40)
    first_segment = next(r for r in records if r.kind is RecordKind.SEGMENT)
    assert first_segment.start is not None and first_segment.start >= gap_record.start
