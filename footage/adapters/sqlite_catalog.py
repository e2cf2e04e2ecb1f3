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
from collections.abc import Iterable, Iterator
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
CREATE TABLE IF NOT EXISTS variants (
    camera TEXT NOT NULL, start_ms INTEGER NOT NULL, variant TEXT NOT NULL, end_ms INTEGER NOT NULL,
    site TEXT NOT NULL, size_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, key TEXT NOT NULL,
    codec TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, fps REAL NOT NULL,
    audio_codec TEXT, thumbnail_key TEXT, derived_keys TEXT NOT NULL, status TEXT NOT NULL,
    reason TEXT, expires_at INTEGER, protected INTEGER NOT NULL, source_etag TEXT,
    init_size INTEGER,
    PRIMARY KEY (camera, start_ms, variant)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS variants_site_start ON variants (site, start_ms);
CREATE INDEX IF NOT EXISTS variants_expiry ON variants (expires_at)
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
#: Rows kept apart (Segment.variant): the same columns and the variant itself.
_VARIANT_COLUMNS = _COLUMNS + ", variant"
_TABLE, _VARIANTS = "segments", "variants"


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
        return self.put_segments([segment]) == 1

    def put_segments(self, segments: Iterable[Segment]) -> int:
        """Insert or replace each segment, all in one transaction (a bulk load:
        bench/catalog_sqlite.py's millions of rows). Totals and evidence holds as
        put_segment, which is this with one segment. Returns how many were new."""
        added = 0
        with self._tx() as db:
            for segment in segments:
                old = _get(db, segment.camera, segment.start, segment.variant)
                _write(db, segment, old)
                added += old is None
        return added

    def add_segment(self, segment: Segment, *, holds_checked: bool = False) -> bool:
        del holds_checked  # the holds are read in the same transaction: no call to save
        with self._tx() as db:
            if _get(db, segment.camera, segment.start, segment.variant) is not None:
                return False
            _write(db, segment, None)
            return True

    def replace_segment(self, segment: Segment, expected: Segment) -> bool:
        with self._tx() as db:
            old = _get(db, segment.camera, segment.start, segment.variant)
            if old is None or (old.key, old.sha256) != (expected.key, expected.sha256):
                return False
            _write(db, segment, old)
            return True

    def get_segment(self, camera: str, start: datetime, variant: str = "") -> Segment | None:
        with self._tx(write=False) as db:
            return _get(db, camera, start, variant)

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
            if not include_quarantined:
                return before + inside
            apart = _variants(
                db, "camera = ? AND start_ms < ? AND (start_ms >= ? OR end_ms > ?)",
                (camera, hi, lo, lo),
            )  # fmt: skip
        return _merged(before + inside, apart)

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
        where = "site = ? AND start_ms >= ? AND start_ms < ?"
        args = (site, to_ms(start), to_ms(end))
        with self._tx(write=False) as db:
            found = _many(db, f"{where}{status} ORDER BY start_ms, camera", args)
            if include_quarantined:
                found += _variants(db, where, args)
        return sorted(found, key=_site_order) if include_quarantined else found

    def delete_segment(self, camera: str, start: datetime, variant: str = "") -> bool:
        with self._tx() as db:
            old = _get(db, camera, start, variant)
            if old is None:
                return False
            table, where, args = _identity(camera, start, variant)
            db.execute(f"DELETE FROM {table} WHERE {where}", args)
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
        where = "protected = 0 AND expires_at IS NOT NULL AND expires_at <= ?"
        args = (int(now.timestamp()),)
        with self._tx(write=False) as db:
            found = _many(db, f"{where} ORDER BY expires_at LIMIT ?", (*args, limit))
            found += _variants(db, f"{where} ORDER BY expires_at LIMIT ?", (*args, limit))
        return sorted(found, key=lambda s: s.expires_at or s.end)[:limit]

    def list_ending_before(self, camera: str, cutoff: datetime, limit: int) -> list[Segment]:
        where = "camera = ? AND start_ms < ? AND end_ms <= ? AND protected = 0"
        args = (camera, to_ms(cutoff), to_ms(cutoff))
        with self._tx(write=False) as db:
            found = _many(db, f"{where} ORDER BY start_ms LIMIT ?", (*args, limit))
            found += _variants(db, f"{where} ORDER BY start_ms LIMIT ?", (*args, limit))
        return sorted(found, key=lambda s: (s.start, s.variant))[:limit]

    def add_protection(self, protection: Protection) -> None:
        lo, hi = to_ms(protection.start), to_ms(protection.end)
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO protections VALUES (?, ?, ?, ?, ?)",
                (protection.camera, lo, hi, protection.reason, protection.created_by),
            )
            for table in (_TABLE, _VARIANTS):
                db.execute(
                    f"UPDATE {table} SET protected = 1, expires_at = NULL "
                    "WHERE camera = ? AND start_ms < ? AND (end_ms > ? OR start_ms >= ?)",
                    (protection.camera, hi, lo, lo),
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

    def remove_protection(self, protection: Protection) -> bool:
        lo, hi = to_ms(protection.start), to_ms(protection.end)
        with self._tx() as db:
            gone = db.execute(
                "DELETE FROM protections WHERE camera = ? AND start_ms = ? AND end_ms = ?",
                (protection.camera, lo, hi),
            )
        return gone.rowcount > 0

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


def _identity(camera: str, start: datetime, variant: str) -> tuple[str, str, tuple[object, ...]]:
    """(table, where, args) of the row named (camera, start, variant)."""
    if variant:
        return _VARIANTS, "camera = ? AND start_ms = ? AND variant = ?", (camera, to_ms(start),
                                                                         variant)  # fmt: skip
    return _TABLE, "camera = ? AND start_ms = ?", (camera, to_ms(start))


def _get(db: sqlite3.Connection, camera: str, start: datetime, variant: str) -> Segment | None:
    table, where, args = _identity(camera, start, variant)
    found = _variants(db, where, args) if table == _VARIANTS else _many(db, where, args)
    return found[0] if found else None


def _write(db: sqlite3.Connection, segment: Segment, old: Segment | None) -> None:
    """Insert or replace ``segment`` (whose row held ``old``), totals in step."""
    if old is not None:
        _add_totals(db, old, -1)
    if _overlapping_protection(db, segment):
        segment = _protected(segment)
    if segment.variant:
        db.execute(
            f"INSERT OR REPLACE INTO {_VARIANTS} ({_VARIANT_COLUMNS}) "
            f"VALUES ({','.join('?' * 21)})",
            (*_row(segment), segment.variant),
        )
    else:
        db.execute(
            f"INSERT OR REPLACE INTO {_TABLE} ({_COLUMNS}) VALUES ({','.join('?' * 20)})",
            _row(segment),
        )
    _add_totals(db, segment, +1)


def _variants(db: sqlite3.Connection, where: str, args: tuple[object, ...]) -> list[Segment]:
    rows = db.execute(f"SELECT {_VARIANT_COLUMNS} FROM {_VARIANTS} WHERE {where}", args)
    return [replace(_segment(row[:-1]), variant=row[-1]) for row in rows.fetchall()]


def _merged(segments: list[Segment], apart: list[Segment]) -> list[Segment]:
    """One camera's rows by start, each variant after the segment of its start."""
    return sorted([*segments, *apart], key=lambda s: (s.start, s.variant))


def _site_order(s: Segment) -> tuple[datetime, str, str]:
    return s.start, s.camera, s.variant


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
    """A hold covers part of the segment (or its start, for a row of no duration)."""
    row = db.execute(
        "SELECT 1 FROM protections WHERE camera = ? AND start_ms <= ? AND end_ms > ? "
        "AND (start_ms < ? OR ? = ?) LIMIT 1",
        (
            seg.camera,
            to_ms(seg.end),
            to_ms(seg.start),
            to_ms(seg.end),
            to_ms(seg.start),
            to_ms(seg.end),
        ),
    ).fetchone()
    return row is not None


def _protected(seg: Segment) -> Segment:
    return replace(seg, protected=True, expires_at=None)
