"""The chain of custody at the edge (tables ``chain_records``, ``chain_manifests``,
``chain_keys``): footage.chain records appended in the very transaction that
changes a segment's state, and footage.manifest manifests sealed and sent.

Why this cannot fork or lose a record after kill -9 at any point:

* a record is appended by :func:`append_record` inside the caller's write
  transaction (the row moving to UPLOADED or DROPPED); SQLite's write lock
  serialises appenders, ``(site, camera, seq)`` is the primary key (a second
  record for a seq is refused, not written) and ``source`` is unique (the same
  segment's move replayed appends nothing);
* a camera's outage is journalled when it begins (``chain_open_gaps``: it
  survives a restart, the older start kept) and becomes one ``gap`` record when
  the camera is back, in the transaction that closes it (source
  ``gap:<site>:<camera>:<start ms>``: never appended twice);
* a manifest is sealed in one transaction that numbers it, stores its bytes
  and signature and marks its records taken, so each record is in exactly one
  manifest; sending is write-once (``exists`` = sent) and may repeat freely.

A ``segment`` record keeps the key its object went to (``source``) and, when the
uploader described the segment (edge_uploader.describe), that description
(``described``, JSON): the manifest's ``index`` carries both, so the cloud can
index the site's footage of 10 minutes from the one manifest.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from edge_uploader.full_disk import waits_for_room
from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms
from footage.chain import (
    ZERO_HASH,
    Record,
    RecordKind,
    append,
    dropped_fields,
    gap_fields,
    genesis,
    record_from_json,
    segment_fields,
)
from footage.errors import KeyFormatError
from footage.keys import KeyKind, chain_object_name, parse_key
from footage.manifest import Manifest, Stored, build_manifest, parse_manifest

SCHEMA = """
CREATE TABLE IF NOT EXISTS chain_records (
    site TEXT NOT NULL, camera TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL,
    body TEXT NOT NULL, source TEXT UNIQUE, manifest INTEGER, described TEXT,
    PRIMARY KEY (site, camera, seq)
);
CREATE INDEX IF NOT EXISTS chain_unsealed ON chain_records (site, manifest);
CREATE TABLE IF NOT EXISTS chain_manifests (
    site TEXT NOT NULL, seq INTEGER NOT NULL, issued_ms INTEGER NOT NULL, hash TEXT NOT NULL,
    body BLOB NOT NULL, signature BLOB NOT NULL, retention_days INTEGER NOT NULL,
    state TEXT NOT NULL, tsr BLOB, tsr_state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, PRIMARY KEY (site, seq)
);
CREATE TABLE IF NOT EXISTS chain_keys (site TEXT PRIMARY KEY, key_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chain_open_gaps (
    site TEXT NOT NULL, camera TEXT NOT NULL, start_ms INTEGER NOT NULL, reason TEXT NOT NULL,
    PRIMARY KEY (site, camera)
);
"""
#: Columns added since the first chain journal (an older file gains them, NULL).
CHAIN_RECORD_COLUMNS = {"described": "TEXT"}
READY, SENT = "ready", "sent"
#: A manifest's time-stamp token: none wanted, still to fetch, or sent beside it.
TSR_NONE, TSR_WANTED, TSR_SENT = "none", "wanted", "sent"
#: Before any key is registered (a journal written before chains): the genesis says so.
UNKNOWN_KEY = "unregistered"


@dataclass(frozen=True, slots=True)
class SealedManifest:
    site: str
    seq: int
    issued_at: datetime
    body: bytes
    signature: bytes
    retention_days: int
    tsr: bytes | None
    tsr_state: str
    state: str
    attempts: int = 0


def append_record(
    db: sqlite3.Connection, site: str, camera: str, kind: RecordKind,
    fields: Mapping[str, object], source: str, now: datetime,
    described: Mapping[str, str] | None = None,
) -> Record | None:  # fmt: skip
    """Append to ``camera``'s chain inside the caller's write transaction (its
    genesis first, if it has none); None if ``source`` was appended before.
    ``described``: the segment's description, for the manifest's index."""
    if db.execute("SELECT 1 FROM chain_records WHERE source = ?", (source,)).fetchone():
        return None
    head = _head(db, site, camera)
    if head is None:
        key = db.execute("SELECT key_id FROM chain_keys WHERE site = ?", (site,)).fetchone()
        head = genesis(site, camera, now, key[0] if key else UNKNOWN_KEY)
        _insert(db, head, None)
    record = append(head, kind, fields)
    _insert(db, record, source, described)
    return record


def _head(db: sqlite3.Connection, site: str, camera: str) -> Record | None:
    row = db.execute(
        "SELECT body FROM chain_records WHERE site = ? AND camera = ? ORDER BY seq DESC LIMIT 1",
        (site, camera),
    ).fetchone()
    return record_from_json(_json(row[0])) if row else None


def _insert(
    db: sqlite3.Connection, record: Record, source: str | None,
    described: Mapping[str, str] | None = None,
) -> None:  # fmt: skip
    db.execute(
        "INSERT INTO chain_records (site, camera, seq, hash, body, source, described) "
        "VALUES (?,?,?,?,?,?,?)",
        (record.site, record.camera, record.seq, record.hash,
         record.canonical().decode("utf-8"), source,
         json.dumps(dict(described), sort_keys=True) if described else None),
    )  # fmt: skip


def _stored(record: Record, source: str | None, described: str | None) -> Stored | None:
    """The index entry of a ``segment`` record whose source is its stored key."""
    if record.kind is not RecordKind.SEGMENT or source is None:
        return None
    try:
        if parse_key(source).kind is not KeyKind.SEGMENT:
            return None
    except KeyFormatError:
        return None
    meta = json.loads(described) if described else {}
    return Stored(record.camera, record.seq, source, {str(k): str(v) for k, v in meta.items()})


def _json(text: str) -> dict[str, object]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("a chain record is a JSON object")
    return value


class ChainJournal:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    @waits_for_room
    def register_key(self, site: str, key_id: str, cameras: list[str], now: datetime) -> int:
        """The site signs with ``key_id`` from now on; a change appends a ``rekey``
        record to each of its cameras' chains (returns how many)."""
        with self._db.transaction() as db:
            row = db.execute("SELECT key_id FROM chain_keys WHERE site = ?", (site,)).fetchone()
            db.execute("INSERT OR REPLACE INTO chain_keys (site, key_id) VALUES (?, ?)",
                       (site, key_id))  # fmt: skip
            if row is None or row[0] == key_id:
                return 0
            done = 0
            for camera in cameras:
                if _head(db, site, camera) is not None:
                    source = f"rekey:{key_id}:{camera}"
                    fields = {"at": now, "key_id": key_id}
                    done += append_record(db, site, camera, RecordKind.REKEY, fields, source,
                                          now) is not None  # fmt: skip
            return done

    @waits_for_room
    def append(
        self, site: str, camera: str, kind: RecordKind, fields: Mapping[str, object],
        source: str, now: datetime,
    ) -> Record | None:  # fmt: skip
        with self._db.transaction() as db:
            return append_record(db, site, camera, kind, fields, source, now)

    @waits_for_room
    def gap_began(self, site: str, camera: str, start: datetime, reason: str) -> None:
        """The camera went offline at ``start`` (kept if an outage is already open:
        one that began before a restart goes on)."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO chain_open_gaps (site, camera, start_ms, reason) "
                "VALUES (?, ?, ?, ?)",
                (site, camera, to_ms(start), reason),
            )

    @waits_for_room
    def gap_ended(self, site: str, camera: str, end: datetime, now: datetime) -> Record | None:
        """The camera records again since ``end``: its open outage becomes a ``gap``
        record (None when none was open)."""
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT start_ms, reason FROM chain_open_gaps WHERE site = ? AND camera = ?",
                (site, camera),
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM chain_open_gaps WHERE site = ? AND camera = ?", (site, camera))
            start = from_ms(row[0])
            fields = gap_fields(start, max(end, start), row[1])
            source = f"gap:{site}:{camera}:{row[0]}"
            return append_record(db, site, camera, RecordKind.GAP, fields, source, now)

    def open_gap(self, site: str, camera: str) -> tuple[datetime, str] | None:
        with self._db.transaction(write=False) as db:
            row = db.execute(
                "SELECT start_ms, reason FROM chain_open_gaps WHERE site = ? AND camera = ?",
                (site, camera),
            ).fetchone()
        return (from_ms(row[0]), row[1]) if row else None

    def unsealed(self, site: str) -> int:
        with self._db.transaction(write=False) as db:
            row = db.execute(
                "SELECT COUNT(*) FROM chain_records WHERE site = ? AND manifest IS NULL", (site,)
            ).fetchone()
        return int(row[0])

    def records(self, site: str, camera: str) -> list[Record]:
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                "SELECT body FROM chain_records WHERE site = ? AND camera = ? ORDER BY seq",
                (site, camera),
            ).fetchall()
        return [record_from_json(_json(r[0])) for r in rows]

    def last_issued(self, site: str) -> datetime | None:
        with self._db.transaction(write=False) as db:
            row = db.execute(
                "SELECT MAX(issued_ms) FROM chain_manifests WHERE site = ?", (site,)
            ).fetchone()
        return from_ms(row[0]) if row and row[0] is not None else None

    @waits_for_room
    def seal(
        self, site: str, key_id: str, now: datetime, retention_days: int,
        signer: Callable[[bytes], bytes], want_tsr: bool,
    ) -> Manifest | None:  # fmt: skip
        """One transaction: the site's unsealed records become its next manifest,
        signed (None when there is nothing to seal)."""
        with self._db.transaction() as db:
            rows = db.execute(
                "SELECT body, source, described FROM chain_records "
                "WHERE site = ? AND manifest IS NULL ORDER BY camera, seq",
                (site,),
            ).fetchall()
            if not rows:
                return None
            last = db.execute(
                "SELECT seq, hash, issued_ms FROM chain_manifests WHERE site = ? "
                "ORDER BY seq DESC LIMIT 1",
                (site,),
            ).fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (0, ZERO_HASH)
            issued = now.replace(microsecond=0)
            if last and to_ms(issued) <= last[2]:  # one key per manifest: its second
                issued = from_ms(last[2]) + timedelta(seconds=1)
            records = [record_from_json(_json(r[0])) for r in rows]
            index = [e for rec, r in zip(records, rows, strict=True)
                     if (e := _stored(rec, r[1], r[2])) is not None]  # fmt: skip
            manifest = build_manifest(site, seq, prev, key_id, issued, records, index)
            body = manifest.canonical()
            db.execute(
                "INSERT INTO chain_manifests (site, seq, issued_ms, hash, body, signature, "
                "retention_days, state, tsr_state) VALUES (?,?,?,?,?,?,?,?,?)",
                (site, seq, to_ms(issued), manifest.hash, body, signer(body), retention_days,
                 READY, TSR_WANTED if want_tsr else TSR_NONE),
            )  # fmt: skip
            db.execute(
                "UPDATE chain_records SET manifest = ? WHERE site = ? AND manifest IS NULL",
                (seq, site),
            )
            return manifest

    def pending(self, now: datetime) -> list[SealedManifest]:
        """Manifests not sent, or whose token is still wanted, due at ``now``."""
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                "SELECT site, seq, issued_ms, body, signature, retention_days, tsr, tsr_state, "
                "state, attempts FROM chain_manifests WHERE (state = ? OR tsr_state = ?) "
                "AND next_attempt_ms <= ? ORDER BY issued_ms",
                (READY, TSR_WANTED, to_ms(now)),
            ).fetchall()
        return [
            SealedManifest(r[0], r[1], from_ms(r[2]), bytes(r[3]), bytes(r[4]), r[5],
                           bytes(r[6]) if r[6] is not None else None, r[7], r[8], r[9])
            for r in rows
        ]  # fmt: skip

    @waits_for_room
    def sent(self, site: str, seq: int) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE chain_manifests SET state = ?, last_error = NULL "
                "WHERE site = ? AND seq = ?",
                (SENT, site, seq),
            )

    @waits_for_room
    def stamped(self, site: str, seq: int, tsr: bytes | None, state: str) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE chain_manifests SET tsr = COALESCE(?, tsr), tsr_state = ? "
                "WHERE site = ? AND seq = ?",
                (tsr, state, site, seq),
            )

    @waits_for_room
    def failed(self, site: str, seq: int, error: str, retry_at: datetime) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE chain_manifests SET attempts = attempts + 1, last_error = ?, "
                "next_attempt_ms = ? WHERE site = ? AND seq = ?",
                (error[:1000], to_ms(retry_at), site, seq),
            )

    def manifests(self, site: str) -> list[Manifest]:
        with self._db.transaction(write=False) as db:
            rows = db.execute(
                "SELECT body FROM chain_manifests WHERE site = ? ORDER BY seq", (site,)
            ).fetchall()
        return [parse_manifest(bytes(r[0])) for r in rows]


def chain_stored(
    db: sqlite3.Connection, path: Path, key: str, end: datetime | None, now: datetime,
    described: Mapping[str, str] | None = None,
) -> Record | None:  # fmt: skip
    """The ``segment`` record of the uploads row at ``path``, stored under ``key``
    (inside the transaction that marks it UPLOADED), with the description it went
    up with. The key names it: write-once, so one key is one record however often
    the move is replayed."""
    row = _upload(db, path)
    if row is None or row.sha256 is None:
        return None
    fields = segment_fields(row.start, max(end or row.start, row.start), row.sha256, row.size,
                            chain_object_name(key))  # fmt: skip
    return append_record(db, row.site, row.camera, RecordKind.SEGMENT, fields, key, now,
                         described)  # fmt: skip


def chain_lost(db: sqlite3.Connection, path: Path, reason: str, now: datetime) -> Record | None:
    """The ``dropped`` record of a row closed before storage (spool pressure, a
    vanished file, past retention), inside the transaction that closes it."""
    row = _upload(db, path)
    if row is None:
        return None
    fields = dropped_fields(row.start, row.start, row.sha256, row.size, reason)
    source = f"lost:{path}:{to_ms(row.start)}"
    return append_record(db, row.site, row.camera, RecordKind.DROPPED, fields, source, now)


@dataclass(frozen=True, slots=True)
class _Row:
    site: str
    camera: str
    start: datetime
    size: int
    sha256: str | None


def _upload(db: sqlite3.Connection, path: Path) -> _Row | None:
    row = db.execute(
        "SELECT site, camera, start_ms, size, sha256 FROM uploads WHERE path = ?", (str(path),)
    ).fetchone()
    return _Row(row[0], row[1], from_ms(row[2]), row[3], row[4]) if row else None
