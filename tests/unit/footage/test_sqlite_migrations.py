"""Adding the columns an older file lacks is safe when two processes start at once
(``vms up`` restarting after a full disk met this in CI: "duplicate column name")."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from footage.adapters.sqlite_db import SqliteDatabase


def test_two_migrations_at_once_add_a_column_once(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    first = SqliteDatabase(path)
    first.create("CREATE TABLE t (x INTEGER)")
    holding = threading.Event()

    def migrate_slowly() -> None:
        """Another process: it has the write lock and adds the column a bit later."""
        conn = SqliteDatabase(path).connection()
        conn.execute("BEGIN IMMEDIATE")
        holding.set()
        time.sleep(0.3)
        conn.execute("ALTER TABLE t ADD COLUMN start_ms INTEGER")
        conn.execute("COMMIT")

    other = threading.Thread(target=migrate_slowly)
    other.start()
    assert holding.wait(5)
    try:  # before: its look saw no start_ms, then its ALTER waited for the lock
        SqliteDatabase(path).add_columns("t", {"start_ms": "INTEGER", "end_ms": "INTEGER"})
    finally:
        other.join(5)
    columns = [row[1] for row in first.connection().execute("PRAGMA table_info(t)")]
    assert columns == ["x", "start_ms", "end_ms"]


def test_columns_already_there_are_left_alone(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "a.sqlite3")
    db.create("CREATE TABLE t (x INTEGER, y TEXT)")
    db.add_columns("t", {"y": "TEXT", "z": "INTEGER NOT NULL DEFAULT 0"})
    db.add_columns("t", {"y": "TEXT", "z": "INTEGER NOT NULL DEFAULT 0"})
    assert [row[1] for row in db.connection().execute("PRAGMA table_info(t)")] == ["x", "y", "z"]
