"""Local accounts in SQLite (``<data-dir>/users.sqlite3``)."""

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
_COLUMNS = "username, role, sites, password_hash, created_ms, disabled"


class SqliteUserStore(UserStore):
    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, "synchronous=FULL")

    def initialize(self) -> None:
        self._db.create(_SCHEMA)
        self._db.path.chmod(0o600)  # password hashes

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
                    f"INSERT INTO users ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    (user.username, user.role.value, json.dumps(sorted(user.sites)),
                     user.password_hash, int(user.created.timestamp() * 1000), int(user.disabled)),
                )  # fmt: skip
        except sqlite3.IntegrityError as exc:
            raise UserError(f"user {user.username!r} already exists") from exc

    def set_password(self, username: str, password_hash: str) -> None:
        with self._db.transaction() as db:
            changed = db.execute(
                "UPDATE users SET password_hash = ? WHERE username = ?", (password_hash, username)
            ).rowcount
        if not changed:
            raise UserError(f"no user {username!r}")

    def list(self) -> list[User]:
        with self._db.transaction(write=False) as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM users ORDER BY username").fetchall()
        return [_user(row) for row in rows]

    def close(self) -> None:
        self._db.close()


def _user(row: tuple[str, str, str, str, int, int]) -> User:
    name, role, sites, password_hash, created_ms, disabled = row
    return User(
        name, Role(role), frozenset(json.loads(sites)), password_hash,
        datetime.fromtimestamp(created_ms / 1000, UTC), bool(disabled),
    )  # fmt: skip
