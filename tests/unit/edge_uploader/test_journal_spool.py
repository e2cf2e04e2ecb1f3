"""The spool journal (real SQLite file) and the on-disk spool around it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.journal import Journal
from edge_uploader.journal.uploads import Uploads
from edge_uploader.lifecycle import CompressionPlan, SegmentState
from edge_uploader.spool import FULL_HOLD, Spool
from footage.keys import build_spool_name

NOW = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "spool" / "journal.sqlite3")
    j.initialize()
    return j


@pytest.fixture
def spool(tmp_path: Path, journal: Journal) -> Spool:
    s = Spool(tmp_path / "spool", journal, quota_bytes=10_000, min_free_bytes=0)
    s.prepare(["lobby", "gate"])
    return s


def put(folder: Path, start: datetime, size: int = 100) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / build_spool_name(start)
    path.write_bytes(b"m" * size)
    return path


def ready(spool: Spool, minute: int, size: int = 100, camera: str = "lobby") -> Path:
    path = put(spool.ready_dir(camera), at(minute), size)
    spool.journal.uploads.enqueue(path, camera, "HO", at(minute), NOW)
    return path


# -- journal ---------------------------------------------------------------


def test_enqueue_is_idempotent(journal: Journal, tmp_path: Path) -> None:
    path = put(tmp_path / "ready", at(0))
    assert journal.uploads.enqueue(path, "lobby", "HO", at(0), NOW) is True
    assert journal.uploads.enqueue(path, "lobby", "HO", at(0), NOW) is False
    items = journal.uploads.due(NOW, 10)
    assert [(i.path, i.camera, i.site, i.start, i.size) for i in items] == [
        (path, "lobby", "HO", at(0), 100)
    ]
    assert journal.stats.backlog().count == 1


def test_due_ordering(journal: Journal, tmp_path: Path) -> None:
    paths = {m: put(tmp_path / "ready", at(m)) for m in (5, 1, 3)}
    for minute, path in paths.items():
        journal.uploads.enqueue(path, "lobby", "HO", at(minute), NOW)
    due = journal.uploads.due
    assert [i.start for i in due(NOW, 10)] == [at(1), at(3), at(5)]
    assert [i.start for i in due(NOW, 10, oldest_first=False)] == [at(5), at(3), at(1)]
    assert [i.start for i in due(NOW, 2)] == [at(1), at(3)]


def test_mark_failed_pushes_next_attempt(journal: Journal, tmp_path: Path) -> None:
    path = put(tmp_path / "ready", at(0))
    journal.uploads.enqueue(path, "lobby", "HO", at(0), NOW)
    journal.uploads.claim_for_upload(path)
    journal.uploads.mark_failed(path, "connection reset", NOW + timedelta(seconds=30))
    assert journal.uploads.due(NOW + timedelta(seconds=29), 10) == []
    (item,) = journal.uploads.due(NOW + timedelta(seconds=30), 10)
    assert (item.attempts, item.last_error) == (1, "connection reset")
    assert journal.stats.backlog().failing == 1
    assert journal.stats.last_upload("lobby") == (None, "connection reset")


def test_mark_uploaded_queues_ingest_once(journal: Journal, tmp_path: Path) -> None:
    first, second = put(tmp_path / "ready", at(0)), put(tmp_path / "ready", at(1))
    journal.uploads.enqueue(first, "lobby", "HO", at(0), NOW)
    journal.uploads.enqueue(second, "lobby", "HO", at(1), NOW)
    key = "segments/HO/lobby/2026/11/25/lobby_20261125T010000Z.mp4"
    journal.uploads.claim_for_upload(first)
    journal.uploads.mark_uploaded(first, key, NOW)
    journal.uploads.mark_uploaded(first, key, NOW + timedelta(seconds=5))  # a retry after a crash
    assert journal.ingest.due(NOW + timedelta(seconds=5), 10) == [key]
    assert journal.ingest.backlog() == 1
    assert journal.uploads.paths(SegmentState.UPLOADED) == [first]
    assert [i.path for i in journal.uploads.due(NOW, 10)] == [second]
    assert journal.stats.last_upload("lobby")[0] == NOW + timedelta(seconds=5)
    journal.ingest.finish(key, "indexed")
    assert journal.ingest.backlog() == 0
    assert journal.ingest.due(NOW + timedelta(days=1), 10) == []


def test_retry_ingest_waits(journal: Journal, tmp_path: Path) -> None:
    path = put(tmp_path / "ready", at(0))
    journal.uploads.enqueue(path, "lobby", "HO", at(0), NOW)
    journal.uploads.claim_for_upload(path)
    journal.uploads.mark_uploaded(path, "k", NOW)
    journal.ingest.retry("k", "index locked", NOW + timedelta(minutes=1))
    assert journal.ingest.due(NOW, 10) == []
    assert journal.ingest.due(NOW + timedelta(minutes=1), 10) == ["k"]


# -- spool -----------------------------------------------------------------


def test_finalize_moves_rec_to_ready_and_journals(spool: Spool) -> None:
    src = put(spool.recording_dir("lobby"), at(0), 321)
    target = spool.finalize(src, "lobby", "HO", NOW)
    assert target == spool.ready_dir("lobby") / src.name
    assert not src.exists()
    assert target.read_bytes() == b"m" * 321
    (item,) = spool.journal.uploads.due(NOW, 10)
    assert (item.path, item.camera, item.site, item.start, item.size) == (
        target, "lobby", "HO", at(0), 321,
    )  # fmt: skip


def test_finalize_with_explicit_start_renames(spool: Spool) -> None:
    src = put(spool.recording_dir("lobby"), at(0) + timedelta(seconds=7))
    target = spool.finalize(src, "lobby", "HO", NOW, start=at(0))
    assert target is not None and target.name == build_spool_name(at(0))
    assert [i.start for i in spool.journal.uploads.due(NOW, 10)] == [at(0)]


def test_finalize_never_overwrites_a_waiting_file(spool: Spool) -> None:
    waiting = ready(spool, 0, size=10)
    src = put(spool.recording_dir("lobby"), at(0), 20)
    target = spool.finalize(src, "lobby", "HO", NOW)
    assert target is not None and target != waiting
    assert target.name == build_spool_name(at(0) + timedelta(seconds=1))
    assert waiting.read_bytes() == b"m" * 10
    assert len(spool.journal.uploads.due(NOW, 10)) == 2


def test_finalize_removes_empty_file(spool: Spool) -> None:
    src = put(spool.recording_dir("lobby"), at(0), 0)
    assert spool.finalize(src, "lobby", "HO", NOW) is None
    assert not src.exists()
    assert list(spool.ready_dir("lobby").iterdir()) == []
    assert spool.journal.uploads.due(NOW, 10) == []


def test_finalize_ignores_unexpected_names(spool: Spool) -> None:
    src = spool.recording_dir("lobby") / "ffmpeg-junk.mp4"
    src.write_bytes(b"x")
    assert spool.finalize(src, "lobby", "HO", NOW) is None
    assert src.exists()
    assert spool.journal.uploads.due(NOW, 10) == []


def test_reconcile_after_a_crash(spool: Spool) -> None:
    done = ready(spool, 0)
    spool.journal.uploads.claim_for_upload(done)
    spool.journal.uploads.mark_uploaded(done, "segments/k0", NOW)  # crashed before unlinking
    vanished = ready(spool, 1)
    vanished.unlink()
    unjournalled = put(spool.ready_dir("lobby"), at(2))  # crashed between rename and journal
    in_rec = put(spool.recording_dir("gate"), at(3))  # ffmpeg was killed mid-segment

    spool.reconcile({"lobby": "HO", "gate": "CABANG-01"}, NOW)

    assert not done.exists()
    assert spool.journal.uploads.paths(SegmentState.LOST) == [vanished]
    due = spool.journal.uploads.due(NOW, 10)
    assert [(i.path, i.camera, i.site) for i in due] == [
        (unjournalled, "lobby", "HO"),
        (spool.ready_dir("gate") / in_rec.name, "gate", "CABANG-01"),
    ]
    assert not in_rec.exists()


def test_only_a_restart_takes_back_an_encode_in_progress(spool: Spool) -> None:
    spool.journal.plan.publish(CompressionPlan(frozenset({"lobby"})))  # lobby compresses
    path = ready(spool, 0)
    assert spool.journal.uploads.claim_encode(path, "cctv-h264")  # the compressor has it

    other = Journal(spool.journal.path)  # vms status, vms evidence: another process
    other.initialize()
    item = spool.journal.uploads.item(path)
    assert (item.state, item.profile) == (SegmentState.ENCODING, "cctv-h264")

    spool.reconcile({"lobby": "HO"}, NOW)  # vms up starting after a crash
    item = spool.journal.uploads.item(path)
    assert (item.state, item.profile) == (SegmentState.WAITING, None)  # undecided again


def test_reconcile_twice_changes_nothing(spool: Spool) -> None:
    ready(spool, 0)
    put(spool.ready_dir("lobby"), at(1))
    spool.reconcile({"lobby": "HO"}, NOW)
    first = spool.journal.uploads.due(NOW, 10)
    spool.reconcile({"lobby": "HO"}, NOW)
    assert spool.journal.uploads.due(NOW, 10) == first
    assert len(first) == 2


def test_enforce_quota_drops_oldest_pending_first(spool: Spool) -> None:
    spool.quota_bytes = 250
    failing = ready(spool, 0)
    spool.journal.uploads.claim_for_upload(failing)
    spool.journal.uploads.mark_failed(failing, "offline", NOW + timedelta(hours=1))  # still pending
    second, third, fourth = ready(spool, 1), ready(spool, 2, camera="gate"), ready(spool, 3)

    result = spool.enforce_quota(NOW)

    assert (result.dropped, result.freed_bytes, result.full) == (2, 200, True)
    assert spool.full is True
    assert not failing.exists() and not second.exists()
    assert third.exists() and fourth.exists()
    assert sorted(spool.journal.uploads.paths(SegmentState.DROPPED)) == sorted([failing, second])
    assert [i.path for i in spool.journal.uploads.due(NOW, 10)] == [third, fourth]
    assert spool.journal.stats.backlog().dropped == 2


def test_enforce_quota_never_touches_non_pending_rows(spool: Spool) -> None:
    spool.quota_bytes = 150
    done = ready(spool, 0, size=500)  # uploaded; its file not yet removed
    spool.journal.uploads.claim_for_upload(done)
    spool.journal.uploads.mark_uploaded(done, "segments/k0", NOW)
    lost = ready(spool, 1)
    lost.unlink()
    spool.journal.uploads.close_row(lost, SegmentState.LOST, "file vanished", NOW)
    old, new = ready(spool, 2), ready(spool, 3)

    result = spool.enforce_quota(NOW)

    assert result.dropped == 1
    assert done.exists()
    assert spool.journal.uploads.paths(SegmentState.UPLOADED) == [done]
    assert spool.journal.uploads.paths(SegmentState.LOST) == [lost]
    assert spool.journal.uploads.paths(SegmentState.DROPPED) == [old]
    assert new.exists()


def test_within_quota_nothing_dropped_and_full_clears_after_the_hold(spool: Spool) -> None:
    """After a drop the flag stays up (an alert must not flicker off as soon as the
    drop made room for the next segment), and clears FULL_HOLD after the last one."""
    spool.quota_bytes = 150
    ready(spool, 0)
    ready(spool, 1)
    assert spool.enforce_quota(NOW).full is True
    result = spool.enforce_quota(NOW + FULL_HOLD - timedelta(seconds=1))
    assert (result.dropped, result.full) == (0, True)
    result = spool.enforce_quota(NOW + FULL_HOLD)
    assert (result.dropped, result.full) == (0, False)
    assert spool.full is False
    assert len(spool.journal.uploads.due(NOW, 10)) == 1


def test_log_bytes_count_in_the_quota(tmp_path: Path, journal: Journal) -> None:
    """Logs share the spool's disk: the recorders' ffmpeg logs and the folders of
    the children's and nginx's logs count as used, so footage is dropped sooner."""
    logs = tmp_path / "data" / "logs"
    logs.mkdir(parents=True)
    spool = Spool(tmp_path / "spool", journal, quota_bytes=450, min_free_bytes=0,
                  log_dirs=[logs, tmp_path / "data" / "relay" / "logs"])  # fmt: skip
    spool.prepare(["lobby"])
    old, new = ready(spool, 0), ready(spool, 1)
    (spool.recording_dir("lobby") / ".ffmpeg.log").write_bytes(b"f" * 100)
    (logs / "api.log").write_bytes(b"a" * 100)
    assert spool.log_bytes() == 200
    assert spool.enforce_quota(NOW).dropped == 0  # 200 of footage + 200 of logs
    (logs / "api.log.1").write_bytes(b"a" * 100)
    result = spool.enforce_quota(NOW)
    assert (result.dropped, result.full) == (1, True)
    assert not old.exists() and new.exists()


def test_a_disk_short_of_free_space_drops_and_alerts_with_nothing_left(
    spool: Spool,
) -> None:
    spool.min_free_bytes = 1 << 62  # more than any disk has
    waiting = ready(spool, 0)
    result = spool.enforce_quota(NOW)
    assert (result.dropped, result.full) == (1, True) and not waiting.exists()
    later = spool.enforce_quota(NOW + FULL_HOLD * 2)  # nothing to drop: still an alert
    assert (later.dropped, later.full) == (0, True)


class FullUploads(Uploads):
    """The journal of a disk full to the last byte: writes fail until ``full`` clears."""

    full = True

    def enqueue_now(
        self, path: Path, camera: str, site: str, start: datetime, now: datetime
    ) -> bool:
        if self.full:
            raise sqlite3.OperationalError("database or disk is full")
        return super().enqueue_now(path, camera, site, start, now)


def test_a_segment_the_journal_cannot_take_yet_waits_in_ready(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    journal.uploads = uploads = FullUploads(journal.db, journal.plan)
    spool = Spool(tmp_path / "spool", journal, quota_bytes=10_000, min_free_bytes=0)
    spool.prepare(["lobby"])
    src = put(spool.recording_dir("lobby"), at(0), 42)
    target = spool.finalize(src, "lobby", "HO", NOW)  # no exception: recording goes on
    assert target is not None and target.exists() and uploads.due(NOW, 10) == []
    spool.enforce_quota(NOW)
    assert uploads.due(NOW, 10) == []  # still full: it keeps waiting
    uploads.full = False
    spool.enforce_quota(NOW)
    assert [(i.path, i.size) for i in uploads.due(NOW, 10)] == [(target, 42)]


def test_finalize_does_not_reuse_the_name_of_an_uploaded_segment(spool: Spool) -> None:
    """A clock stepped back (NTP after booting with a wrong RTC) repeats a start time.

    The new file must still be journalled, under a free name (and so a free key),
    not left in ``ready`` forever behind the old row."""
    uploaded = ready(spool, 0)
    spool.journal.uploads.claim_for_upload(uploaded)
    spool.journal.uploads.mark_uploaded(uploaded, "segments/k0", NOW)
    uploaded.unlink()
    src = put(spool.recording_dir("lobby"), at(0), 42)

    target = spool.finalize(src, "lobby", "HO", NOW)

    assert target is not None and target != uploaded
    (item,) = spool.journal.uploads.due(NOW, 10)
    assert (item.path, item.size) == (target, 42)
    assert item.start == at(0) + timedelta(seconds=1)


def _mp4(fragments: int, cut: int = 0) -> bytes:
    def box(kind: bytes, payload: int) -> bytes:
        return (8 + payload).to_bytes(4, "big") + kind + b"\0" * payload

    data = box(b"ftyp", 16) + box(b"moov", 200) + (box(b"moof", 50) + box(b"mdat", 900)) * fragments
    return data[: len(data) - cut] if cut else data


def test_a_segment_ffmpeg_did_not_close_loses_its_half_written_fragment(spool: Spool) -> None:
    """ffmpeg stopped mid-fragment (a full disk, a crash): the file is cut back to its
    last whole fragment, so it plays to its end; a closed segment is left as it is."""
    src = put(spool.recording_dir("lobby"), at(0))
    src.write_bytes(_mp4(3, cut=400))
    target = spool.finalize(src, "lobby", "HO", NOW, cut_off=True)
    assert target is not None and target.read_bytes() == _mp4(2)
    (item,) = spool.journal.uploads.due(NOW, 10)
    assert item.size == len(_mp4(2))
    closed = put(spool.recording_dir("lobby"), at(1))
    closed.write_bytes(_mp4(3))
    target = spool.finalize(closed, "lobby", "HO", NOW, cut_off=True)
    assert target is not None and target.read_bytes() == _mp4(3)


def test_reconcile_trims_what_a_crash_left_recording(spool: Spool) -> None:
    left = put(spool.recording_dir("lobby"), at(0))
    left.write_bytes(_mp4(2, cut=10))
    spool.reconcile({"lobby": "HO"}, NOW)
    (item,) = spool.journal.uploads.due(NOW, 10)
    assert item.path.read_bytes() == _mp4(1)
