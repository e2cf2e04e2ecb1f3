"""The folder watcher's part of the spool journal: every dropped file's account.

A row per dropped file (by path): its outcome and reason, the size and mtime it
had then, and for a file taken, the SHA-256 of the source, the start it was
given and the spool files of its upload rows. Taking a file journals its
uploads and its row in one transaction, so a crash leaves it either not taken
(it is taken again) or taken once; the source is deleted only after the
journal says every upload of it is done (the uploader verified the stored
object), so ``kill -9`` at any point loses nothing and ingests nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from edge_uploader.full_disk import waits_for_room
from edge_uploader.journal.plan import read_plan
from edge_uploader.journal.uploads import insert
from edge_uploader.lifecycle import SegmentRow, journalled
from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms
from footage.watch_account import DropReason, FileOutcome

WATCH_COLUMNS = {
    "camera": "TEXT", "code": "TEXT", "params": "TEXT", "detail": "TEXT", "sha256": "TEXT",
    "start_ms": "INTEGER", "segment": "TEXT", "original": "TEXT",
    "deleted": "INTEGER NOT NULL DEFAULT 0", "since_ms": "INTEGER", "updated_ms": "INTEGER",
}  # fmt: skip
_FIELDS = (
    "path, size, mtime_ns, outcome, reason, camera, code, params, detail, sha256, start_ms, "
    "segment, original, deleted, since_ms, updated_ms"
)


@dataclass(frozen=True, slots=True)
class WatchedFile:
    path: Path
    size: int
    mtime_ns: int
    outcome: FileOutcome
    camera: str = ""
    code: DropReason | None = None
    params: dict[str, str] = field(default_factory=dict)
    reason: str | None = None  # both languages (footage.watch_account.reason_text)
    detail: str | None = None
    sha256: str | None = None  # of the source, as taken
    start: datetime | None = None  # given to the version taken
    segment: Path | None = None  # the spool file of its segment's upload row
    original: Path | None = None  # the spool file of its original's, if transcoded
    deleted: bool = False  # the source was deleted by us
    since: datetime | None = None  # in this state (and size) since
    updated: datetime | None = None

    @property
    def taken(self) -> bool:
        return self.segment is not None


@dataclass(frozen=True, slots=True)
class NewUpload:
    """An upload row a taken file adds (its segment, or its original)."""

    path: Path  # in ``ready`` (where it is renamed right after the commit)
    camera: str
    site: str
    start: datetime
    size: int
    metadata: dict[str, str]
    profile: str | None = None  # "copy": never compressed at the edge


#: Outcomes an older watcher wrote: a file it skipped is looked at again (and given
#: a reason people understand); one it took stays taken.
_OLD_OUTCOMES = {"skipped": FileOutcome.WAITING}


def _entry(r: Sequence[Any]) -> WatchedFile:
    known = r[3] in FileOutcome.__members__.values()
    outcome = r[3] if known else _OLD_OUTCOMES.get(r[3], FileOutcome.INGESTED)
    code = DropReason(r[6]) if r[6] in DropReason.__members__.values() else None
    return WatchedFile(
        Path(r[0]), int(r[1]), int(r[2]), FileOutcome(outcome), r[5] or "", code,
        json.loads(r[7]) if r[7] else {}, r[4], r[8], r[9],
        from_ms(r[10]) if r[10] is not None else None, Path(r[11]) if r[11] else None,
        Path(r[12]) if r[12] else None, bool(r[13]),
        from_ms(r[14]) if r[14] is not None else None,
        from_ms(r[15]) if r[15] is not None else None,
    )  # fmt: skip


def _values(e: WatchedFile) -> tuple[Any, ...]:
    return (
        str(e.path), e.size, e.mtime_ns, e.outcome.value, e.reason, e.camera,
        e.code.value if e.code else None, json.dumps(e.params) if e.params else None, e.detail,
        e.sha256, to_ms(e.start) if e.start else None, str(e.segment) if e.segment else None,
        str(e.original) if e.original else None, int(e.deleted),
        to_ms(e.since) if e.since else None, to_ms(e.updated) if e.updated else None,
    )  # fmt: skip


_UPSERT = f"INSERT OR REPLACE INTO watched_files ({_FIELDS}) VALUES ({','.join('?' * 16)})"


class WatchedFiles:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get(self, path: Path) -> WatchedFile | None:
        with self._db.transaction(write=False) as db:
            row = db.execute(
                f"SELECT {_FIELDS} FROM watched_files WHERE path = ?", (str(path),)
            ).fetchone()
        return _entry(row) if row else None

    def under(self, folder: Path) -> dict[Path, WatchedFile]:
        """The rows under ``folder`` whose file we have not deleted (rows of older
        versions included): a folder's history does not slow its scans down."""
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                f"SELECT {_FIELDS} FROM watched_files WHERE deleted = 0 AND path >= ? AND path < ?",
                _under(folder),
            ).fetchall()
        return {Path(r[0]): _entry(r) for r in rows}

    def counts(self, folder: Path) -> dict[str, int]:
        """Files ever dropped under ``folder``, per outcome."""
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                "SELECT outcome, COUNT(*) FROM watched_files WHERE path >= ? AND path < ? "
                "GROUP BY outcome",
                _under(folder),
            ).fetchall()
        return {str(outcome): int(n) for outcome, n in rows}

    def listed(self, folder: Path, limit: int) -> list[WatchedFile]:
        """Every file still waiting, then the latest with a reason (up to ``limit``)."""
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                f"SELECT {_FIELDS} FROM watched_files WHERE path >= ? AND path < ? "
                "AND (outcome = 'waiting' OR code IS NOT NULL) "
                "ORDER BY outcome = 'waiting' DESC, updated_ms DESC LIMIT ?",
                (*_under(folder), limit),
            ).fetchall()
        return [_entry(r) for r in rows]

    @waits_for_room
    def remember(self, entry: WatchedFile) -> None:
        with self._db.transaction() as db:
            db.execute(_UPSERT, _values(entry))

    @waits_for_room
    def take(self, entry: WatchedFile, uploads: Sequence[NewUpload], now: datetime) -> None:
        """Journal a taken file's uploads and its row in one transaction."""
        with self._db.transaction() as db:
            held = read_plan(db).held
            for up in uploads:
                state = journalled(up.camera, held, up.profile)
                row = SegmentRow(up.path, up.camera, up.site, up.start, up.size, state,
                                 profile=up.profile)  # fmt: skip
                insert(db, row, now, up.metadata, once=True)
            db.execute(_UPSERT, _values(entry))

    def taken_with(self, camera: str, sha256: str) -> WatchedFile | None:
        """The file of ``camera`` taken earliest with this content, if any."""
        with self._db.transaction(write=False) as db:
            row = db.execute(
                f"SELECT {_FIELDS} FROM watched_files WHERE sha256 = ? AND camera = ? "
                "AND segment IS NOT NULL ORDER BY updated_ms LIMIT 1",
                (sha256, camera),
            ).fetchone()
        return _entry(row) if row else None


def _under(folder: Path) -> tuple[str, str]:
    """The range of paths under ``folder``: "0" is the character after "/"."""
    return f"{folder}/", f"{folder}0"
