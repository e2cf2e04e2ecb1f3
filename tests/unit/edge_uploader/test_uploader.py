"""The uploader over a real journal and spool, against fake and real storage."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.journal import Journal
from edge_uploader.lifecycle import SegmentRow, SegmentState
from edge_uploader.spool import Spool
from edge_uploader.uploader import Uplink, Uploader, UploadPolicy, upload_policy
from footage.adapters.filesystem import FilesystemStorage
from footage.bandwidth import TokenBucket
from footage.clock import FixedClock
from footage.config import UploaderConfig
from footage.errors import StorageError
from footage.keys import build_segment_key, build_spool_name, variant_of
from footage.models import ObjectInfo
from footage.storage import (
    META_CAMERA,
    META_PROFILE,
    META_SHA256,
    META_SITE,
    META_START,
    Storage,
)
from tests.unit.fakes import FakeStorage, FakeTime

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=30)
POLICY = UploadPolicy(workers=1, retry_initial_s=2.0, retry_max_s=300.0)


@dataclass
class Edge:
    spool: Spool
    journal: Journal
    clock: FixedClock

    def record(self, minute: int, data: bytes = b"", camera: str = "lobby") -> Path:
        start = T0 + timedelta(minutes=minute)
        src = self.spool.recording_dir(camera) / build_spool_name(start)
        src.write_bytes(data or f"footage of minute {minute}".encode() * 100)
        target = self.spool.finalize(src, camera, "HO", self.clock.now())
        assert target is not None
        return target

    def uploader(self, storage: Storage, policy: UploadPolicy = POLICY) -> Uploader:
        return Uploader(self.journal, storage, self.clock, policy, rng=random.Random(42))

    def next_attempt(self, path: Path) -> datetime:
        with sqlite3.connect(self.journal.path) as db:
            (ms,) = db.execute(
                "SELECT next_attempt_ms FROM uploads WHERE path = ?", (str(path),)
            ).fetchone()
        return datetime.fromtimestamp(ms / 1000, UTC)

    def row(self, path: Path) -> SegmentRow:
        (item,) = [i for i in self.journal.uploads.next_to_drop(100) if i.path == path]
        return item


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Edge]:
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    spool = Spool(tmp_path / "spool", journal, quota_bytes=10**9, min_free_bytes=0)
    spool.prepare(["lobby", "gate"])
    yield Edge(spool, journal, FixedClock(NOW))


def sha256(path_or_bytes: Path | bytes) -> str:
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return hashlib.sha256(data).hexdigest()


def test_failures_back_off_then_upload(edge: Edge) -> None:
    path = edge.record(0)
    content = path.read_bytes()
    storage = FakeStorage(fail_puts=2)
    uploader = edge.uploader(storage)

    assert uploader.tick() == 0
    first = edge.row(path)
    assert first.attempts == 1
    assert "simulated outage" in (first.last_error or "")
    assert first.sha256 == sha256(content)  # hashed once, kept in the journal
    assert edge.next_attempt(path) == NOW + timedelta(seconds=2)  # attempt 1: the initial delay
    assert uploader.tick() == 0  # not due yet: no put attempted
    assert storage.put_calls == 1

    edge.clock.advance(seconds=2)
    assert uploader.tick() == 0
    assert edge.row(path).attempts == 2
    delay = edge.next_attempt(path) - edge.clock.now()
    assert timedelta(seconds=2) <= delay <= timedelta(seconds=4)  # attempt 2: [initial, 2*initial]
    assert "simulated outage" in str(uploader.last_error)

    edge.clock.advance(seconds=4)
    assert uploader.tick() == 1
    key = build_segment_key("HO", "lobby", T0, retention_days=180)
    assert not path.exists()
    assert list(storage.objects) == [key]
    stored = storage.objects[key]
    assert stored.data == content
    assert stored.metadata == {
        META_SHA256: sha256(content),
        META_CAMERA: "lobby",
        META_SITE: "HO",
        META_PROFILE: "copy",  # as recorded
        META_START: "20261125T010000Z",
    }
    assert edge.journal.ingest.due(edge.clock.now(), 10) == [key]
    assert edge.journal.uploads.paths(SegmentState.UPLOADED) == [path]
    assert edge.journal.stats.backlog().count == 0
    assert (uploader.uploaded, uploader.uploaded_bytes, uploader.last_error) == (
        1, len(content), None,
    )  # fmt: skip


def test_wrong_size_on_read_back_is_a_verification_error(edge: Edge) -> None:
    path = edge.record(0)
    storage = FakeStorage(head_size_delta=-1)  # e.g. a truncated object on a flaky NAS
    uploader = edge.uploader(storage)
    assert uploader.tick() == 0
    assert path.exists()
    row = edge.row(path)
    assert row.attempts == 1
    assert "verification failed" in (row.last_error or "")
    assert edge.journal.ingest.backlog() == 0

    storage.head_size_delta = 0
    edge.clock.advance(seconds=2)
    assert uploader.tick() == 1
    assert not path.exists()


def test_object_missing_after_put_is_a_verification_error(edge: Edge) -> None:
    class Forgetful(FakeStorage):
        def head(self, key: str) -> ObjectInfo | None:
            return None

    path = edge.record(0)
    uploader = edge.uploader(Forgetful())
    assert uploader.tick() == 0
    assert path.exists()
    assert "missing right after upload" in (edge.row(path).last_error or "")


def test_crash_after_put_before_journal_leaves_one_object(edge: Edge, tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    path = edge.record(0)
    key = build_segment_key("HO", "lobby", T0, retention_days=180)
    digest = sha256(path)
    storage.put_file(key, path, {META_SHA256: digest})  # then the box lost power

    assert edge.uploader(storage).tick() == 1

    assert [o.key for o in storage.list()] == [key]
    head = storage.head(key)  # not written again (segments are write-once): as first put
    assert head is not None and head.metadata == {META_SHA256: digest}
    assert edge.journal.ingest.due(edge.clock.now(), 10) == [key]
    assert not path.exists()


def test_key_taken_by_other_footage_sends_the_file_apart(edge: Edge, tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    path = edge.record(0)
    key = build_segment_key("HO", "lobby", T0, retention_days=180)
    other = tmp_path / "other.mp4"
    other.write_bytes(b"someone else's bytes")
    storage.put_file(key, other, {META_SHA256: sha256(other)})
    variant = build_segment_key("HO", "lobby", T0, variant_of(sha256(path)), retention_days=180)

    assert edge.uploader(storage).tick() == 1

    assert sorted(o.key for o in storage.list()) == sorted([key, variant])
    assert storage.read_range(key) == b"someone else's bytes"  # never replaced
    assert edge.journal.ingest.due(edge.clock.now(), 10) == [variant]
    assert not path.exists()


def test_write_only_edge_that_finds_its_key_taken_sends_a_variant(edge: Edge) -> None:
    class WriteOnly(FakeStorage):  # AWS/GCS edge credentials: PutObject only
        def head(self, key: str) -> ObjectInfo | None:
            raise StorageError("AccessDenied")

    storage = WriteOnly(server_checksums=True)
    path = edge.record(0)
    data = path.read_bytes()
    key = build_segment_key("HO", "lobby", T0, retention_days=180)
    storage.put_bytes(key, data, {META_SHA256: sha256(path)})  # ours, before a crash

    assert edge.uploader(storage).tick() == 1
    assert edge.uploader(storage).tick() == 0

    variant = build_segment_key(
        "HO", "lobby", T0, variant_of(hashlib.sha256(data).hexdigest()), retention_days=180
    )
    assert sorted(storage.objects) == sorted([key, variant])  # ingest drops the duplicate
    assert storage.objects[key].data == storage.objects[variant].data == data


def test_parallel_workers_upload_everything(edge: Edge, tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    paths = [edge.record(m, camera=c) for m in range(3) for c in ("lobby", "gate")]
    uploader = edge.uploader(storage, UploadPolicy(workers=2))
    assert uploader.tick() == 6
    assert not [p for p in paths if p.exists()]
    assert len(list(storage.list("segments/retention=180/HO/lobby/"))) == 3
    assert len(list(storage.list("segments/retention=180/HO/gate/"))) == 3
    assert edge.journal.ingest.backlog() == 6


def test_newest_first_policy(edge: Edge) -> None:
    for minute in range(3):
        edge.record(minute)
    storage = FakeStorage()
    edge.uploader(storage, UploadPolicy(workers=1, oldest_first=False)).tick()
    assert [k.rsplit("_", 1)[1] for k in storage.objects] == [
        "20261125T010200Z.mp4", "20261125T010100Z.mp4", "20261125T010000Z.mp4",
    ]  # fmt: skip


def test_vanished_spool_file_is_marked_lost(edge: Edge) -> None:
    path = edge.record(0)
    path.unlink()
    storage = FakeStorage()
    assert edge.uploader(storage).tick() == 0
    assert edge.journal.uploads.paths(SegmentState.LOST) == [path]
    assert storage.put_calls == 0


def test_long_outage_keeps_retrying(edge: Edge) -> None:
    """After ~2 days offline a row has >1024 attempts; a failure must still reschedule."""
    path = edge.record(0)
    with sqlite3.connect(edge.journal.path) as db:
        db.execute("UPDATE uploads SET attempts = 1100 WHERE path = ?", (str(path),))
    uploader = edge.uploader(FakeStorage(fail_puts=1))
    assert uploader.tick() == 0
    assert edge.row(path).attempts == 1101
    delay = edge.next_attempt(path) - NOW
    assert timedelta(seconds=2) <= delay <= timedelta(seconds=300)


def test_store_verified_puts_need_no_read_back(edge: Edge) -> None:
    """Edge credentials in AWS may only PutObject: S3 checks the SHA-256 itself."""
    path = edge.record(0)
    storage = FakeStorage(server_checksums=True, head_size_delta=7)  # a head would fail
    assert edge.uploader(storage).tick() == 1
    assert storage.head_calls == 0
    assert list(storage.objects) == [build_segment_key("HO", "lobby", T0, retention_days=180)]
    assert not path.exists()


def test_cloud_ingest_mode_queues_no_local_ingest(edge: Edge) -> None:
    edge.record(0)
    policy = UploadPolicy(workers=1, queue_ingest=False)
    assert edge.uploader(FakeStorage(), policy).tick() == 1
    assert edge.journal.ingest.backlog() == 0
    assert edge.journal.stats.backlog().count == 0


def test_uploads_draw_from_their_sites_budget(edge: Edge, tmp_path: Path) -> None:
    """Real storage (a folder), real token buckets: the site's bucket sees every
    byte of its uploads, and another site's bucket none."""
    edge.record(0, b"x" * 300_000)
    edge.record(1, b"y" * 200_000)
    fake = FakeTime()
    budgets = {"HO": TokenBucket(lambda: 100_000.0, fake.clock, fake.sleep),
               "CABANG-01": TokenBucket(lambda: 100_000.0, fake.clock, fake.sleep)}  # fmt: skip
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    uploader = Uploader(edge.journal, storage, edge.clock, POLICY, link=Uplink(budgets))
    assert uploader.tick() == 2
    assert budgets["HO"].consumed == 500_000 and budgets["CABANG-01"].consumed == 0
    assert fake.now == pytest.approx(500_000 / 100_000, abs=0.3)  # 5 s at 100 kB/s


def _keys(storage: FakeStorage) -> list[str]:
    return list(storage.objects)  # insertion order: the upload order (one worker)


def test_order_evidence_first_then_oldest_or_newest(edge: Edge) -> None:
    for minute in (0, 8, 12, 20):
        edge.record(minute)
    hold = T0 + timedelta(minutes=10)
    # a hold on 01:10-01:10:30 takes the segment of 01:08 (it may run into the hold)
    assert edge.journal.uploads.mark_evidence("lobby", hold, hold + timedelta(seconds=30)) == 1
    newest = FakeStorage()
    edge.uploader(newest, UploadPolicy(workers=1, oldest_first=False)).tick()
    starts = [k.rsplit("_", 1)[1][:15] for k in _keys(newest)]
    assert starts == ["20261125T010800", "20261125T012000", "20261125T011200", "20261125T010000"]


def test_oldest_first_is_the_default_order(edge: Edge) -> None:
    for minute in (3, 1, 2):
        edge.record(minute)
    storage = FakeStorage()
    edge.uploader(storage).tick()
    assert [k.rsplit("_", 1)[1][:15] for k in _keys(storage)] == [
        "20261125T010100", "20261125T010200", "20261125T010300",
    ]  # fmt: skip
    assert upload_policy(UploaderConfig(order="newest_first")).oldest_first is False


def test_backlog_past_retention_is_deleted_not_uploaded_unless_held(edge: Edge) -> None:
    old = edge.record(0)  # T0: 30 min before NOW
    held = edge.record(15)
    fresh = edge.record(29)
    hold = T0 + timedelta(minutes=15)
    assert edge.journal.uploads.mark_evidence("lobby", hold, hold + timedelta(minutes=1)) == 1
    storage = FakeStorage()
    keep = {"lobby": timedelta(minutes=10)}  # a 10-minute retention, for the test
    uploader = Uploader(edge.journal, storage, edge.clock, replace(POLICY, retention=keep))
    assert uploader.tick() == 2 and uploader.expired == 1
    assert not old.exists() and not held.exists() and not fresh.exists()
    assert len(storage.objects) == 2  # the held one (evidence) and the fresh one
    assert edge.journal.stats.backlog().count == 0
