"""The audit trail in SQLite (``<data-dir>/audit.sqlite3``), for on-prem servers.

Hash-chained (footage.audit_chain): each row carries ``seq`` and ``prev``; the
one row of ``audit_chain`` keeps the genesis, the head (the last event's seq and
hash) and the checkpoint (the last event retention removed). An event is
appended in one IMMEDIATE transaction that reads the head, inserts the event and
moves the head, so the API server and the CLI writing at once each wait their
turn and never share a seq. Rows written before the chain (no seq) stay; the
genesis counts them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms
from footage.audit import AUDIT_RETENTION, AuditAction, AuditEvent, AuditLog
from footage.audit_chain import (
    ChainedEvent,
    ChainView,
    Genesis,
    Link,
    chain_next,
    genesis_from_json,
)
from footage.errors import CatalogError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    at_ms INTEGER NOT NULL, username TEXT NOT NULL, action TEXT NOT NULL,
    camera TEXT NOT NULL, site TEXT NOT NULL, client TEXT NOT NULL,
    start_ms INTEGER, end_ms INTEGER, detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at_ms);
CREATE TABLE IF NOT EXISTS audit_chain (
    id INTEGER PRIMARY KEY CHECK (id = 1), genesis TEXT NOT NULL,
    head_seq INTEGER NOT NULL, head_hash TEXT NOT NULL,
    pruned_seq INTEGER, pruned_hash TEXT
);
"""
_COLUMNS = "at_ms, username, action, camera, site, client, start_ms, end_ms, detail"
_PAGE = 500


class SqliteAuditLog(AuditLog):
    def __init__(self, path: Path) -> None:
        # who watched what is personal data: the file, its -wal and -shm are 0600
        self._db = SqliteDatabase(path, "synchronous=NORMAL", private=True)

    def initialize(self) -> None:
        try:
            self._db.create(_SCHEMA)
            self._db.add_columns("audit", {"detail": "TEXT NOT NULL DEFAULT ''",
                                           "seq": "INTEGER", "prev": "TEXT"})  # fmt: skip
            self._db.connection().execute("CREATE INDEX IF NOT EXISTS audit_seq ON audit (seq)")
        except sqlite3.Error as exc:
            raise CatalogError(f"cannot create audit log {self._db.path}: {exc}") from exc

    def record(self, event: AuditEvent) -> None:
        try:
            with self._db.transaction() as db:  # BEGIN IMMEDIATE: one writer at a time
                chained = chain_next(_head(db, event.at), event)
                db.execute(f"INSERT INTO audit ({_COLUMNS}, seq, prev) VALUES"
                           " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (*_row(event), chained.seq, chained.prev))  # fmt: skip
                db.execute("UPDATE audit_chain SET head_seq = ?, head_hash = ?",
                           (chained.seq, chained.hash))  # fmt: skip
                _prune(db, to_ms(event.at - AUDIT_RETENTION))
        except sqlite3.Error as exc:
            raise CatalogError(f"audit log {self._db.path}: {exc}") from exc

    def query(self, start: datetime, end: datetime, limit: int) -> list[AuditEvent]:
        try:
            with self._db.transaction(write=False) as db:
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM audit WHERE at_ms >= ? AND at_ms < ? "
                    "ORDER BY at_ms DESC LIMIT ?",
                    (to_ms(start), to_ms(end), limit),
                ).fetchall()
        except sqlite3.Error as exc:
            raise CatalogError(f"audit log {self._db.path}: {exc}") from exc
        return [_event(row) for row in rows]

    @contextmanager
    def chain_view(self, since: datetime | None = None) -> Iterator[ChainView]:
        """One read transaction: the head, checkpoint and events of one snapshot."""
        try:
            with self._db.transaction(write=False) as db:
                yield _view(db, since)
        except sqlite3.Error as exc:
            raise CatalogError(f"audit log {self._db.path}: {exc}") from exc


def _head(db: sqlite3.Connection, at: datetime) -> Link:
    """The chain's head; the first chained event writes the genesis first."""
    row = db.execute("SELECT head_seq, head_hash FROM audit_chain").fetchone()
    if row is not None:
        return Link(row[0], row[1])
    (unchained,) = db.execute("SELECT COUNT(*) FROM audit WHERE seq IS NULL").fetchone()
    genesis = Genesis(at, unchained)
    link = genesis.link
    db.execute("INSERT INTO audit_chain (id, genesis, head_seq, head_hash) VALUES (1, ?, ?, ?)",
               (json.dumps(genesis.to_json()), link.seq, link.hash))  # fmt: skip
    return link


def _prune(db: sqlite3.Connection, cutoff_ms: int) -> None:
    """Drop events past the retention; the last chained one dropped becomes the
    checkpoint the next event must follow (by seq: a clock that stepped back
    leaves no hole)."""
    db.execute("DELETE FROM audit WHERE seq IS NULL AND at_ms < ?", (cutoff_ms,))
    (last,) = db.execute("SELECT MAX(seq) FROM audit WHERE at_ms < ?", (cutoff_ms,)).fetchone()
    if last is None:
        return
    row = db.execute(f"SELECT {_COLUMNS}, seq, prev FROM audit WHERE seq = ?", (last,)).fetchone()
    link = _chained(row).link
    db.execute("DELETE FROM audit WHERE seq <= ?", (last,))
    db.execute("UPDATE audit_chain SET pruned_seq = ?, pruned_hash = ?", (link.seq, link.hash))


def _view(db: sqlite3.Connection, since: datetime | None) -> ChainView:
    meta = db.execute(
        "SELECT genesis, head_seq, head_hash, pruned_seq, pruned_hash FROM audit_chain"
    ).fetchone()
    if meta is None:
        strays = db.execute(f"SELECT {_COLUMNS} FROM audit WHERE seq IS NULL").fetchall()
        return ChainView(None, None, lambda: None, (), strays=[_event(r) for r in strays])
    genesis = genesis_from_json(json.loads(meta[0]))
    head = Link(meta[1], meta[2])
    checkpoint = Link(meta[3], meta[4]) if meta[3] is not None else None
    first = 0
    if since is not None:
        (at_since,) = db.execute("SELECT MIN(seq) FROM audit WHERE at_ms >= ?",
                                 (to_ms(since),)).fetchone()  # fmt: skip
        first = head.seq + 1 if at_since is None else at_since - 1
    genesis_ms = to_ms(genesis.at)
    strays = db.execute(f"SELECT {_COLUMNS} FROM audit WHERE seq IS NULL AND at_ms >= ?",
                        (genesis_ms,)).fetchall()  # fmt: skip
    (before,) = db.execute("SELECT COUNT(*) FROM audit WHERE seq IS NULL AND at_ms < ?",
                           (genesis_ms,)).fetchone()  # fmt: skip
    return ChainView(genesis, head, lambda: head, _events(db, first), checkpoint,
                     [_event(r) for r in strays], before, partial=since is not None)  # fmt: skip


def _events(db: sqlite3.Connection, first: int) -> Iterator[ChainedEvent]:
    cursor = db.execute(
        f"SELECT {_COLUMNS}, seq, prev FROM audit WHERE seq >= ? ORDER BY seq", (first,)
    )
    while rows := cursor.fetchmany(_PAGE):
        yield from (_chained(row) for row in rows)


def _row(event: AuditEvent) -> tuple[object, ...]:
    return (to_ms(event.at), event.username, event.action.value, event.camera, event.site,
            event.client, _opt_ms(event.start), _opt_ms(event.end), event.detail)  # fmt: skip


def _event(row: Any) -> AuditEvent:
    at, user, action, camera, site, client, lo, hi, detail = row[:9]
    return AuditEvent(from_ms(at), user, AuditAction(action), camera, site, client,
                      None if lo is None else from_ms(lo), None if hi is None else from_ms(hi),
                      detail)  # fmt: skip


def _chained(row: Any) -> ChainedEvent:
    return ChainedEvent(int(row[9]), str(row[10]), _event(row))


def _opt_ms(moment: datetime | None) -> int | None:
    return None if moment is None else to_ms(moment)
