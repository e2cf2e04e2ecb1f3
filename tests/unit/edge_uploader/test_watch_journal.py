"""The folder watcher's rows in the spool journal (real SQLite file)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.journal import Journal
from edge_uploader.journal.watched import NewUpload, WatchedFile
from edge_uploader.lifecycle import SegmentState
from edge_uploader.spool import Spool
from footage.watch_account import DropReason, FileOutcome

NOW = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
START = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "spool" / "journal.sqlite3")
    j.initialize()
    return j


def test_a_row_round_trips_every_field(journal: Journal, tmp_path: Path) -> None:
    entry = WatchedFile(
        tmp_path / "nvr" / "ch01.dav", 123, 456, FileOutcome.QUARANTINED, "cam1",
        DropReason.DUPLICATE, {"earlier": "a.dav"}, "duplikat / duplicate", "raw", "ab" * 32,
        START, tmp_path / "ready" / "x.mp4", tmp_path / "ready" / "x.original.avi", True,
        NOW, NOW + timedelta(seconds=1),
    )  # fmt: skip
    assert journal.watched.get(entry.path) is None
    journal.watched.remember(entry)
    assert journal.watched.get(entry.path) == entry


def test_rows_of_a_folder_are_only_its_own(journal: Journal, tmp_path: Path) -> None:
    for name in ("nvr/a.mp4", "nvr/sub/b.mp4", "nvr2/c.mp4", "nvr.mp4"):
        journal.watched.remember(WatchedFile(tmp_path / name, 1, 1, FileOutcome.WAITING))
    rows = journal.watched.under(tmp_path / "nvr")
    assert sorted(rows) == [tmp_path / "nvr" / "a.mp4", tmp_path / "nvr" / "sub" / "b.mp4"]


def test_a_file_an_older_version_skipped_is_looked_at_again(
    journal: Journal, tmp_path: Path
) -> None:
    path = tmp_path / "nvr" / "old.mkv"
    with sqlite3.connect(journal.path) as db:  # what the watcher wrote before accounts
        db.execute(
            "INSERT INTO watched_files (path, size, mtime_ns, outcome, reason) "
            "VALUES (?, 5, 6, 'skipped', 'not video')",
            (str(path),),
        )
    row = journal.watched.get(path)
    assert row is not None and (row.size, row.mtime_ns) == (5, 6) and not row.taken
    assert row.outcome is FileOutcome.WAITING  # it gets a reason people understand


def test_taking_journals_uploads_and_row_at_once(journal: Journal, tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool", journal, 10**9, 0)
    segment, original = spool.import_names("cam1", START, "avi")
    assert (segment.name, original.name) == (
        "20261125T010000Z.mp4",
        "20261125T010000Z.original.avi",
    )
    entry = WatchedFile(tmp_path / "nvr" / "a.avi", 9, 9, FileOutcome.INGESTED, "cam1",
                        sha256="cd" * 32, start=START, segment=segment,
                        original=original)  # fmt: skip
    uploads = [NewUpload(segment, "cam1", "HO", START, 100, {"original": "k"}, "copy"),
               NewUpload(original, "cam1", "HO", START, 50, {"segment": "ef"}, "copy")]  # fmt: skip
    journal.watched.take(entry, uploads, NOW)
    assert journal.watched.get(entry.path) == entry
    assert journal.uploads.upload_state(segment) == (SegmentState.READY, None)  # to go up
    assert journal.uploads.upload_metadata(original) == {"segment": "ef"}
    assert journal.uploads.item(segment).profile == "copy"  # not compressed again at the edge
    assert journal.watched.taken_with("cam1", "cd" * 32) == entry
    assert journal.watched.taken_with("cam2", "cd" * 32) is None
    # the names are taken now: the next file of that start gets the next second's
    assert spool.import_names("cam1", START, None)[0].name == "20261125T010001Z.mp4"


def test_a_failed_take_journals_nothing(journal: Journal, tmp_path: Path) -> None:
    ready = tmp_path / "spool" / "ready" / "cam1" / "20261125T010000Z.mp4"
    entry = WatchedFile(tmp_path / "nvr" / "a.mp4", 9, 9, FileOutcome.INGESTED, "cam1",
                        segment=ready)  # fmt: skip
    twice = [
        NewUpload(ready, "cam1", "HO", START, 1, {}),
        NewUpload(ready, "cam1", "HO", START, 1, {}),
    ]
    with pytest.raises(sqlite3.IntegrityError):
        journal.watched.take(entry, twice, NOW)
    assert journal.watched.get(entry.path) is None and not journal.uploads.known(ready)


def test_a_staged_file_is_adopted_after_a_crash_or_dropped(
    journal: Journal, tmp_path: Path
) -> None:
    spool = Spool(tmp_path / "spool", journal, 10**9, 0)
    [kept] = spool.import_names("cam1", START, None)
    spool.staged(kept).write_bytes(b"journalled")
    journal.watched.take(WatchedFile(tmp_path / "nvr" / "a.mp4", 1, 1, FileOutcome.INGESTED),
                         [NewUpload(kept, "cam1", "HO", START, 10, {})], NOW)  # fmt: skip
    stray = kept.with_name("20261125T020000Z.mp4")
    spool.staged(stray).write_bytes(b"never journalled")
    spool.reconcile({"cam1": "HO"}, NOW)  # kill -9 before the rename: vms up again
    assert kept.read_bytes() == b"journalled"
    assert not spool.staged(stray).exists() and not stray.exists()
    assert journal.uploads.upload_state(kept) == (SegmentState.RECORDED, None)  # to go up


def test_a_scan_reads_only_files_not_deleted_and_the_account_keeps_all(
    journal: Journal, tmp_path: Path
) -> None:
    folder = tmp_path / "nvr"
    for n in range(3):
        journal.watched.remember(WatchedFile(folder / f"{n}.mp4", 1, 1, FileOutcome.INGESTED,
                                             deleted=n > 0))  # fmt: skip
    assert list(journal.watched.under(folder)) == [folder / "0.mp4"]
    assert journal.watched.get(folder / "2.mp4").deleted  # a file dropped again is looked up
    assert journal.watched.counts(folder) == {"ingested": 3}
