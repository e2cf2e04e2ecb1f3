"""The footage index in SQLite (WAL), for on-prem servers.

``segments`` is clustered on (camera, start_ms) (WITHOUT ROWID), so a
camera-day query is one B-tree range scan even with millions of rows.
Totals per camera and per site are kept in the same transaction as each
insert/replace/delete, so they never need a full-table SUM.
"""

from __future__ import annotations

import gc
import json
import math
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms
from footage.catalog import Catalog
from footage.errors import CatalogError
from footage.models import Protection, Segment, SegmentStatus, Totals

_SCHEMA = """
CREATE TABLE IF NOT EXISTS segments (
    camera TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
    site TEXT NOT NULL, size_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, key TEXT NOT NULL,
    codec TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, fps REAL NOT NULL,
    audio_codec TEXT, thumbnail_key TEXT, derived_keys TEXT NOT NULL, status TEXT NOT NULL,
    reason TEXT, expires_at INTEGER, protected INTEGER NOT NULL, source_etag TEXT,
    init_size INTEGER,
    PRIMARY KEY (camera, start_ms)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS segments_site_start ON segments (site, start_ms);
CREATE INDEX IF NOT EXISTS segments_expiry ON segments (expires_at)
    WHERE protected = 0 AND expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS totals (
    scope TEXT NOT NULL, id TEXT NOT NULL, segments INTEGER NOT NULL,
    bytes INTEGER NOT NULL, seconds REAL NOT NULL, PRIMARY KEY (scope, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS protections (
    camera TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
    reason TEXT NOT NULL, created_by TEXT NOT NULL, PRIMARY KEY (camera, start_ms, end_ms)
) WITHOUT ROWID;
"""
#: Columns added after the first release; older index files get them on start.
_ADDED_COLUMNS = {"init_size": "INTEGER"}
_ADDED_TOTALS_COLUMNS = {"revision": "INTEGER NOT NULL DEFAULT 0"}
_COLUMNS = (
    "camera, start_ms, end_ms, site, size_bytes, sha256, key, codec, width, height, fps, "
    "audio_codec, thumbnail_key, derived_keys, status, reason, expires_at, protected, source_etag, "
    "init_size"
)


class SqliteCatalog(Catalog):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = SqliteDatabase(
            path,
            "synchronous=NORMAL",  # WAL + NORMAL survives an app crash; the index is rebuildable
            "cache_size=-65536",  # 64 MiB of pages per connection
            "mmap_size=1073741824",  # read pages without a copy
        )

    def initialize(self) -> None:
        try:
            self._db.create(_SCHEMA)
            self._db.add_columns("segments", _ADDED_COLUMNS)
            self._db.add_columns("totals", _ADDED_TOTALS_COLUMNS)
        except sqlite3.Error as exc:
            raise CatalogError(f"cannot create index {self.path}: {exc}") from exc

    def put_segment(self, segment: Segment) -> bool:
        with self._tx() as db:
            old = _one(db, "camera = ? AND start_ms = ?", (segment.camera, to_ms(segment.start)))
            if old is not None:
                _add_totals(db, old, -1)
            if _overlapping_protection(db, segment):
                segment = _protected(segment)
            db.execute(
                f"INSERT OR REPLACE INTO segments ({_COLUMNS}) VALUES ({','.join('?' * 20)})",
                _row(segment),
            )
            _add_totals(db, segment, +1)
            return old is None

    def get_segment(self, camera: str, start: datetime) -> Segment | None:
        with self._tx(write=False) as db:
            return _one(db, "camera = ? AND start_ms = ?", (camera, to_ms(start)))

    def query_camera(
        self, camera: str, start: datetime, end: datetime, *, include_quarantined: bool = False
    ) -> list[Segment]:
        lo, hi = to_ms(start), to_ms(end)
        status = "" if include_quarantined else " AND status = 'ok'"
        with self._tx(write=False) as db:
            # Only the immediate predecessor can overlap ``start`` (a camera's segments
            # don't overlap). Filtering on end_ms in SQL would scan the whole history.
            before = _many(
                db, "camera = ? AND start_ms < ? ORDER BY start_ms DESC LIMIT 1", (camera, lo)
            )
            before = [
                s
                for s in before
                if s.end > start and (include_quarantined or s.status is SegmentStatus.OK)
            ]
            inside = _many(
                db,
                f"camera = ? AND start_ms >= ? AND start_ms < ?{status} ORDER BY start_ms",
                (camera, lo, hi),
            )
        return before + inside

    def latest_segment(self, camera: str) -> Segment | None:
        with self._tx(write=False) as db:
            found = _many(
                db, "camera = ? AND status = 'ok' ORDER BY start_ms DESC LIMIT 1", (camera,)
            )
        return found[0] if found else None

    def query_site(
        self, site: str, start: datetime, end: datetime, *, include_quarantined: bool = False
    ) -> list[Segment]:
        status = "" if include_quarantined else " AND status = 'ok'"
        with self._tx(write=False) as db:
            return _many(
                db,
                f"site = ? AND start_ms >= ? AND start_ms < ?{status} ORDER BY start_ms, camera",
                (site, to_ms(start), to_ms(end)),
            )

    def delete_segment(self, camera: str, start: datetime) -> bool:
        with self._tx() as db:
            old = _one(db, "camera = ? AND start_ms = ?", (camera, to_ms(start)))
            if old is None:
                return False
            db.execute(
                "DELETE FROM segments WHERE camera = ? AND start_ms = ?", (camera, to_ms(start))
            )
            _add_totals(db, old, -1)
            return True

    def camera_revision(self, camera: str) -> int:
        with self._tx(write=False) as db:
            row = db.execute(
                "SELECT revision FROM totals WHERE scope = 'camera' AND id = ?", (camera,)
            ).fetchone()
        return int(row[0]) if row else 0

    def camera_totals(self, camera: str) -> Totals:
        return self._totals("camera", camera)

    def site_totals(self, site: str) -> Totals:
        return self._totals("site", site)

    def list_expired(self, now: datetime, limit: int) -> list[Segment]:
        with self._tx(write=False) as db:
            return _many(
                db,
                "protected = 0 AND expires_at IS NOT NULL AND expires_at <= ? "
                "ORDER BY expires_at LIMIT ?",
                (int(now.timestamp()), limit),
            )

    def list_ending_before(self, camera: str, cutoff: datetime, limit: int) -> list[Segment]:
        with self._tx(write=False) as db:
            return _many(
                db,
                "camera = ? AND start_ms < ? AND end_ms <= ? AND protected = 0 "
                "ORDER BY start_ms LIMIT ?",
                (camera, to_ms(cutoff), to_ms(cutoff), limit),
            )

    def add_protection(self, protection: Protection) -> None:
        lo, hi = to_ms(protection.start), to_ms(protection.end)
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO protections VALUES (?, ?, ?, ?, ?)",
                (protection.camera, lo, hi, protection.reason, protection.created_by),
            )
            db.execute(
                "UPDATE segments SET protected = 1, expires_at = NULL "
                "WHERE camera = ? AND start_ms < ? AND end_ms > ?",
                (protection.camera, hi, lo),
            )
            db.execute(
                "UPDATE totals SET revision = revision + 1 WHERE scope = 'camera' AND id = ?",
                (protection.camera,),
            )

    def list_protections(self, camera: str | None = None) -> list[Protection]:
        sql = "SELECT camera, start_ms, end_ms, reason, created_by FROM protections"
        args: tuple[str, ...] = ()
        if camera is not None:
            sql, args = sql + " WHERE camera = ?", (camera,)
        with self._tx(write=False) as db:
            rows = db.execute(sql + " ORDER BY camera, start_ms", args).fetchall()
        return [Protection(r[0], from_ms(r[1]), from_ms(r[2]), r[3], r[4]) for r in rows]

    def cameras(self) -> list[str]:
        with self._tx(write=False) as db:
            rows = db.execute("SELECT id FROM totals WHERE scope = 'camera' ORDER BY id").fetchall()
        return [str(row[0]) for row in rows]

    def close(self) -> None:
        self._db.close()

    # -- internals -------------------------------------------------------

    def _totals(self, scope: str, ident: str) -> Totals:
        with self._tx(write=False) as db:
            row = db.execute(
                "SELECT segments, bytes, seconds FROM totals WHERE scope = ? AND id = ?",
                (scope, ident),
            ).fetchone()
        return Totals(int(row[0]), int(row[1]), float(row[2])) if row else Totals()

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        try:
            with self._db.transaction(write) as db:
                yield db
        except sqlite3.Error as exc:
            raise CatalogError(f"index {self.path}: {exc}") from exc


def _row(s: Segment) -> tuple[object, ...]:
    expires = math.ceil(s.expires_at.timestamp()) if s.expires_at and not s.protected else None
    return (
        s.camera, to_ms(s.start), to_ms(s.end), s.site, s.size_bytes, s.sha256, s.key, s.codec,
        s.width, s.height, s.fps, s.audio_codec, s.thumbnail_key, json.dumps(list(s.derived_keys)),
        s.status.value, s.reason, expires, int(s.protected), s.source_etag, s.init_size,
    )  # fmt: skip


_STATUS = {status.value: status for status in SegmentStatus}


def _segment(r: Any) -> Segment:
    """Decode one row (hot path: ~1,440 rows per camera-day, so positional and lean)."""
    (camera, start, end, site, size, sha, key, codec, width, height, fps, audio, thumb,
     derived, status, reason, expires, protected, etag, init_size) = r  # fmt: skip
    return Segment(
        camera, site, from_ms(start), from_ms(end), size, sha, key, codec, width, height, fps,
        audio, thumb, () if derived == "[]" else tuple(json.loads(derived)), _STATUS[status],
        reason, None if expires is None else datetime.fromtimestamp(expires, UTC),
        bool(protected), etag, init_size,
    )  # fmt: skip


def _one(db: sqlite3.Connection, where: str, args: tuple[object, ...]) -> Segment | None:
    found = _many(db, where, args)
    return found[0] if found else None


def _many(db: sqlite3.Connection, where: str, args: tuple[object, ...]) -> list[Segment]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM segments WHERE {where}", args).fetchall()
    with _no_cyclic_gc():
        return [_segment(row) for row in rows]


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Decoding a day allocates thousands of acyclic objects, which would trigger
    cyclic-GC passes mid-loop (the p99 tail); reference counting frees them anyway."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _add_totals(db: sqlite3.Connection, seg: Segment, sign: int) -> None:
    for scope, ident in (("camera", seg.camera), ("site", seg.site)):
        db.execute(
            "INSERT INTO totals (scope, id, segments, bytes, seconds, revision) "
            "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (scope, id) DO UPDATE SET "
            "segments = segments + excluded.segments, bytes = bytes + excluded.bytes, "
            "seconds = seconds + excluded.seconds, revision = revision + 1",
            (scope, ident, sign, sign * seg.size_bytes, sign * seg.duration_s),
        )


def _overlapping_protection(db: sqlite3.Connection, seg: Segment) -> bool:
    row = db.execute(
        "SELECT 1 FROM protections WHERE camera = ? AND start_ms < ? AND end_ms > ? LIMIT 1",
        (seg.camera, to_ms(seg.end), to_ms(seg.start)),
    ).fetchone()
    return row is not None


def _protected(seg: Segment) -> Segment:
    return replace(seg, protected=True, expires_at=None)
