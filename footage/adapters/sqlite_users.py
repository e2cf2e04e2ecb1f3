"""Local accounts in SQLite (``<data-dir>/users.sqlite3``, 0600 with its -wal and
-shm: it holds the password hashes). The login limiter keeps its tables in the
same file (footage.adapters.sqlite_login_limiter)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from footage.adapters.sqlite_db import SqliteDatabase
from footage.auth import Role, User
from footage.errors import UserError
from footage.users import UserStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    sites         TEXT NOT NULL,          -- JSON list of site ids
    password_hash TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);
"""
#: added after the first release (older files get them on start)
_ADDED = {"token_version": "INTEGER NOT NULL DEFAULT 0"}
_COLUMNS = "username, role, sites, password_hash, created_ms, disabled, token_version"
_LAST_ADMIN = "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND username != ?"


class SqliteUserStore(UserStore):
    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, "synchronous=FULL", private=True)  # password hashes

    def initialize(self) -> None:
        self._db.create(_SCHEMA)
        self._db.add_columns("users", _ADDED)

    def get(self, username: str) -> User | None:
        with self._db.transaction(write=False) as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM users WHERE username = ?", (username,)
            ).fetchone()
        return _user(row) if row else None

    def add(self, user: User) -> None:
        try:
            with self._db.transaction() as db:
                db.execute(
                    f"INSERT INTO users ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (user.username, user.role.value, json.dumps(sorted(user.sites)),
                     user.password_hash, int(user.created.timestamp() * 1000), int(user.disabled),
                     user.token_version),
                )  # fmt: skip
        except sqlite3.IntegrityError as exc:
            raise UserError(f"user {user.username!r} already exists") from exc

    def set_password(self, username: str, password_hash: str, *, revoke: bool) -> None:
        with self._db.transaction() as db:
            changed = db.execute(
                "UPDATE users SET password_hash = ?, token_version = token_version + ? "
                "WHERE username = ?", (password_hash, int(revoke), username),
            ).rowcount  # fmt: skip
        if not changed:
            raise UserError(f"no user {username!r}")

    def set_disabled(self, username: str, disabled: bool) -> None:
        with self._db.transaction() as db:
            if disabled:
                _keep_an_admin(db, username, "disable")
            changed = db.execute(
                "UPDATE users SET disabled = ?, token_version = token_version + 1 "
                "WHERE username = ?", (int(disabled), username),
            ).rowcount  # fmt: skip
        if not changed:
            raise UserError(f"no user {username!r}")

    def remove(self, username: str) -> None:
        with self._db.transaction() as db:
            _keep_an_admin(db, username, "remove")
            changed = db.execute("DELETE FROM users WHERE username = ?", (username,)).rowcount
        if not changed:
            raise UserError(f"no user {username!r}")

    def list(self) -> list[User]:
        with self._db.transaction(write=False) as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM users ORDER BY username").fetchall()
        return [_user(row) for row in rows]

    def close(self) -> None:
        self._db.close()


def _keep_an_admin(db: sqlite3.Connection, username: str, action: str) -> None:
    """UserError if ``username`` is the last enabled admin (inside the write
    transaction, so two admins cannot disable each other at the same time)."""
    row = db.execute("SELECT role, disabled FROM users WHERE username = ?", (username,)).fetchone()
    if row is None or row[0] != Role.ADMIN.value or row[1]:
        return
    if db.execute(_LAST_ADMIN, (username,)).fetchone()[0] == 0:
        raise UserError(
            f"cannot {action} {username!r}: it is the last enabled admin "
            "(add or enable another admin first)"
        )


def _user(row: tuple[str, str, str, str, int, int, int]) -> User:
    name, role, sites, password_hash, created_ms, disabled, version = row
    return User(
        name, Role(role), frozenset(json.loads(sites)), password_hash,
        datetime.fromtimestamp(created_ms / 1000, UTC), bool(disabled), version,
    )  # fmt: skip
