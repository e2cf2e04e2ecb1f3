"""What the journal's rows say about the edge: the backlog, the last upload, the
upload rate and compression ratio (``vms status``, the edge report), and the
numbers the adaptive compressor and the idle-link rule weigh. Read-only."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge_uploader.journal.uploads import among
from edge_uploader.lifecycle import PENDING, SegmentState
from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms

S = SegmentState


@dataclass(frozen=True, slots=True)
class Backlog:
    count: int
    bytes: int
    oldest: datetime | None
    failing: int
    dropped: int


def _marks(values: Collection[str]) -> str:
    return ",".join("?" * len(values))


class UploadStats:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def backlog(self, camera: str | None = None) -> Backlog:
        """Segments not yet in storage (of ``camera``), and those dropped for room."""
        of, args = ("AND camera = ?", (camera,)) if camera else ("", ())
        pending, states = among(PENDING)
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0), MIN(start_ms), "
                "SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END) "
                f"FROM uploads WHERE {pending} {of}",
                (*states, *args),
            ).fetchone()
            (dropped,) = db.execute(
                f"SELECT COUNT(*) FROM uploads WHERE state = ? {of}", (S.DROPPED.value, *args)
            ).fetchone()
        oldest = from_ms(row[2]) if row[2] is not None else None
        return Backlog(int(row[0]), int(row[1]), oldest, int(row[3] or 0), int(dropped))

    def last_upload(self, camera: str) -> tuple[datetime | None, str | None]:
        """When the newest segment of ``camera`` finished uploading, and its last error."""
        pending, states = among(PENDING)
        with self._db.transaction() as db:
            (done,) = db.execute(
                "SELECT MAX(finished_ms) FROM uploads WHERE camera = ? AND state = ?",
                (camera, S.UPLOADED.value),
            ).fetchone()
            err = db.execute(
                f"SELECT last_error FROM uploads WHERE camera = ? AND {pending} "
                "AND last_error IS NOT NULL ORDER BY start_ms DESC LIMIT 1",
                (camera, *states),
            ).fetchone()
        return (from_ms(done) if done else None), (err[0] if err else None)

    def uploaded_since(self, since: datetime, site: str) -> int:
        """Bytes of the site's segments whose upload finished at or after ``since``."""
        return int(self._one(
            "SELECT COALESCE(SUM(size), 0) FROM uploads WHERE state = ? AND site = ? "
            "AND finished_ms >= ?",
            (S.UPLOADED.value, site, to_ms(since)),
        )[0])  # fmt: skip

    def compression(self, site: str, since: datetime) -> tuple[int, int]:
        """(bytes as recorded, bytes uploaded) of the site's uploads since ``since``."""
        recorded, sent = self._one(
            "SELECT COALESCE(SUM(COALESCE(recorded_size, size)), 0), COALESCE(SUM(size), 0) "
            "FROM uploads WHERE state = ? AND site = ? AND finished_ms >= ?",
            (S.UPLOADED.value, site, to_ms(since)),
        )
        return int(recorded), int(sent)

    def recorded_since(self, since: datetime, cameras: Collection[str]) -> int:
        """Bytes as recorded of the segments of ``cameras`` journalled since ``since``."""
        return int(self._one(
            "SELECT COALESCE(SUM(COALESCE(recorded_size, size)), 0) FROM uploads "
            f"WHERE enqueued_ms >= ? AND camera IN ({_marks(cameras)})",
            (to_ms(since), *cameras),
        )[0])  # fmt: skip

    def compression_backlog(self, cameras: Collection[str]) -> tuple[int, int, int]:
        """Of the pending footage of ``cameras``: all its bytes, and how many of its
        segments (and bytes) wait for the compressor."""
        pending, states = among(PENDING)
        waiting = "state = ?"
        pending_bytes, count, waiting_bytes = self._one(
            "SELECT COALESCE(SUM(size), 0), "
            f"COALESCE(SUM(CASE WHEN {waiting} THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN {waiting} THEN size ELSE 0 END), 0) "
            f"FROM uploads WHERE {pending} AND camera IN ({_marks(cameras)})",
            (S.WAITING.value, S.WAITING.value, *states, *cameras),
        )
        return int(pending_bytes), int(count), int(waiting_bytes)

    def recent_enqueued(self, camera: str, limit: int = 10) -> list[datetime]:
        """When the newest ``limit`` files of ``camera`` came in, newest first (an
        NVR folder's rhythm: how long a silence is unusual)."""
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                "SELECT enqueued_ms FROM uploads WHERE camera = ? "
                "ORDER BY enqueued_ms DESC LIMIT ?",
                (camera, limit),
            ).fetchall()
        return [from_ms(row[0]) for row in rows]

    def _one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
        with self._db.transaction(write=False) as db:
            return tuple(db.execute(sql, args).fetchone())
