"""Resumable upload sessions (footage.storage.UploadSessions): the parts of a
large upload already stored, so a restarted uploader sends only what is missing.
Each is saved durably before the next part goes (synchronous=FULL)."""

from __future__ import annotations

from datetime import UTC, datetime

from edge_uploader.full_disk import waits_for_room
from footage.adapters.sqlite_db import SqliteDatabase, to_ms


class UploadSessions:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def load(self, key: str) -> str | None:
        with self._db.transaction() as db:
            row = db.execute("SELECT state FROM upload_sessions WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    @waits_for_room
    def save(self, key: str, state: str) -> None:
        """Durable before it returns: a part recorded here is never sent again after a crash."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO upload_sessions (key, state, updated_ms) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET state = excluded.state, "
                "updated_ms = excluded.updated_ms",
                (key, state, to_ms(datetime.now(UTC))),
            )

    @waits_for_room
    def clear(self, key: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM upload_sessions WHERE key = ?", (key,))
