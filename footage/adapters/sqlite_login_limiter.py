"""The login limiter in the users database (``<data-dir>/users.sqlite3``).

Every worker process of the on-prem API counts in the same two tables. A
reservation reads the recent attempts and inserts its own in one write
transaction (``BEGIN IMMEDIATE``), so parallel guesses in any process are
counted one after the other and at most the limit of them are checked.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms
from footage.errors import CatalogError, RateLimited
from footage.ratelimit import Attempt, LoginLimiter, LoginPolicy, Recent, wait_before

_SCHEMA = """
CREATE TABLE IF NOT EXISTS login_attempts (
    id       INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    client   TEXT NOT NULL,
    at_ms    INTEGER NOT NULL,
    pending  INTEGER NOT NULL       -- 1: a check in flight, 0: a failed login
);
CREATE INDEX IF NOT EXISTS login_attempts_user ON login_attempts (username, at_ms);
CREATE INDEX IF NOT EXISTS login_attempts_client ON login_attempts (client, at_ms);
CREATE INDEX IF NOT EXISTS login_attempts_age ON login_attempts (pending, at_ms);
CREATE TABLE IF NOT EXISTS login_trusted (  -- clients that logged in as the user
    username TEXT NOT NULL,
    client   TEXT NOT NULL,
    until_ms INTEGER NOT NULL,
    PRIMARY KEY (username, client)
) WITHOUT ROWID;
"""
_ATTEMPT = "SELECT id, username, client, at_ms, pending FROM login_attempts"


class SqliteLoginLimiter(LoginLimiter):
    def __init__(self, path: Path, policy: LoginPolicy | None = None) -> None:
        super().__init__(policy)
        self._db = SqliteDatabase(path, "synchronous=NORMAL", private=True)

    def initialize(self) -> None:
        self._db.create(_SCHEMA)

    def reserve(self, username: str, client: str, now: datetime) -> Attempt:
        try:
            with self._db.transaction() as db:
                self._prune(db, now)
                wait = wait_before(self.policy, username, client,
                                   self._recent(db, username, client, now), now)  # fmt: skip
                if wait is None:
                    row_id = db.execute(
                        "INSERT INTO login_attempts (username, client, at_ms, pending) "
                        "VALUES (?, ?, ?, 1)", (username, client, to_ms(now)),
                    ).lastrowid  # fmt: skip
        except sqlite3.Error as exc:
            raise CatalogError(f"login limiter {self._db.path}: {exc}") from exc
        if wait is not None:
            raise RateLimited(wait)
        assert row_id is not None
        return Attempt(row_id, username, client, now)

    def failed(self, attempt: Attempt, now: datetime) -> None:
        # REPLACE: counted even if a check so slow that its reservation expired
        self._write(
            "INSERT OR REPLACE INTO login_attempts (id, username, client, at_ms, pending) "
            "VALUES (?, ?, ?, ?, 0)", (attempt.id, attempt.username, attempt.client, to_ms(now)),
        )  # fmt: skip

    def succeeded(self, attempt: Attempt, now: datetime) -> None:
        until = to_ms(now + self.policy.trusted_for)
        try:
            with self._db.transaction() as db:
                db.execute(
                    "DELETE FROM login_attempts WHERE id = ? "
                    "OR (username = ? AND client = ? AND pending = 0)",
                    (attempt.id, attempt.username, attempt.client),
                )
                db.execute(
                    "INSERT INTO login_trusted VALUES (?, ?, ?) ON CONFLICT (username, client) "
                    "DO UPDATE SET until_ms = excluded.until_ms",
                    (attempt.username, attempt.client, until),
                )
        except sqlite3.Error as exc:
            raise CatalogError(f"login limiter {self._db.path}: {exc}") from exc

    def cancel(self, attempt: Attempt) -> None:
        self._write("DELETE FROM login_attempts WHERE id = ?", (attempt.id,))

    def attempts(self) -> list[Attempt]:
        """Every attempt held, oldest first (for tests and diagnostics)."""
        with self._db.transaction(write=False) as db:
            return [_attempt(row) for row in db.execute(f"{_ATTEMPT} ORDER BY id")]

    def failures_since(self, since: datetime) -> dict[str, int]:
        """Failed logins per user at or after ``since`` (the failed-logins alert)."""
        try:
            with self._db.transaction(write=False) as db:
                rows = db.execute("SELECT username, COUNT(*) FROM login_attempts WHERE pending = 0"
                                  " AND at_ms >= ? GROUP BY username",
                                  (to_ms(since),)).fetchall()  # fmt: skip
        except sqlite3.Error as exc:
            raise CatalogError(f"login limiter {self._db.path}: {exc}") from exc
        return {str(user): int(count) for user, count in rows}

    def close(self) -> None:
        self._db.close()

    def _recent(self, db: sqlite3.Connection, username: str, client: str, now: datetime) -> Recent:
        by_user = db.execute(f"{_ATTEMPT} WHERE username = ? AND at_ms > ?",
                             (username, to_ms(now - self.policy.user_window)))  # fmt: skip
        by_client = db.execute(f"{_ATTEMPT} WHERE client = ? AND at_ms > ?",
                               (client, to_ms(now - self.policy.window)))  # fmt: skip
        trusted = db.execute(
            "SELECT 1 FROM login_trusted WHERE username = ? AND client = ? AND until_ms > ?",
            (username, client, to_ms(now)),
        ).fetchone()
        return Recent([_attempt(r) for r in by_user], [_attempt(r) for r in by_client],
                      trusted is not None)  # fmt: skip

    def _prune(self, db: sqlite3.Connection, now: datetime) -> None:
        """Forget what no rule reads any more (the table stays small under attack)."""
        db.execute("DELETE FROM login_attempts WHERE pending IN (0, 1) AND at_ms <= ?",
                   (to_ms(now - self.policy.horizon),))  # fmt: skip
        db.execute("DELETE FROM login_attempts WHERE pending = 1 AND at_ms <= ?",
                   (to_ms(now - self.policy.pending_ttl),))  # fmt: skip
        db.execute("DELETE FROM login_trusted WHERE until_ms <= ?", (to_ms(now),))

    def _write(self, sql: str, params: tuple[int | str, ...]) -> None:
        try:
            with self._db.transaction() as db:
                db.execute(sql, params)
        except sqlite3.Error as exc:
            raise CatalogError(f"login limiter {self._db.path}: {exc}") from exc


def _attempt(row: tuple[int, str, str, int, int]) -> Attempt:
    row_id, username, client, at_ms, pending = row
    return Attempt(row_id, username, client, from_ms(at_ms), bool(pending))
