"""What the journal remembers of each camera's footage, for ``vms plan``: how many
segments it recorded and their bytes as recorded, and per profile what its
encodes kept of the bytes. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from edge_uploader.lifecycle import COPY, SegmentState
from footage.adapters.sqlite_db import SqliteDatabase, to_ms

S = SegmentState
#: The journal's file in the spool (as edge_uploader.shell.bootstrap opens it).
JOURNAL_NAME = "journal.sqlite3"


@dataclass(frozen=True, slots=True)
class History:
    recorded: dict[str, tuple[int, int]]  # camera -> (segments, bytes as recorded)
    encoded: dict[tuple[str, str], tuple[int, int]]  # (camera, profile) -> (recorded, sent)


def camera_history(db: SqliteDatabase, since: datetime) -> History:
    """The segments recorded from ``since`` (dropped and lost ones too: they were
    recorded), and the encoded ones that went up."""
    with db.transaction(write=False) as tx:
        recorded = tx.execute(
            "SELECT camera, COUNT(*), SUM(COALESCE(recorded_size, size)) FROM uploads "
            "WHERE start_ms >= ? GROUP BY camera",
            (to_ms(since),),
        ).fetchall()
        encoded = tx.execute(
            "SELECT camera, profile, SUM(recorded_size), SUM(size) FROM uploads "
            "WHERE start_ms >= ? AND state IN (?, ?) AND recorded_size > 0 "
            "AND profile IS NOT NULL AND profile != ? GROUP BY camera, profile",
            (to_ms(since), S.UPLOADED.value, S.INGESTED.value, COPY),
        ).fetchall()
    return History(
        {row[0]: (int(row[1]), int(row[2] or 0)) for row in recorded},
        {(row[0], row[1]): (int(row[2]), int(row[3])) for row in encoded},
    )
