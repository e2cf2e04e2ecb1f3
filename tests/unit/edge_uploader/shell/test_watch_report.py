"""Each watch folder's account, from the journal to ``vms status`` and the edge report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.journal import Journal
from edge_uploader.journal.watched import WatchedFile
from edge_uploader.shell.status import StatusReport, edge_reports
from edge_uploader.shell.watch_report import MAX_LISTED, watch_folder_lines, watch_folder_reports
from footage.config import WatchFolder
from footage.site_status import EdgeReport
from footage.watch_account import DropReason, FileOutcome, reason_text

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "spool" / "journal.sqlite3")
    j.initialize()
    return j


def _row(folder: Path, name: str, outcome: FileOutcome, code: DropReason | None, minute: int,
         **fields: object) -> WatchedFile:  # fmt: skip
    return WatchedFile(folder / name, 10, 1, outcome, "cab-1", code, {},
                       reason_text(code) if code else None,
                       updated=NOW + timedelta(minutes=minute), **fields)  # type: ignore[arg-type]  # fmt: skip


def test_a_folder_says_what_became_of_every_file(journal: Journal, tmp_path: Path) -> None:
    folder = WatchFolder(path=tmp_path / "nvr", camera="cab-1")
    rows = [
        _row(folder.path, "a.mp4", FileOutcome.INGESTED, None, 1),
        _row(folder.path, "b.mp4", FileOutcome.QUARANTINED, DropReason.EMPTY, 2),
        _row(folder.path, "sub/c.mp4", FileOutcome.WAITING, DropReason.INCOMPLETE, 0,
             detail="box 'mdat' at byte 2134 declares 1416307 bytes, 565242 are there"),
        _row(folder.path, "d.avi", FileOutcome.INGESTED, DropReason.TRANSCODED, 3),
        _row(tmp_path / "other", "e.mp4", FileOutcome.QUARANTINED, DropReason.EMPTY, 4),
    ]  # fmt: skip
    for row in rows:
        journal.watched.remember(row)
    [report] = watch_folder_reports(journal.watched, [folder], {"cab-1": "CABANG-01"})
    assert (report.camera, report.site, report.path) == ("cab-1", "CABANG-01", str(folder.path))
    assert report.counts == {"waiting": 1, "ingested": 2, "duplicate": 0, "quarantined": 1,
                             "salvaged": 0, "removed": 0}  # fmt: skip
    assert [f.name for f in report.files] == ["sub/c.mp4", "d.avi", "b.mp4"]  # waiting first
    assert report.files[2].reason == "berkas kosong / file is empty"
    lines = watch_folder_lines([report])
    assert lines[0].endswith(f"folder {folder.path}: waiting 1  ingested 2  quarantined 1")
    assert "WAITING" in lines[1] and "sub/c.mp4" in lines[1] and "[box 'mdat'" in lines[1]


def test_the_list_is_bounded(journal: Journal, tmp_path: Path) -> None:
    folder = WatchFolder(path=tmp_path / "nvr", camera="cab-1")
    for n in range(MAX_LISTED + 5):
        journal.watched.remember(_row(folder.path, f"{n}.txt", FileOutcome.QUARANTINED,
                                      DropReason.NOT_VIDEO, n))  # fmt: skip
    [report] = watch_folder_reports(journal.watched, [folder], {"cab-1": "CABANG-01"})
    assert len(report.files) == MAX_LISTED and report.files[0].name == f"{MAX_LISTED + 4}.txt"
    assert report.counts["quarantined"] == MAX_LISTED + 5


def test_each_site_publishes_its_own_folders(journal: Journal, tmp_path: Path) -> None:
    folders = [WatchFolder(path=tmp_path / "a", camera="cab-1"),
               WatchFolder(path=tmp_path / "b", camera="ho-1")]  # fmt: skip
    reports = watch_folder_reports(journal.watched, folders, {"cab-1": "CABANG-01", "ho-1": "HO"})
    status = StatusReport(running=True, spool_full=False, ingest_backlog=0, dropped_segments=0,
                          cameras=[], watch_folders=reports)  # fmt: skip
    published = {e.site: e for e in edge_reports(status, ["HO", "CABANG-01"], NOW)}
    assert [w.camera for w in published["HO"].watch_folders] == ["ho-1"]
    again = EdgeReport.model_validate_json(published["CABANG-01"].model_dump_json())
    assert [w.path for w in again.watch_folders] == [str(tmp_path / "a")]
