"""Per-thread connections to one WAL-mode SQLite file, and transactions on them.

Shared by the footage index (footage.adapters.sqlite_catalog), the edge spool
journal, the users and the audit log; each passes its own pragmas (durability,
cache). A ``private`` file (secrets, personal data) and its ``-wal`` and
``-shm`` are kept 0600, also when an older version left them readable.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from footage.errors import CatalogError


class SqliteDatabase:
    def __init__(self, path: Path, *pragmas: str, private: bool = False) -> None:
        self.path = path
        self._pragmas = ("journal_mode=WAL", "busy_timeout=30000", *pragmas)
        self._local = threading.local()
        self._private = private

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit mode: transactions are explicit)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._private:
                make_private(self.path)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            for pragma in self._pragmas:
                conn.execute(f"PRAGMA {pragma}")
            self._local.conn = conn
        return conn

    def create(self, schema: str) -> None:
        """Create the file and run ``schema`` (executescript commits by itself)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.connection().executescript(schema)

    def add_columns(self, table: str, columns: dict[str, str]) -> None:
        """Add the ``{name: declaration}`` columns an older file lacks. The look and
        the additions are one write transaction: another process migrating the same
        file at the same time (processes starting together) is waited for, and its
        columns are then seen, not added a second time ("duplicate column name").
        A file that has them all is only read (it may be read-only)."""
        if not self._missing(self.connection(), table, columns):
            return
        with self.transaction() as db:
            for name in self._missing(db, table, columns):
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {columns[name]}")

    @staticmethod
    def _missing(db: sqlite3.Connection, table: str, columns: dict[str, str]) -> list[str]:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        return [name for name in columns if name not in present]

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """Writes take the lock up front (IMMEDIATE); reads are deferred, so in
        WAL mode they never wait for the writer or for each other."""
        db = self.connection()
        db.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def make_private(path: Path) -> None:
    """Create the database file 0600 before SQLite does: SQLite gives the ``-wal``
    and ``-shm`` it makes the database file's mode. Files an older version left
    readable by others are made 0600 too. (A missing folder is left to SQLite's
    own error.)

    An existing file is never opened here: closing any descriptor of it drops
    every POSIX lock this process holds on it, the shared lock of each of its
    SQLite connections included, and another process then takes the file for
    its own (it checkpoints and deletes the WAL under them: "disk I/O error")."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except FileNotFoundError:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        file = path.with_name(path.name + suffix)
        try:
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)
        except FileNotFoundError:
            continue


def to_ms(moment: datetime) -> int:
    """A timezone-aware time as epoch milliseconds, as the SQLite files store times."""
    if moment.tzinfo is None:
        raise CatalogError("naive datetime given to the catalog")
    return round(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
