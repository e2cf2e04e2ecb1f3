"""The spool journal: a durable on-disk queue (SQLite, synchronous=FULL).

It records every finished segment waiting for upload, every uploaded key
waiting for ingest, and the NVR files the folder watcher has dealt with. A
segment's file is only deleted after its row says ``done``; a crash at any
point leaves either the file with a pending row (uploaded again under the same
deterministic key: no duplicate) or a done row (its file is removed at start).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from edge_uploader.full_disk import waits_for_room
from edge_uploader.watch_journal import WatchedFiles
from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms

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
"""


class UploadState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DROPPED = "dropped"  # removed to honour the spool quota (logged as an error)
    LOST = "lost"  # the file vanished from the spool before upload
    EXPIRED = "expired"  # older than the camera's retention: deleted, never uploaded


@dataclass(frozen=True, slots=True)
class UploadItem:
    path: Path
    camera: str
    site: str
    start: datetime
    size: int
    sha256: str | None
    attempts: int
    last_error: str | None
    evidence: bool = False
    #: None: as recorded, not yet decided; "encoding:<name>" while the compressor
    #: holds it; else the profile it goes up with ("copy": as recorded).
    profile: str | None = None
    upload_path: Path | None = None  # the compressed file, if any
    recorded_size: int | None = None  # bytes as recorded, if compressed

    @property
    def source(self) -> Path:
        """The file to upload: the compressed one if there is one."""
        return self.upload_path or self.path

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.path,) if self.upload_path is None else (self.path, self.upload_path)


#: The compressor's claim on a row (edge_uploader.compressor).
ENCODING = "encoding:"
_ITEM = (
    "path, camera, site, start_ms, size, sha256, attempts, last_error, evidence, profile, "
    "upload_path, recorded_size"
)


def _item(r: tuple[Any, ...]) -> UploadItem:
    return UploadItem(
        Path(r[0]), r[1], r[2], from_ms(r[3]), r[4], r[5], r[6], r[7], bool(r[8]), r[9],
        Path(r[10]) if r[10] else None, r[11],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Backlog:
    count: int
    bytes: int
    oldest: datetime | None
    failing: int
    dropped: int


#: A segment starting this long before a hold's start may still overlap it.
_EVIDENCE_SLACK_MS = 300_000


class Journal(WatchedFiles):
    def __init__(self, path: Path) -> None:
        self.path = path
        # synchronous=FULL: a journal must survive power loss; private (0600 with its
        # -wal and -shm): it holds resumable upload session URLs, which are credentials
        self._db = SqliteDatabase(path, "synchronous=FULL", private=True)

    def initialize(self) -> None:
        self._db.create(_SCHEMA)
        # evidence: under an evidence hold, uploaded before anything else
        self._db.add_columns("uploads", {"evidence": "INTEGER NOT NULL DEFAULT 0"})
        # edge compression (edge_uploader.compressor): see UploadItem
        self._db.add_columns(
            "uploads", {"profile": "TEXT", "upload_path": "TEXT", "recorded_size": "INTEGER"}
        )
        self._initialize_watched()  # the folder watcher's rows (edge_uploader.watch_journal)

    def restart_cut_encodes(self) -> int:
        """At the start of ``vms up`` only (Spool.reconcile): an encode a crash cut
        short is decided again. Never from another command (``vms status``): the
        running compressor's encodes are not cut short."""
        with self._db.transaction() as db:
            return db.execute(
                "UPDATE uploads SET profile = NULL WHERE profile LIKE ?", (ENCODING + "%",)
            ).rowcount

    # -- resumable upload sessions (footage.storage.UploadSessions) ----------

    def load(self, key: str) -> str | None:
        with self._db.transaction() as db:
            row = db.execute("SELECT state FROM upload_sessions WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    @waits_for_room
    def save(self, key: str, state: str) -> None:
        """Durable before it returns (synchronous=FULL): a part recorded here is
        never sent again after a crash."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO upload_sessions (key, state, updated_ms) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET state = excluded.state, "
                "updated_ms = excluded.updated_ms",
                (key, state, to_ms(datetime.now(UTC))),
            )

    @waits_for_room
    def clear(self, key: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM upload_sessions WHERE key = ?", (key,))

    # -- uploads -----------------------------------------------------------

    def enqueue_now(
        self, path: Path, camera: str, site: str, start: datetime, now: datetime
    ) -> bool:
        """:meth:`enqueue`, failing at once on a full disk (for the recorder, which
        must not wait: the spool journals the file at its next check)."""
        with self._db.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO uploads (path, camera, site, start_ms, size, state, "
                "enqueued_ms) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                (str(path), camera, site, to_ms(start), path.stat().st_size, to_ms(now)),
            )
            return cur.rowcount == 1

    enqueue = waits_for_room(enqueue_now)

    def due(
        self, now: datetime, limit: int, oldest_first: bool = True, hold: Collection[str] = ()
    ) -> list[UploadItem]:
        """Pending rows whose retry time has come: evidence first, then by start
        (oldest first, or newest first where a recorder may be stolen). Rows being
        compressed wait, and so do undecided rows of the cameras in ``hold``."""
        order = "ASC" if oldest_first else "DESC"
        held = ",".join("?" * len(hold))
        with self._db.transaction() as db:
            rows = db.execute(
                f"SELECT {_ITEM} FROM uploads WHERE state = 'pending' AND next_attempt_ms <= ? "
                "AND (profile IS NULL OR profile NOT LIKE ?) "
                f"AND NOT (profile IS NULL AND evidence = 0 AND camera IN ({held})) "
                f"ORDER BY evidence DESC, start_ms {order} LIMIT ?",
                (to_ms(now), ENCODING + "%", *hold, limit),
            ).fetchall()
        return [_item(r) for r in rows]

    def item(self, path: Path) -> UploadItem | None:
        with self._db.transaction(write=False) as db:
            row = db.execute(f"SELECT {_ITEM} FROM uploads WHERE path = ?", (str(path),))
            found = row.fetchone()
        return _item(found) if found else None

    # -- edge compression ------------------------------------------------------

    def to_compress(
        self, cameras: Collection[str], limit: int, oldest_first: bool = True
    ) -> list[UploadItem]:
        """Undecided pending rows of ``cameras``, in upload order. Evidence is not
        compressed: it goes up as the camera recorded it."""
        order = "ASC" if oldest_first else "DESC"
        marks = ",".join("?" * len(cameras))
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                f"SELECT {_ITEM} FROM uploads WHERE state = 'pending' AND profile IS NULL "
                f"AND evidence = 0 AND camera IN ({marks}) ORDER BY start_ms {order} LIMIT ?",
                (*cameras, limit),
            ).fetchall()
        return [_item(r) for r in rows]

    @waits_for_room
    def decide(self, path: Path, profile: str, *, undecided_only: bool = True) -> bool:
        """Set a row's profile: a claim (``ENCODING`` + name) or a decision. With
        ``undecided_only`` it succeeds only if nobody decided first (the uploader
        and the compressor race for a row: the first one wins it)."""
        guard = "AND profile IS NULL" if undecided_only else ""
        with self._db.transaction() as db:
            cur = db.execute(
                f"UPDATE uploads SET profile = ? WHERE path = ? AND state = 'pending' {guard}",
                (profile, str(path)),
            )
            return cur.rowcount == 1

    @waits_for_room
    def claim_for_upload(self, path: Path) -> UploadItem | None:
        """The row as it is now, marked to go up as it is, unless the compressor
        holds it (then None: it comes back compressed)."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE uploads SET profile = 'copy' WHERE path = ? AND profile IS NULL",
                (str(path),),
            )
            row = db.execute(
                f"SELECT {_ITEM} FROM uploads WHERE path = ? AND state = 'pending' "
                "AND profile NOT LIKE ?",
                (str(path), ENCODING + "%"),
            ).fetchone()
        return _item(row) if row else None

    @waits_for_room
    def mark_compressed(self, path: Path, upload_path: Path, profile: str, size: int) -> None:
        """The compressed file is complete and synced: upload it instead (the caller
        then deletes the recording)."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE uploads SET profile = ?, upload_path = ?, recorded_size = size, "
                "size = ?, sha256 = NULL WHERE path = ?",
                (profile, str(upload_path), size, str(path)),
            )

    def compression(self, site: str, since: datetime) -> tuple[int, int]:
        """(bytes as recorded, bytes uploaded) of the site's uploads since ``since``."""
        with self._db.transaction(write=False) as db:
            recorded, sent = db.execute(
                "SELECT COALESCE(SUM(COALESCE(recorded_size, size)), 0), COALESCE(SUM(size), 0) "
                "FROM uploads WHERE state = 'done' AND site = ? AND finished_ms >= ?",
                (site, to_ms(since)),
            ).fetchone()
        return int(recorded), int(sent)

    def recorded_since(self, since: datetime, cameras: Collection[str]) -> int:
        """Bytes as recorded of the segments of ``cameras`` journalled since ``since``."""
        marks = ",".join("?" * len(cameras))
        with self._db.transaction(write=False) as db:
            (total,) = db.execute(
                "SELECT COALESCE(SUM(COALESCE(recorded_size, size)), 0) FROM uploads "
                f"WHERE enqueued_ms >= ? AND camera IN ({marks})",
                (to_ms(since), *cameras),
            ).fetchone()
        return int(total)

    def compression_backlog(
        self, cameras: Collection[str], hold: Collection[str]
    ) -> tuple[int, int, int]:
        """Of the pending footage of ``cameras``: all its bytes, and how many of its
        segments (and bytes) wait for the compressor (those of ``hold`` not decided)."""
        marks, held = ",".join("?" * len(cameras)), ",".join("?" * len(hold))
        waiting = f"(profile IS NULL AND evidence = 0 AND camera IN ({held}))"
        with self._db.transaction(write=False) as db:
            pending, undecided, undecided_bytes = db.execute(
                "SELECT COALESCE(SUM(size), 0), "
                f"COALESCE(SUM(CASE WHEN {waiting} THEN 1 ELSE 0 END), 0), "
                f"COALESCE(SUM(CASE WHEN {waiting} THEN size ELSE 0 END), 0) "
                f"FROM uploads WHERE state = 'pending' AND camera IN ({marks})",
                (*hold, *hold, *cameras),
            ).fetchone()
        return int(pending), int(undecided), int(undecided_bytes)

    def upload_paths(self) -> set[Path]:
        """Compressed files the journal still needs (any other one is an orphan)."""
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                "SELECT upload_path FROM uploads WHERE state = 'pending' "
                "AND upload_path IS NOT NULL"
            ).fetchall()
        return {Path(r[0]) for r in rows}

    @waits_for_room
    def mark_evidence(self, camera: str, start: datetime, end: datetime) -> int:
        """Pending segments of ``camera`` that overlap [start, end) go first (and are
        kept past retention); returns how many."""
        with self._db.transaction() as db:
            cur = db.execute(
                "UPDATE uploads SET evidence = 1, next_attempt_ms = 0 WHERE state = 'pending' "
                "AND camera = ? AND start_ms < ? AND start_ms >= ?",
                (camera, to_ms(end), to_ms(start) - _EVIDENCE_SLACK_MS),
            )
            return cur.rowcount

    @waits_for_room
    def record_hash(self, path: Path, size: int, sha256: str) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE uploads SET sha256 = ?, size = ? WHERE path = ?", (sha256, size, str(path))
            )

    @waits_for_room
    def mark_uploaded(
        self, path: Path, key: str, now: datetime, *, queue_ingest: bool = True
    ) -> None:
        """Upload verified: close the row and queue ingest, in one transaction."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE uploads SET state = 'done', key = ?, finished_ms = ?, last_error = NULL "
                "WHERE path = ?",
                (key, to_ms(now), str(path)),
            )
            if not queue_ingest:  # the cloud indexes it (S3 notification -> ingest Lambda)
                return
            db.execute(
                "INSERT OR IGNORE INTO ingest (key, state, enqueued_ms) VALUES (?, 'pending', ?)",
                (key, to_ms(now)),
            )

    @waits_for_room
    def mark_failed(self, path: Path, error: str, retry_at: datetime) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE uploads SET attempts = attempts + 1, last_error = ?, next_attempt_ms = ? "
                "WHERE path = ?",
                (error[:1000], to_ms(retry_at), str(path)),
            )

    @waits_for_room
    def close_row(self, path: Path, state: UploadState, reason: str, now: datetime) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE uploads SET state = ?, last_error = ?, finished_ms = ? WHERE path = ?",
                (state.value, reason, to_ms(now), str(path)),
            )

    def uploaded_since(self, since: datetime, site: str) -> int:
        """Bytes of the site's segments whose upload finished at or after ``since``."""
        with self._db.transaction(write=False) as db:
            (total,) = db.execute(
                "SELECT COALESCE(SUM(size), 0) FROM uploads WHERE state = 'done' "
                "AND site = ? AND finished_ms >= ?",
                (site, to_ms(since)),
            ).fetchone()
        return int(total)

    def known(self, path: Path) -> bool:
        """Whether ``path`` has a row in any state (its name is taken for good)."""
        with self._db.transaction() as db:
            row = db.execute("SELECT 1 FROM uploads WHERE path = ?", (str(path),)).fetchone()
        return row is not None

    def paths(self, state: UploadState) -> list[Path]:
        return [item.path for item in self.items(state)]

    def items(self, state: UploadState) -> list[UploadItem]:
        with self._db.transaction(write=False) as db:
            rows = db.execute(f"SELECT {_ITEM} FROM uploads WHERE state = ?", (state.value,))
            return [_item(r) for r in rows.fetchall()]

    def oldest_pending(self, limit: int) -> list[UploadItem]:
        return self.due(datetime.max.replace(tzinfo=UTC), limit, oldest_first=True)

    def backlog(self, camera: str | None = None) -> Backlog:
        where, args = ("AND camera = ?", (camera,)) if camera else ("", ())
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0), MIN(start_ms), "
                "SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END) "
                f"FROM uploads WHERE state = 'pending' {where}",
                args,
            ).fetchone()
            dropped = db.execute(
                f"SELECT COUNT(*) FROM uploads WHERE state = 'dropped' {where}", args
            ).fetchone()[0]
        oldest = from_ms(row[2]) if row[2] is not None else None
        return Backlog(int(row[0]), int(row[1]), oldest, int(row[3] or 0), int(dropped))

    def last_upload(self, camera: str) -> tuple[datetime | None, str | None]:
        """When the newest segment of ``camera`` finished uploading, and its last error."""
        with self._db.transaction() as db:
            done = db.execute(
                "SELECT MAX(finished_ms) FROM uploads WHERE camera = ? AND state = 'done'",
                (camera,),
            ).fetchone()[0]
            err = db.execute(
                "SELECT last_error FROM uploads WHERE camera = ? AND state = 'pending' "
                "AND last_error IS NOT NULL ORDER BY start_ms DESC LIMIT 1",
                (camera,),
            ).fetchone()
        return (from_ms(done) if done else None), (err[0] if err else None)

    def recent_enqueued(self, camera: str, limit: int = 10) -> list[datetime]:
        """When the newest ``limit`` files of ``camera`` came in, newest first (an
        NVR folder's rhythm: how long a silence is unusual)."""
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                "SELECT enqueued_ms FROM uploads WHERE camera = ? "
                "ORDER BY enqueued_ms DESC LIMIT ?",
                (camera, limit),
            ).fetchall()
        return [from_ms(row[0]) for row in rows]

    # -- ingest queue --------------------------------------------------------

    def due_ingest(self, now: datetime, limit: int) -> list[str]:
        with self._db.transaction() as db:
            rows = db.execute(
                "SELECT key FROM ingest WHERE state = 'pending' AND next_attempt_ms <= ? "
                "ORDER BY enqueued_ms LIMIT ?",
                (to_ms(now), limit),
            ).fetchall()
        return [str(r[0]) for r in rows]

    @waits_for_room
    def finish_ingest(self, key: str, outcome: str) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE ingest SET state = 'done', last_error = ? WHERE key = ?", (outcome, key)
            )

    @waits_for_room
    def retry_ingest(self, key: str, error: str, retry_at: datetime) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE ingest SET attempts = attempts + 1, last_error = ?, next_attempt_ms = ? "
                "WHERE key = ?",
                (error[:1000], to_ms(retry_at), key),
            )

    def ingest_backlog(self) -> int:
        with self._db.transaction() as db:
            return int(
                db.execute("SELECT COUNT(*) FROM ingest WHERE state = 'pending'").fetchone()[0]
            )

    # -- plumbing --------------------------------------------------------------
