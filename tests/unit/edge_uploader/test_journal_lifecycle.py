"""The journal stores the lifecycle (real SQLite): its writes move rows only as
edge_uploader.lifecycle allows, its selections pick what the pure decisions
pick, and a journal an older version wrote keeps its backlog, each row in the
state it was really in."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.journal import Journal
from edge_uploader.journal.uploads import insert
from edge_uploader.lifecycle import (
    PENDING,
    CompressionPlan,
    SegmentRow,
    SegmentState,
    next_for_compressor,
    next_for_upload,
    next_to_drop,
    routed,
    sources,
)

S = SegmentState
T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "journal.sqlite3")
    j.initialize()
    return j


def _put(journal: Journal, row: SegmentRow) -> SegmentRow:
    """``row`` as it is, straight into the table (any state, retry time, evidence)."""
    with journal.transaction() as db:
        insert(db, row, T0)
        db.execute(
            "UPDATE uploads SET evidence = ?, next_attempt_ms = ? WHERE path = ?",
            (int(row.evidence), round(row.retry_at.timestamp() * 1000), str(row.path)),
        )
    stored = journal.uploads.item(row.path)
    assert stored is not None
    return stored


# -- writes move rows only as the lifecycle allows -----------------------------------

MOVES: dict[str, tuple[SegmentState, Callable[[Journal, Path], object]]] = {
    "claim_encode": (S.ENCODING, lambda j, p: j.uploads.claim_encode(p, "cctv-h264")),
    "as_recorded": (S.READY, lambda j, p: j.uploads.as_recorded(p)),
    "mark_compressed": (S.READY, lambda j, p: j.uploads.mark_compressed(p, p, "cctv-h264", 1)),
    "claim_for_upload": (S.UPLOADING, lambda j, p: j.uploads.claim_for_upload(p)),
    "mark_failed": (S.READY, lambda j, p: j.uploads.mark_failed(p, "reset", NOW)),
    "mark_uploaded": (S.UPLOADED, lambda j, p: j.uploads.mark_uploaded(p, f"k/{p.name}", NOW)),
    "drop": (S.DROPPED, lambda j, p: j.uploads.close_row(p, S.DROPPED, "full", NOW)),
    "lose": (S.LOST, lambda j, p: j.uploads.close_row(p, S.LOST, "vanished", NOW)),
    "expire": (S.EXPIRED, lambda j, p: j.uploads.close_row(p, S.EXPIRED, "old", NOW)),
}
#: What each write is for: a READY row's failure is mark_failed, not the compressor's.
PURPOSE = {"as_recorded": {S.WAITING, S.ENCODING}, "mark_compressed": {S.ENCODING},
           "mark_failed": {S.UPLOADING}}  # fmt: skip


def test_every_write_moves_a_row_only_where_the_lifecycle_allows(journal: Journal) -> None:
    for n, (name, (target, write)) in enumerate(sorted(MOVES.items())):
        for m, state in enumerate(S):
            if state is S.INGESTED:
                continue  # only the ingest queue's rows reach it
            path = Path(f"/spool/ready/lobby/{n:02d}{m:02d}.mp4")
            _put(journal, SegmentRow(path, "lobby", "HO", T0, 100, state))
            write(journal, path)
            allowed = sources(target) & PURPOSE.get(name, set(S))
            after = journal.uploads.item(path)
            assert after is not None
            assert after.state is (target if state in allowed else state), (name, state)


def test_evidence_never_waits_and_a_restart_takes_back_only_encodes(journal: Journal) -> None:
    journal.plan.publish(CompressionPlan(frozenset({"lobby"})))
    waiting = _put(journal, SegmentRow(Path("/s/a.mp4"), "lobby", "HO", T0, 1, S.WAITING))
    encoding = _put(journal, SegmentRow(Path("/s/b.mp4"), "lobby", "HO", T0, 1, S.ENCODING,
                                        profile="cctv-h264"))  # fmt: skip
    assert journal.uploads.mark_evidence("lobby", T0, T0 + timedelta(minutes=1)) == 2
    assert journal.uploads.item(waiting.path).state is S.RECORDED  # never compressed
    assert journal.uploads.restart_cut_encodes() == 1
    back = journal.uploads.item(encoding.path)
    assert back is not None and (back.state, back.profile, back.evidence) == (
        S.RECORDED,
        None,
        True,
    )


# -- selections pick what the pure decisions pick ----------------------------------------


def _random_rows(journal: Journal, rng: random.Random, count: int = 150) -> list[SegmentRow]:
    rows = []
    for i in range(count):
        camera = rng.choice(["lobby", "gate", "kasir"])
        start = T0 + timedelta(minutes=rng.randrange(40))  # ties on start included
        retry = NOW + timedelta(seconds=rng.choice([-60, 0, 0, 60]))
        row = SegmentRow(Path(f"/spool/ready/{camera}/{i:04d}.mp4"), camera, "HO", start,
                         rng.randrange(1, 10_000), rng.choice(list(S)),
                         evidence=rng.random() < 0.2, retry_at=retry)  # fmt: skip
        rows.append(_put(journal, row))
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_journal_picks_what_the_lifecycle_decides(journal: Journal, seed: int) -> None:
    rows = _random_rows(journal, random.Random(seed))
    uploads = journal.uploads
    for oldest_first in (True, False):
        assert uploads.due(NOW, 20, oldest_first) == next_for_upload(rows, NOW, 20, oldest_first)
        assert uploads.waiting(7, oldest_first) == next_for_compressor(rows, 7, oldest_first)
        assert uploads.waiting(5, oldest_first, {"gate"}) == next_for_compressor(
            rows, 5, oldest_first, {"gate"}
        )
    assert uploads.next_to_drop(30) == next_to_drop(rows, 30)


def test_a_published_plan_routes_undecided_rows_and_new_ones(journal: Journal) -> None:
    rows = _random_rows(journal, random.Random(4))
    held = frozenset({"lobby", "kasir"})
    journal.plan.publish(CompressionPlan(held))
    assert journal.plan.current() == CompressionPlan(held)
    after = {r.path: r.state for r in journal.uploads.items(*S)}
    assert after == {r.path: routed(r, held) for r in rows}
    for camera, state in (("lobby", S.WAITING), ("gate", S.RECORDED)):
        path = journal.path.parent / f"{camera}.mp4"
        path.write_bytes(b"x")
        assert journal.uploads.enqueue(path, camera, "HO", T0, NOW)
        assert journal.uploads.upload_state(path) == (state, None)


# -- an older journal keeps its backlog -----------------------------------------------------

#: The tables as the version before explicit states wrote them.
OLD_SCHEMA = """
CREATE TABLE uploads (
    path TEXT PRIMARY KEY, camera TEXT NOT NULL, site TEXT NOT NULL, start_ms INTEGER NOT NULL,
    size INTEGER NOT NULL, sha256 TEXT, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT, key TEXT,
    enqueued_ms INTEGER NOT NULL, finished_ms INTEGER,
    evidence INTEGER NOT NULL DEFAULT 0, profile TEXT, upload_path TEXT, recorded_size INTEGER,
    metadata TEXT
);
CREATE TABLE ingest (
    key TEXT PRIMARY KEY, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT, enqueued_ms INTEGER NOT NULL
);
CREATE TABLE upload_sessions (key TEXT PRIMARY KEY, state TEXT NOT NULL, updated_ms INTEGER);
"""
#: name: (old state, old profile, upload_path, the state it is in, its profile then)
OLD_ROWS = {
    "undecided": ("pending", None, None, S.RECORDED, None),
    "claimed": ("pending", "encoding:cctv-h264", None, S.ENCODING, "cctv-h264"),
    "as-recorded": ("pending", "copy", None, S.READY, "copy"),
    "compressed": ("pending", "cctv-h264", "/spool/edge/c.mp4", S.READY, "cctv-h264"),
    "sent": ("done", "copy", None, S.UPLOADED, "copy"),
    "dropped": ("dropped", None, None, S.DROPPED, None),
    "lost": ("lost", "copy", None, S.LOST, "copy"),
    "expired": ("expired", None, None, S.EXPIRED, None),
}


def _old_journal(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        for i, (name, (state, profile, upload_path, _, _)) in enumerate(OLD_ROWS.items()):
            db.execute(
                "INSERT INTO uploads (path, camera, site, start_ms, size, state, attempts, "
                "enqueued_ms, profile, upload_path) VALUES (?, 'lobby', 'HO', ?, 1000, ?, ?, 0, "
                "?, ?)",
                (f"/spool/ready/lobby/{name}.mp4", 1000 * i, state, i % 2, profile, upload_path),
            )
        db.executemany("INSERT INTO ingest (key, state, enqueued_ms) VALUES (?, ?, 0)",
                       [("k/waiting", "pending"), ("k/indexed", "done")])  # fmt: skip
        db.execute("INSERT INTO upload_sessions VALUES ('k/big', 'parts: 3', 0)")


def test_an_older_journal_keeps_its_backlog_each_row_in_its_state(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    _old_journal(path)
    journal = Journal(path)
    journal.initialize()  # a branch box upgrading: vms up opens its old spool journal
    for name, (_, _, upload_path, state, profile) in OLD_ROWS.items():
        row = journal.uploads.item(Path(f"/spool/ready/lobby/{name}.mp4"))
        assert row is not None and (row.state, row.profile) == (state, profile), name
        assert row.upload_path == (Path(upload_path) if upload_path else None)
    backlog = journal.stats.backlog()
    assert (backlog.count, backlog.bytes, backlog.failing, backlog.dropped) == (4, 4000, 2, 1)
    assert journal.ingest.due(NOW, 10) == ["k/waiting"] and journal.ingest.backlog() == 1
    assert journal.sessions.load("k/big") == "parts: 3"
    journal.initialize()  # again (vms status while vms up runs): nothing moves
    again = {r.path: (r.state, r.profile) for r in journal.uploads.items(*S)}
    assert again == {Path(f"/spool/ready/lobby/{n}.mp4"): (v[3], v[4]) for n, v in OLD_ROWS.items()}
    assert {r.state for r in journal.uploads.items(*PENDING)} == {S.RECORDED, S.ENCODING, S.READY}
