"""The audit trail in SQLite (``<data-dir>/audit.sqlite3``), for on-prem servers."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms
from footage.audit import AUDIT_RETENTION, AuditAction, AuditEvent, AuditLog
from footage.errors import CatalogError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    at_ms INTEGER NOT NULL, username TEXT NOT NULL, action TEXT NOT NULL,
    camera TEXT NOT NULL, site TEXT NOT NULL, client TEXT NOT NULL,
    start_ms INTEGER, end_ms INTEGER, detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at_ms);
"""


class SqliteAuditLog(AuditLog):
    def __init__(self, path: Path) -> None:
        # who watched what is personal data: the file, its -wal and -shm are 0600
        self._db = SqliteDatabase(path, "synchronous=NORMAL", private=True)

    def initialize(self) -> None:
        try:
            self._db.create(_SCHEMA)
            self._db.add_columns("audit", {"detail": "TEXT NOT NULL DEFAULT ''"})
        except sqlite3.Error as exc:
            raise CatalogError(f"cannot create audit log {self._db.path}: {exc}") from exc

    def record(self, event: AuditEvent) -> None:
        cutoff = to_ms(event.at - AUDIT_RETENTION)
        try:
            with self._db.transaction() as db:
                db.execute(
                    "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (to_ms(event.at), event.username, event.action.value, event.camera,
                     event.site, event.client, _opt_ms(event.start), _opt_ms(event.end),
                     event.detail),
                )  # fmt: skip
                db.execute("DELETE FROM audit WHERE at_ms < ?", (cutoff,))
        except sqlite3.Error as exc:
            raise CatalogError(f"audit log {self._db.path}: {exc}") from exc

    def query(self, start: datetime, end: datetime, limit: int) -> list[AuditEvent]:
        try:
            with self._db.transaction(write=False) as db:
                rows = db.execute(
                    "SELECT at_ms, username, action, camera, site, client, start_ms, end_ms,"
                    " detail FROM audit WHERE at_ms >= ? AND at_ms < ? "
                    "ORDER BY at_ms DESC LIMIT ?",
                    (to_ms(start), to_ms(end), limit),
                ).fetchall()
        except sqlite3.Error as exc:
            raise CatalogError(f"audit log {self._db.path}: {exc}") from exc
        return [
            AuditEvent(from_ms(at), user, AuditAction(action), camera, site, client,
                       None if lo is None else from_ms(lo), None if hi is None else from_ms(hi),
                       detail)
            for at, user, action, camera, site, client, lo, hi, detail in rows
        ]  # fmt: skip


def _opt_ms(moment: datetime | None) -> int | None:
    return None if moment is None else to_ms(moment)
