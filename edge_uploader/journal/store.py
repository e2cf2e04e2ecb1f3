"""The spool journal's store: one SQLite file (synchronous=FULL), its schema,
its migrations and its transactions; each concern of it is its own module.

* ``uploads`` (edge_uploader.journal.uploads): every journalled segment and its
  state (edge_uploader.lifecycle); ``stats`` reads them for ``vms status``;
* ``ingest`` (.ingest): uploaded keys waiting for the index;
* ``sessions`` (.sessions): resumable upload sessions (footage.storage.UploadSessions);
* ``watched`` (.watched): the NVR files the folder watcher has dealt with;
* ``plan`` (.plan): what the compressor does now, so new rows wait for it;
* ``sprites`` (.sprites): thumbnail sprites and their tiles (edge_uploader.sprites);
* ``chain`` (.chain): each camera's chain of custody and the site's signed manifests.

A segment's file is only deleted after its row says it is stored; a crash at
any point leaves either the file with a pending row (uploaded again under the
same deterministic key: no duplicate) or a closed row (its file removed at start).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from edge_uploader.journal.chain import CHAIN_RECORD_COLUMNS, ChainJournal
from edge_uploader.journal.chain import SCHEMA as CHAIN_SCHEMA
from edge_uploader.journal.ingest import IngestQueue
from edge_uploader.journal.plan import PlanBoard
from edge_uploader.journal.sessions import UploadSessions
from edge_uploader.journal.sprites import SCHEMA as SPRITES_SCHEMA
from edge_uploader.journal.sprites import SpriteJournal
from edge_uploader.journal.stats import UploadStats
from edge_uploader.journal.uploads import Uploads
from edge_uploader.journal.watched import WATCH_COLUMNS, WatchedFiles
from edge_uploader.lifecycle import SegmentState
from footage.adapters.sqlite_db import SqliteDatabase

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    path TEXT PRIMARY KEY, camera TEXT NOT NULL, site TEXT NOT NULL, start_ms INTEGER NOT NULL,
    size INTEGER NOT NULL, sha256 TEXT, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT, key TEXT,
    enqueued_ms INTEGER NOT NULL, finished_ms INTEGER
);
CREATE INDEX IF NOT EXISTS uploads_due ON uploads (state, next_attempt_ms, start_ms);
CREATE TABLE IF NOT EXISTS ingest (
    key TEXT PRIMARY KEY, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT, enqueued_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS upload_sessions (
    key TEXT PRIMARY KEY, state TEXT NOT NULL, updated_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS watched_files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    outcome TEXT NOT NULL, reason TEXT
);
CREATE TABLE IF NOT EXISTS compression_plan (
    id INTEGER PRIMARY KEY CHECK (id = 1), plan TEXT NOT NULL, updated_ms INTEGER NOT NULL
);
"""
_UPLOAD_COLUMNS = {
    "evidence": "INTEGER NOT NULL DEFAULT 0",  # under an evidence hold: first in line
    "profile": "TEXT",  # edge compression (edge_uploader.lifecycle.SegmentRow)
    "upload_path": "TEXT",
    "recorded_size": "INTEGER",
    "metadata": "TEXT",  # what the folder watcher sends with it (supersedes...)
}
S = SegmentState
_ENCODING_PREFIX = "encoding:"  # version 0 kept the compressor's claim in ``profile``
#: Version 0 to 1: the state each row had, hidden in ``profile``, made explicit.
_STATES_MADE_EXPLICIT = (
    "UPDATE uploads SET state = ?, profile = substr(profile, ?) "
    "WHERE state = 'pending' AND profile LIKE ?",
    "UPDATE uploads SET state = ? WHERE state = 'pending' AND profile IS NULL",
    "UPDATE uploads SET state = ? WHERE state = 'pending'",
    "UPDATE uploads SET state = ? WHERE state = 'done'",
    "UPDATE ingest SET state = ? WHERE state = 'pending'",
    "UPDATE ingest SET state = ? WHERE state = 'done'",
)
_STATES_ARGS: tuple[tuple[object, ...], ...] = (
    (S.ENCODING.value, len(_ENCODING_PREFIX) + 1, _ENCODING_PREFIX + "%"),
    (S.RECORDED.value,),  # undecided: the compressor's plan routes it (WAITING) at start
    (S.READY.value,),  # decided: "copy" or the profile it was compressed with
    (S.UPLOADED.value,),
    (S.UPLOADED.value,),
    (S.INGESTED.value,),
)
VERSION = 1


class Journal:
    """The store; its concerns are attributes: ``uploads``, ``stats``, ``ingest``,
    ``sessions``, ``watched``, ``plan``, ``sprites`` and ``chain``. Nothing touches the file
    before use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # synchronous=FULL: a journal must survive power loss; private (0600 with its
        # -wal and -shm): it holds resumable upload session URLs, which are credentials
        self.db = SqliteDatabase(path, "synchronous=FULL", private=True)
        self.plan = PlanBoard(self.db)
        self.uploads = Uploads(self.db, self.plan)
        self.stats = UploadStats(self.db)
        self.ingest = IngestQueue(self.db)
        self.sessions = UploadSessions(self.db)
        self.watched = WatchedFiles(self.db)
        self.sprites = SpriteJournal(self.db)
        self.chain = ChainJournal(self.db)

    def initialize(self) -> None:
        """Create or migrate the file (any process may: it is idempotent)."""
        self.db.create(_SCHEMA)
        self.db.create(SPRITES_SCHEMA)  # new tables: an older journal gains them empty
        self.db.create(CHAIN_SCHEMA)
        self.db.add_columns("uploads", _UPLOAD_COLUMNS)
        self.db.add_columns("watched_files", WATCH_COLUMNS)
        self.db.add_columns("chain_records", CHAIN_RECORD_COLUMNS)
        db = self.db.connection()
        db.execute("CREATE INDEX IF NOT EXISTS watched_sha ON watched_files (sha256)")
        # a folder's files not deleted by us: what each tick reads (the rest is history)
        db.execute("CREATE INDEX IF NOT EXISTS watched_live ON watched_files (deleted, path)")
        with self.db.transaction() as tx:
            if _version(tx) < 1:
                for sql, args in zip(_STATES_MADE_EXPLICIT, _STATES_ARGS, strict=True):
                    tx.execute(sql, args)
                tx.execute(f"PRAGMA user_version = {VERSION}")

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        with self.db.transaction(write) as db:
            yield db

    def close(self) -> None:
        """Close this thread's connection."""
        self.db.close()


def _version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])
