"""Journalled segments (table ``uploads``): one row each, in the state the
lifecycle gives it (edge_uploader.lifecycle). Every write here is one move of
the lifecycle, guarded by the states it may come from, so a row another loop
moved first is left alone: that is how the compressor and the uploader settle
who takes a row (a claim returns whether it won). Selections apply the
lifecycle's decisions in SQL; tests/unit/edge_uploader/test_journal_lifecycle.py
checks that they pick what the pure functions pick.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from edge_uploader.full_disk import waits_for_room
from edge_uploader.journal.chain import chain_lost, chain_stored
from edge_uploader.journal.ingest import queue_ingest as _queue_ingest
from edge_uploader.journal.plan import PlanBoard, read_plan, route
from edge_uploader.lifecycle import (
    COPY,
    DROPPABLE,
    PENDING,
    UPLOADABLE,
    SegmentRow,
    SegmentState,
    journalled,
    sources,
)
from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms

S = SegmentState
COLUMNS = (
    "path, camera, site, start_ms, size, state, sha256, attempts, last_error, evidence, "
    "profile, upload_path, recorded_size, next_attempt_ms"
)
#: A segment starting this long before a hold's start may still overlap it.
_EVIDENCE_SLACK_MS = 300_000
#: The compressor settles a row as recorded from these (a failed upload is mark_failed).
_AS_RECORDED = frozenset({S.WAITING, S.ENCODING})


def segment_row(r: Any) -> SegmentRow:
    return SegmentRow(
        Path(r[0]), r[1], r[2], from_ms(r[3]), r[4], S(r[5]), r[6], r[7], r[8], bool(r[9]),
        r[10], Path(r[11]) if r[11] else None, r[12], from_ms(r[13]),
    )  # fmt: skip


def among(states: Collection[SegmentState]) -> tuple[str, tuple[str, ...]]:
    """``state IN (...)`` and its arguments."""
    values = tuple(sorted(s.value for s in states))
    return f"state IN ({','.join('?' * len(values))})", values


def insert(
    db: sqlite3.Connection,
    row: SegmentRow,
    now: datetime,
    metadata: Mapping[str, str] | None = None,
    *,
    once: bool = False,
) -> bool:
    """Journal ``row`` inside the caller's transaction (False: the path has a row;
    ``once``: sqlite3.IntegrityError instead)."""
    verb = "INSERT" if once else "INSERT OR IGNORE"
    cur = db.execute(
        f"{verb} INTO uploads (path, camera, site, start_ms, size, state, enqueued_ms, "
        "profile, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (str(row.path), row.camera, row.site, to_ms(row.start), row.size, row.state.value,
         to_ms(now), row.profile, json.dumps(metadata) if metadata is not None else None),
    )  # fmt: skip
    return cur.rowcount == 1


class Uploads:
    def __init__(self, db: SqliteDatabase, plan: PlanBoard) -> None:
        self._db = db
        self.plan = plan

    # -- journalling -------------------------------------------------------------

    def enqueue_now(
        self, path: Path, camera: str, site: str, start: datetime, now: datetime
    ) -> bool:
        """:meth:`enqueue`, failing at once on a full disk (for the recorder, which
        must not wait: the spool journals the file at its next check)."""
        with self._db.transaction() as db:
            state = journalled(camera, read_plan(db).held)
            row = SegmentRow(path, camera, site, start, path.stat().st_size, state)
            return insert(db, row, now)

    enqueue = waits_for_room(enqueue_now)

    # -- what the uploader and the compressor take ----------------------------------

    def due(self, now: datetime, limit: int, oldest_first: bool = True) -> list[SegmentRow]:
        """lifecycle.next_for_upload: due rows, evidence first, then by start."""
        order = "ASC" if oldest_first else "DESC"
        where, args = among(UPLOADABLE)
        return self._select(
            f"{where} AND next_attempt_ms <= ? ORDER BY evidence DESC, start_ms {order}, path "
            "LIMIT ?",
            (*args, to_ms(now), limit),
        )

    def waiting(
        self, limit: int, oldest_first: bool = True, cameras: Collection[str] | None = None
    ) -> list[SegmentRow]:
        """lifecycle.next_for_compressor: WAITING rows (of ``cameras``), by start."""
        order = "ASC" if oldest_first else "DESC"
        of, args = "", tuple(cameras or ())
        if cameras is not None:
            of = f"AND camera IN ({','.join('?' * len(args))})"
        return self._select(
            f"state = ? {of} ORDER BY start_ms {order}, path LIMIT ?",
            (S.WAITING.value, *args, limit),
        )

    def next_to_drop(self, limit: int) -> list[SegmentRow]:
        """lifecycle.next_to_drop: what the spool-full policy drops first."""
        where, args = among(DROPPABLE)
        return self._select(f"{where} ORDER BY evidence, start_ms, path LIMIT ?", (*args, limit))

    def item(self, path: Path) -> SegmentRow | None:
        found = self._select("path = ?", (str(path),))
        return found[0] if found else None

    def items(self, *states: SegmentState) -> list[SegmentRow]:
        where, args = among(states)
        return self._select(where, args)

    def paths(self, *states: SegmentState) -> list[Path]:
        return [row.path for row in self.items(*states)]

    def known(self, path: Path) -> bool:
        """Whether ``path`` has a row in any state (its name is taken for good)."""
        with self._db.transaction() as db:
            row = db.execute("SELECT 1 FROM uploads WHERE path = ?", (str(path),)).fetchone()
        return row is not None

    def upload_paths(self) -> set[Path]:
        """Compressed files the journal still needs (any other one is an orphan)."""
        where, args = among(PENDING)
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                f"SELECT upload_path FROM uploads WHERE {where} AND upload_path IS NOT NULL", args
            ).fetchall()
        return {Path(r[0]) for r in rows}

    def upload_state(self, path: Path) -> tuple[SegmentState, str | None] | None:
        """(state, SHA-256 sent) of the row of a spool file."""
        with self._db.transaction(write=False) as db:
            row = db.execute(
                "SELECT state, sha256 FROM uploads WHERE path = ?", (str(path),)
            ).fetchone()
        return (S(row[0]), row[1]) if row else None

    def upload_metadata(self, path: Path) -> dict[str, str]:
        """What the watcher asked to send with a spool file (supersedes, original...)."""
        with self._db.transaction(write=False) as db:
            row = db.execute("SELECT metadata FROM uploads WHERE path = ?", (str(path),)).fetchone()
        return dict(json.loads(row[0])) if row and row[0] else {}

    def _select(self, where: str, args: tuple[Any, ...]) -> list[SegmentRow]:
        with self._db.transaction(write=False) as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM uploads WHERE {where}", args).fetchall()
        return [segment_row(r) for r in rows]

    # -- the compressor's moves ---------------------------------------------------------

    @waits_for_room
    def claim_encode(self, path: Path, profile: str) -> bool:
        """WAITING -> ENCODING to ``profile``, unless someone took it first."""
        return self._move(path, S.ENCODING, sources(S.ENCODING), profile=profile)

    @waits_for_room
    def as_recorded(self, path: Path) -> bool:
        """The compressor's decision: it goes up as recorded (-> READY, "copy")."""
        return self._move(path, S.READY, _AS_RECORDED, profile=COPY)

    @waits_for_room
    def mark_compressed(self, path: Path, upload_path: Path, profile: str, size: int) -> bool:
        """The compressed file is complete and synced: upload it instead (the caller
        then deletes the recording). ENCODING -> READY."""
        with self._db.transaction() as db:
            cur = db.execute(
                "UPDATE uploads SET state = ?, profile = ?, upload_path = ?, "
                "recorded_size = size, size = ?, sha256 = NULL WHERE path = ? AND state = ?",
                (S.READY.value, profile, str(upload_path), size, str(path), S.ENCODING.value),
            )
            return cur.rowcount == 1

    def restart_cut_encodes(self) -> int:
        """At the start of ``vms up`` only (Spool.reconcile): an encode a crash cut
        short is decided again. Never from another command (``vms status``): the
        running compressor's encodes are not cut short."""
        with self._db.transaction() as db:
            cut = db.execute(
                "UPDATE uploads SET state = ?, profile = NULL WHERE state = ?",
                (S.RECORDED.value, S.ENCODING.value),
            ).rowcount
            if cut:
                route(db, read_plan(db).held)
            return int(cut)

    # -- the uploader's moves ------------------------------------------------------------

    @waits_for_room
    def claim_for_upload(self, path: Path) -> SegmentRow | None:
        """The row, UPLOADING (going up as recorded if undecided), unless the
        compressor has it or it is closed (then None)."""
        where, args = among(sources(S.UPLOADING))
        with self._db.transaction() as db:
            db.execute(
                f"UPDATE uploads SET state = ?, profile = COALESCE(profile, ?) "
                f"WHERE path = ? AND {where}",
                (S.UPLOADING.value, COPY, str(path), *args),
            )
            row = db.execute(
                f"SELECT {COLUMNS} FROM uploads WHERE path = ? AND state = ?",
                (str(path), S.UPLOADING.value),
            ).fetchone()
        return segment_row(row) if row else None

    @waits_for_room
    def record_hash(self, path: Path, size: int, sha256: str) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE uploads SET sha256 = ?, size = ? WHERE path = ?", (sha256, size, str(path))
            )

    @waits_for_room
    def mark_failed(self, path: Path, error: str, retry_at: datetime) -> None:
        """UPLOADING -> READY, retried at ``retry_at``."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE uploads SET state = ?, attempts = attempts + 1, last_error = ?, "
                "next_attempt_ms = ? WHERE path = ? AND state = ?",
                (S.READY.value, error[:1000], to_ms(retry_at), str(path), S.UPLOADING.value),
            )

    @waits_for_room
    def mark_uploaded(
        self, path: Path, key: str, now: datetime, *, queue_ingest: bool = True,
        end: datetime | None = None, described: Mapping[str, str] | None = None,
    ) -> None:  # fmt: skip
        """Stored and verified: the row UPLOADED, its ingest queued and its chain
        record appended, in one transaction (``queue_ingest`` False: the cloud
        indexes it; ``end``: the segment's end, when known; ``described``: the
        description it went up with, for the site manifest's index)."""
        where, args = among(sources(S.UPLOADED))
        with self._db.transaction() as db:
            moved = db.execute(
                "UPDATE uploads SET state = ?, key = ?, finished_ms = ?, last_error = NULL "
                f"WHERE path = ? AND {where}",
                (S.UPLOADED.value, key, to_ms(now), str(path), *args),
            ).rowcount
            if queue_ingest:
                _queue_ingest(db, key, now)
            if moved:
                chain_stored(db, path, key, end, now, described)

    # -- closing before storage, and evidence -------------------------------------------

    @waits_for_room
    def close_row(self, path: Path, state: SegmentState, reason: str, now: datetime) -> bool:
        """DROPPED, LOST or EXPIRED, from where the lifecycle allows it; the loss is
        a ``dropped`` record in its camera's chain (same transaction)."""
        where, args = among(sources(state))
        with self._db.transaction() as db:
            cur = db.execute(
                f"UPDATE uploads SET state = ?, last_error = ?, finished_ms = ? "
                f"WHERE path = ? AND {where}",
                (state.value, reason, to_ms(now), str(path), *args),
            )
            if cur.rowcount == 1:
                chain_lost(db, path, state.value, now)
            return cur.rowcount == 1

    @waits_for_room
    def mark_evidence(self, camera: str, start: datetime, end: datetime) -> int:
        """Pending segments of ``camera`` that overlap [start, end) go first, are never
        compressed (a WAITING one is RECORDED again) and are kept past retention."""
        where, args = among(PENDING)
        with self._db.transaction() as db:
            cur = db.execute(
                "UPDATE uploads SET evidence = 1, next_attempt_ms = 0, "
                f"state = CASE WHEN state = ? THEN ? ELSE state END WHERE {where} "
                "AND camera = ? AND start_ms < ? AND start_ms >= ?",
                (S.WAITING.value, S.RECORDED.value, *args, camera, to_ms(end),
                 to_ms(start) - _EVIDENCE_SLACK_MS),
            )  # fmt: skip
            return cur.rowcount

    def _move(
        self, path: Path, target: SegmentState, allowed: Collection[SegmentState], profile: str
    ) -> bool:
        where, args = among(allowed)
        with self._db.transaction() as db:
            cur = db.execute(
                f"UPDATE uploads SET state = ?, profile = ? WHERE path = ? AND {where}",
                (target.value, profile, str(path), *args),
            )
            return cur.rowcount == 1
