"""Each watch folder's account, from the journal: for ``vms status``, the edge's
published report (``status/<SITE>.json``, hence ``/api/status``) and the status page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from edge_uploader.journal.watched import WatchedFile, WatchedFiles
from footage.config import WatchFolder
from footage.redact import redact_optional
from footage.watch_account import FileOutcome, WatchedFileReport, WatchFolderReport

#: Files listed per folder: every one still waiting (up to this many), then the
#: latest others that carry a reason (quarantined, duplicates, notes).
MAX_LISTED = 20


def watch_folder_reports(
    journal: WatchedFiles, folders: Sequence[WatchFolder], cameras: Mapping[str, str]
) -> list[WatchFolderReport]:
    """``cameras`` maps each camera to its site."""
    return [_report(journal, folder, cameras.get(folder.camera, "")) for folder in folders]


def _report(journal: WatchedFiles, folder: WatchFolder, site: str) -> WatchFolderReport:
    counts = journal.counts(folder.path)
    return WatchFolderReport(
        path=str(folder.path), camera=folder.camera, site=site,
        counts={outcome.value: counts.get(outcome.value, 0) for outcome in FileOutcome},
        files=[_file(folder, row) for row in journal.listed(folder.path, MAX_LISTED)],
    )  # fmt: skip


def _file(folder: WatchFolder, row: WatchedFile) -> WatchedFileReport:
    name = row.path.relative_to(folder.path) if row.path.is_relative_to(folder.path) else row.path
    return WatchedFileReport(
        name=str(name), outcome=row.outcome.value,
        reason_code=row.code.value if row.code else None, reason_params=row.params,
        reason=row.reason, detail=redact_optional(row.detail), size=row.size,
        updated_at=row.updated,
    )  # fmt: skip


def watch_folder_lines(reports: Sequence[WatchFolderReport]) -> list[str]:
    """``vms status``: a line per folder (its counts), then one per file listed."""
    lines = []
    for report in reports:
        counts = "  ".join(f"{outcome} {n}" for outcome, n in report.counts.items() if n)
        lines.append(f"{report.site:<10} {report.camera:<16} folder {report.path}: "
                     f"{counts or 'no file yet'}")  # fmt: skip
        for file in report.files:
            detail = f"  [{file.detail}]" if file.detail else ""
            lines.append(f"{'':<10} {file.outcome.upper():<16} {file.name}: "
                         f"{file.reason or '-'}{detail}")  # fmt: skip
    return lines
