"""Thumbnail sprites (tables ``sprites`` and ``sprite_tiles``): one row per camera
per window in the state edge_uploader.lifecycle gives it (SpriteState), and the
tiles it holds. Every write is one guarded move, in one transaction:

* a tile joins only an OPEN window (:meth:`SpriteJournal.join`), so a segment
  that says its tile is in a sprite (``sprite=1``) is in one that gets assembled;
* a window closes in the transaction that finds none of its segments pending
  (lifecycle.window_closes over the ``uploads`` table), so no tile joins it late.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from edge_uploader.full_disk import waits_for_room
from edge_uploader.lifecycle import (
    PENDING,
    SPRITE_PENDING,
    SPRITE_SOURCES,
    SpriteState,
    SpriteWindow,
    window_closes,
)
from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms
from footage.keys import SPRITE_WINDOW

SCHEMA = """
CREATE TABLE IF NOT EXISTS sprites (
    key TEXT PRIMARY KEY, camera TEXT NOT NULL, site TEXT NOT NULL, window_ms INTEGER NOT NULL,
    path TEXT NOT NULL, state TEXT NOT NULL, size INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, finished_ms INTEGER
);
CREATE INDEX IF NOT EXISTS sprites_state ON sprites (state, window_ms);
-- whether a window's footage is pending, and whether a later segment came (close_if_over)
CREATE INDEX IF NOT EXISTS uploads_camera ON uploads (camera, start_ms);
CREATE TABLE IF NOT EXISTS sprite_tiles (
    key TEXT NOT NULL, tile INTEGER NOT NULL, start_ms INTEGER NOT NULL, size INTEGER NOT NULL,
    PRIMARY KEY (key, tile)
);
"""
SP = SpriteState
_COLUMNS = "key, camera, site, window_ms, path, state, size, attempts, next_attempt_ms"


def _window(r: Any) -> SpriteWindow:
    return SpriteWindow(r[0], r[1], r[2], from_ms(r[3]), Path(r[4]), SP(r[5]), r[6], r[7],
                        from_ms(r[8]))  # fmt: skip


class SpriteJournal:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    # -- tiles -------------------------------------------------------------------

    def needs_tile(self, key: str, tile: int, start: datetime) -> bool | None:
        """None: the window takes no tile (closed, sent or dropped); False: its tile
        already shows this segment or an earlier one of the same minute (the
        convention of footage.keys.sprite_tile); True: make it."""
        with self._db.transaction(write=False) as db:
            state = db.execute("SELECT state FROM sprites WHERE key = ?", (key,)).fetchone()
            held = db.execute(
                "SELECT start_ms FROM sprite_tiles WHERE key = ? AND tile = ?", (key, tile)
            ).fetchone()
        if state is not None and SP(state[0]) is not SP.OPEN:
            return None
        return held is None or to_ms(start) < held[0]

    @waits_for_room
    def join(self, window: SpriteWindow, tile: int, start: datetime, size: int,
             place: Callable[[], None]) -> bool:  # fmt: skip
        """Tile ``tile`` of ``window`` shows the segment starting at ``start``:
        ``place`` puts its file where it belongs, inside the transaction that
        journals it, only if the window is OPEN (journalled OPEN if new). False:
        the window takes no tile; nothing was placed."""
        with self._db.transaction() as db:
            db.execute(
                f"INSERT OR IGNORE INTO sprites ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0)",
                (window.key, window.camera, window.site, to_ms(window.start), str(window.path),
                 SP.OPEN.value),
            )  # fmt: skip
            state = db.execute("SELECT state FROM sprites WHERE key = ?", (window.key,))
            if SP(state.fetchone()[0]) is not SP.OPEN:
                return False
            held = db.execute("SELECT start_ms, size FROM sprite_tiles WHERE key = ? AND tile = ?",
                              (window.key, tile)).fetchone()  # fmt: skip
            if held is not None and held[0] <= to_ms(start):
                return True  # an earlier segment of the minute holds it
            place()
            db.execute("INSERT OR REPLACE INTO sprite_tiles VALUES (?, ?, ?, ?)",
                       (window.key, tile, to_ms(start), size))  # fmt: skip
            db.execute("UPDATE sprites SET size = size + ? WHERE key = ?",
                       (size - (held[1] if held else 0), window.key))  # fmt: skip
            return True

    def tiles(self, key: str) -> dict[int, int]:
        """The window's tiles: index -> the start (ms) of the segment it shows."""
        with self._db.transaction(write=False) as db:
            rows = db.execute("SELECT tile, start_ms FROM sprite_tiles WHERE key = ?", (key,))
            return {int(r[0]): int(r[1]) for r in rows.fetchall()}

    # -- windows -------------------------------------------------------------------

    def windows(self, *states: SpriteState) -> list[SpriteWindow]:
        where, args = among(states)
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM sprites WHERE {where} ORDER BY window_ms, key", args
            ).fetchall()
        return [_window(r) for r in rows]

    def window(self, key: str) -> SpriteWindow | None:
        with self._db.transaction(write=False) as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM sprites WHERE key = ?", (key,)).fetchone()
        return _window(row) if row else None

    @waits_for_room
    def close_if_over(self, window: SpriteWindow, now: datetime, grace: timedelta) -> bool:
        """OPEN -> CLOSED when lifecycle.window_closes says so, by the camera's
        journalled segments read again in the transaction that closes it (a read
        first: most windows stay open while an outage holds their footage back)."""
        with self._db.transaction(write=False) as db:
            if not window_closes(window, now, grace, *_segments_of(db, window)):
                return False
        with self._db.transaction() as db:
            if not window_closes(window, now, grace, *_segments_of(db, window)):
                return False
            return _move(db, window.key, SP.CLOSED)

    @waits_for_room
    def assembled(self, key: str, size: int) -> bool:
        """CLOSED -> READY: the sprite is on disk (its tiles may go)."""
        with self._db.transaction() as db:
            return _move(db, key, SP.READY, size=size)

    @waits_for_room
    def sent(self, key: str, now: datetime) -> bool:
        with self._db.transaction() as db:
            return _move(db, key, SP.SENT, finished_ms=to_ms(now))

    @waits_for_room
    def failed(self, key: str, error: str, retry_at: datetime) -> None:
        """A failed assembly (CLOSED) or send (READY): tried again at ``retry_at``."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE sprites SET attempts = attempts + 1, last_error = ?, next_attempt_ms = ? "
                "WHERE key = ?", (error[:1000], to_ms(retry_at), key),
            )  # fmt: skip

    @waits_for_room
    def drop(self, key: str, reason: str, now: datetime) -> bool:
        """Given up (the spool is full, or it cannot be made): never sent."""
        with self._db.transaction() as db:
            return _move(db, key, SP.DROPPED, last_error=reason[:1000], finished_ms=to_ms(now))

    def pending_bytes(self) -> int:
        """Bytes on disk of sprites not sent yet (the spool quota counts them)."""
        where, args = among(SPRITE_PENDING)
        with self._db.transaction(write=False) as db:
            (total,) = db.execute(f"SELECT COALESCE(SUM(size), 0) FROM sprites WHERE {where}",
                                  args).fetchone()  # fmt: skip
        return int(total)


def among(states: Collection[SpriteState]) -> tuple[str, tuple[str, ...]]:
    """``state IN (...)`` and its arguments."""
    values = tuple(sorted(s.value for s in states))
    return f"state IN ({','.join('?' * len(values))})", values


def _segments_of(db: sqlite3.Connection, window: SpriteWindow) -> tuple[int, bool]:
    """(segments of the window's camera starting in it still pending, whether one of
    its segments starts after it) by the ``uploads`` table."""
    start, end = to_ms(window.start), to_ms(window.start + SPRITE_WINDOW)
    values = tuple(sorted(s.value for s in PENDING))
    (pending,) = db.execute(
        "SELECT COUNT(*) FROM uploads WHERE camera = ? AND start_ms >= ? AND start_ms < ? "
        f"AND state IN ({','.join('?' * len(values))})", (window.camera, start, end, *values),
    ).fetchone()  # fmt: skip
    later = db.execute("SELECT 1 FROM uploads WHERE camera = ? AND start_ms >= ? LIMIT 1",
                       (window.camera, end)).fetchone()  # fmt: skip
    return int(pending), later is not None


def _move(db: sqlite3.Connection, key: str, target: SpriteState, **columns: object) -> bool:
    """One guarded move of the lifecycle (SPRITE_SOURCES), setting ``columns`` too."""
    where, args = among(SPRITE_SOURCES[target])
    sets = "".join(f", {name} = ?" for name in columns)
    cur = db.execute(f"UPDATE sprites SET state = ?{sets} WHERE key = ? AND {where}",
                     (target.value, *columns.values(), key, *args))  # fmt: skip
    return cur.rowcount == 1
