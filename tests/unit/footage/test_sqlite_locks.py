"""A live connection keeps its file: making a database private never drops the
POSIX locks of this process's SQLite connections (closing any descriptor of the
file would), so another process never takes the WAL from under them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from footage.adapters.sqlite_db import SqliteDatabase

_OTHER_PROCESS = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("SELECT count(*) FROM t").fetchone()
conn.close()  # the last connection to a WAL file checkpoints and deletes it
"""


def test_a_new_threads_connection_keeps_the_locks_of_the_others(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    db = SqliteDatabase(path, private=True)
    db.create("CREATE TABLE t (x INTEGER)")
    with db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
    assert path.with_name(path.name + "-wal").exists()

    other = SqliteDatabase(path, private=True)  # as a new thread's connection does
    other.connection()
    subprocess.run([sys.executable, "-c", _OTHER_PROCESS, str(path)], check=True, timeout=30)

    assert path.with_name(path.name + "-wal").exists(), "another process took the WAL"
    with db.transaction() as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
