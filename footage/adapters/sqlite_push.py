"""Web push subscriptions in SQLite (the users database on-prem: they are personal)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms
from footage.errors import CatalogError
from footage.push import MAX_PER_USER, PushSubscription, PushSubscriptions

_SCHEMA = """
CREATE TABLE IF NOT EXISTS push_subscriptions (
    endpoint TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS push_by_user ON push_subscriptions (username, created_ms);
"""
_COLUMNS = "username, endpoint, p256dh, auth, created_ms"


class SqlitePushSubscriptions(PushSubscriptions):
    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, "synchronous=NORMAL", private=True)

    def initialize(self) -> None:
        try:
            self._db.create(_SCHEMA)
        except sqlite3.Error as exc:
            raise CatalogError(f"cannot create push subscriptions {self._db.path}: {exc}") from exc

    def add(self, subscription: PushSubscription) -> None:
        s = subscription
        try:
            with self._db.transaction() as db:
                row = (s.username, s.endpoint, s.p256dh, s.auth, to_ms(s.created_at))
                db.execute(f"INSERT OR REPLACE INTO push_subscriptions ({_COLUMNS})"
                           " VALUES (?, ?, ?, ?, ?)", row)  # fmt: skip
                db.execute("DELETE FROM push_subscriptions WHERE username = ? AND endpoint NOT IN"
                           " (SELECT endpoint FROM push_subscriptions WHERE username = ?"
                           "  ORDER BY created_ms DESC LIMIT ?)",
                           (s.username, s.username, MAX_PER_USER))  # fmt: skip
        except sqlite3.Error as exc:
            raise CatalogError(f"push subscriptions {self._db.path}: {exc}") from exc

    def remove(self, username: str, endpoint: str) -> bool:
        try:
            with self._db.transaction() as db:
                cursor = db.execute(
                    "DELETE FROM push_subscriptions WHERE username = ? AND endpoint = ?",
                    (username, endpoint),
                )
        except sqlite3.Error as exc:
            raise CatalogError(f"push subscriptions {self._db.path}: {exc}") from exc
        return cursor.rowcount > 0

    def of_user(self, username: str) -> list[PushSubscription]:
        try:
            with self._db.transaction(write=False) as db:
                rows = db.execute(f"SELECT {_COLUMNS} FROM push_subscriptions WHERE username = ?"
                                  " ORDER BY created_ms", (username,)).fetchall()  # fmt: skip
        except sqlite3.Error as exc:
            raise CatalogError(f"push subscriptions {self._db.path}: {exc}") from exc
        return [PushSubscription(u, e, p, a, from_ms(ms)) for u, e, p, a, ms in rows]

    def drop(self, endpoint: str) -> None:
        try:
            with self._db.transaction() as db:
                db.execute("DELETE FROM push_subscriptions WHERE endpoint = ?", (endpoint,))
        except sqlite3.Error as exc:
            raise CatalogError(f"push subscriptions {self._db.path}: {exc}") from exc
