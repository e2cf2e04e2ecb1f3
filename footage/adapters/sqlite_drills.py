"""Restore drill runs in SQLite (``<data-dir>/drills.sqlite3``), for on-prem servers."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from footage.adapters.sqlite_db import SqliteDatabase, to_ms
from footage.drills import DRILL_RETENTION, DrillLog, DrillRun, run_from_json
from footage.errors import CatalogError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS drill_runs (at_ms INTEGER PRIMARY KEY, run TEXT NOT NULL);
"""


class SqliteDrillLog(DrillLog):
    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, "synchronous=NORMAL")

    def initialize(self) -> None:
        try:
            self._db.create(_SCHEMA)
        except sqlite3.Error as exc:
            raise CatalogError(f"cannot create drill log {self._db.path}: {exc}") from exc

    def record(self, run: DrillRun) -> None:
        try:
            with self._db.transaction() as db:
                db.execute("INSERT OR REPLACE INTO drill_runs VALUES (?, ?)",
                           (to_ms(run.at), run.to_json()))  # fmt: skip
                db.execute("DELETE FROM drill_runs WHERE at_ms < ?",
                           (to_ms(run.at - DRILL_RETENTION),))  # fmt: skip
        except sqlite3.Error as exc:
            raise CatalogError(f"drill log {self._db.path}: {exc}") from exc

    def runs_since(self, since: datetime) -> list[DrillRun]:
        try:
            with self._db.transaction(write=False) as db:
                rows = db.execute("SELECT run FROM drill_runs WHERE at_ms >= ? ORDER BY at_ms DESC",
                                  (to_ms(since),)).fetchall()  # fmt: skip
        except sqlite3.Error as exc:
            raise CatalogError(f"drill log {self._db.path}: {exc}") from exc
        return [run_from_json(row[0]) for row in rows]
