"""The ingest queue: each uploaded object's key until the index has it.

A key is queued in the transaction that marks its segment UPLOADED
(edge_uploader.journal.uploads), so a crash never leaves a stored segment
that nobody indexes. The local ingest worker (edge_uploader.workers) takes the
due keys and finishes each (INGESTED, with its outcome) or retries it later.
With ``uploader.ingest: cloud`` the cloud indexes uploads and nothing is queued.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from edge_uploader.full_disk import waits_for_room
from edge_uploader.lifecycle import SegmentState
from footage.adapters.sqlite_db import SqliteDatabase, to_ms

S = SegmentState


def queue_ingest(db: sqlite3.Connection, key: str, now: datetime) -> None:
    """Queue ``key`` once, inside the caller's transaction."""
    db.execute(
        "INSERT OR IGNORE INTO ingest (key, state, enqueued_ms) VALUES (?, ?, ?)",
        (key, S.UPLOADED.value, to_ms(now)),
    )


class IngestQueue:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def due(self, now: datetime, limit: int) -> list[str]:
        with self._db.transaction() as db:
            rows = db.execute(
                "SELECT key FROM ingest WHERE state = ? AND next_attempt_ms <= ? "
                "ORDER BY enqueued_ms LIMIT ?",
                (S.UPLOADED.value, to_ms(now), limit),
            ).fetchall()
        return [str(r[0]) for r in rows]

    @waits_for_room
    def finish(self, key: str, outcome: str) -> None:
        """The index has dealt with ``key`` (indexed, a duplicate, or skipped: ``outcome``)."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE ingest SET state = ?, last_error = ? WHERE key = ?",
                (S.INGESTED.value, outcome, key),
            )

    @waits_for_room
    def retry(self, key: str, error: str, retry_at: datetime) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE ingest SET attempts = attempts + 1, last_error = ?, next_attempt_ms = ? "
                "WHERE key = ?",
                (error[:1000], to_ms(retry_at), key),
            )

    def backlog(self) -> int:
        """Keys waiting for the index."""
        with self._db.transaction() as db:
            (count,) = db.execute(
                "SELECT COUNT(*) FROM ingest WHERE state = ?", (S.UPLOADED.value,)
            ).fetchone()
        return int(count)
