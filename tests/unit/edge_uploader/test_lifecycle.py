"""The segment lifecycle: states, moves and decisions over plain rows (no SQLite)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path

import pytest

from edge_uploader.lifecycle import (
    DROPPABLE,
    PENDING,
    TRANSITIONS,
    CompressionPlan,
    IllegalTransition,
    SegmentRow,
    SegmentState,
    SitePlan,
    advance,
    expired,
    idle_workers,
    journalled,
    may_drop,
    next_for_compressor,
    next_for_upload,
    next_to_drop,
    routed,
    send_as_recorded,
    sooner_as_recorded,
    sources,
    worth_sending_encoded,
)

S = SegmentState
T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def row(
    minute: int, state: SegmentState = S.READY, camera: str = "lobby", **kw: object
) -> SegmentRow:
    path = Path(f"/spool/ready/{camera}/{minute:04d}.mp4")
    return SegmentRow(path, camera, "HO", T0 + timedelta(minutes=minute), 1000, state, **kw)  # type: ignore[arg-type]


# -- states and moves ------------------------------------------------------------


@pytest.mark.parametrize(("current", "target"), list(product(S, S)))
def test_every_move_is_allowed_or_refused_as_the_table_says(
    current: SegmentState, target: SegmentState
) -> None:
    if target in TRANSITIONS[current]:
        assert advance(current, target) is target
        assert current in sources(target)
    else:
        with pytest.raises(IllegalTransition, match=f"from {current} to {target}"):
            advance(current, target)
        assert current not in sources(target)


def test_every_state_has_its_moves_and_every_move_a_reason() -> None:
    assert set(TRANSITIONS) == set(S)
    assert all(why for moves in TRANSITIONS.values() for why in moves.values())


def _reachable(start: SegmentState) -> set[SegmentState]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_state_is_reached_from_the_journal_and_every_pending_one_ends() -> None:
    assert _reachable(S.RECORDED) | _reachable(S.WAITING) == set(S)
    closed = set(S) - PENDING
    for state in PENDING:
        assert _reachable(state) & closed, state
    for state in (S.INGESTED, S.LOST, S.EXPIRED):
        assert TRANSITIONS[state] == {}  # the end of the line


def test_the_compressor_and_the_uploader_never_both_hold_a_row() -> None:
    """An encode only starts from WAITING, an upload never from ENCODING: a row the
    compressor claimed is not the uploader's until it is READY again."""
    assert sources(S.ENCODING) == {S.WAITING}
    assert S.ENCODING not in sources(S.UPLOADING)
    assert S.ENCODING not in DROPPABLE


def test_a_new_row_waits_only_if_its_camera_compresses_and_evidence_never_waits() -> None:
    assert journalled("lobby", {"lobby"}) is S.WAITING
    assert journalled("gate", {"lobby"}) is S.RECORDED
    assert routed(row(0, S.RECORDED), {"lobby"}) is S.WAITING
    assert routed(row(0, S.WAITING), set()) is S.RECORDED  # its camera stopped compressing
    assert routed(row(0, S.WAITING, evidence=True), {"lobby"}) is S.RECORDED
    assert routed(row(0, S.READY), {"lobby"}) is S.READY  # decided rows keep their state
    assert routed(row(0, S.ENCODING), set()) is S.ENCODING


# -- which segment next --------------------------------------------------------------


def test_the_uploader_takes_due_rows_evidence_first_then_by_start() -> None:
    rows = [
        row(5), row(1, S.RECORDED), row(3, S.UPLOADING), row(4, evidence=True),
        row(0, S.WAITING), row(2, S.ENCODING), row(6, S.UPLOADED), row(7, S.DROPPED),
        row(8, retry_at=NOW + timedelta(seconds=1)),
    ]  # fmt: skip
    minutes = [r.start.minute for r in next_for_upload(rows, NOW, 10)]
    assert minutes == [4, 1, 3, 5]
    newest = next_for_upload(rows, NOW, 10, oldest_first=False)
    assert [r.start.minute for r in newest] == [4, 5, 3, 1]
    assert [r.start.minute for r in next_for_upload(rows, NOW + timedelta(seconds=1), 2)] == [4, 1]


def test_the_compressor_takes_waiting_rows_in_its_order() -> None:
    rows = [row(3, S.WAITING), row(1, S.WAITING), row(2, S.RECORDED),
            row(0, S.WAITING, camera="gate"), row(4, S.ENCODING)]  # fmt: skip
    assert [r.start.minute for r in next_for_compressor(rows, 10)] == [0, 1, 3]
    last = next_for_compressor(rows, 1, oldest_first=False, cameras={"lobby"})
    assert [r.start.minute for r in last] == [3]  # the one it would reach last


def test_the_link_takes_footage_as_recorded_only_when_that_is_sooner() -> None:
    assert idle_workers(0, 2) == 2 and idle_workers(1, 2) == 1 and idle_workers(5, 2) == 0
    # two encodes of 0.2 s ahead vs sending 1.6 MB at 1 MB/s: compress
    assert not sooner_as_recorded(2, 3_200_000, 0.2, 1_000_000.0)
    assert sooner_as_recorded(2, 3_200_000, 30.0, 1_000_000.0)  # a slow encoder
    assert not sooner_as_recorded(2, 3_200_000, None, 1_000_000.0)  # nothing measured
    assert not sooner_as_recorded(2, 3_200_000, 30.0, None)
    assert not sooner_as_recorded(0, 0, 30.0, 1_000_000.0)  # nothing waits
    site = SitePlan("HO", ("lobby", "kasir"), link_bps=1_000_000.0)
    plan = CompressionPlan(frozenset({"lobby", "gudang"}), (site,), encode_s=0.2)
    waiting = {"HO": (2, 3_200_000)}
    assert send_as_recorded(plan, waiting) == frozenset()
    assert send_as_recorded(replace(plan, encode_s=30.0), waiting) == {"lobby"}
    far_behind = replace(plan, sites=(replace(site, overflowing=True, link_bps=None),))
    assert send_as_recorded(far_behind, {}) == {"lobby"}  # past high water: always
    assert send_as_recorded(replace(far_behind, held=frozenset()), {}) == frozenset()


# -- settling a segment ---------------------------------------------------------------


def test_retention_evidence_and_the_worth_of_an_encode() -> None:
    keep = timedelta(minutes=10)
    assert expired(row(0), keep, T0 + keep)
    assert not expired(row(0), keep, T0 + keep - timedelta(seconds=1))
    assert not expired(row(0, evidence=True), keep, NOW)
    assert not expired(row(0), None, NOW)
    assert worth_sending_encoded(1000, 950) and not worth_sending_encoded(1000, 951)


def test_the_spool_drops_the_oldest_waiting_row_never_an_encode() -> None:
    rows = [row(0, S.ENCODING), row(1, S.UPLOADED), row(3, S.RECORDED), row(2, S.WAITING),
            row(4, S.UPLOADING), row(5, S.LOST)]  # fmt: skip
    assert [may_drop(r) for r in rows] == [False, False, True, True, True, False]
    assert [r.start.minute for r in next_to_drop(rows, 10)] == [2, 3, 4]
    assert next_to_drop([row(0, S.ENCODING)]) == []


def test_the_spool_full_policy_drops_evidence_last():
    held = row(0, S.READY, evidence=True)
    rows = [held, row(5, S.READY), row(3, S.RECORDED)]
    assert [r.start.minute for r in next_to_drop(rows, 3)] == [3, 5, 0]
    assert next_to_drop([held]) == [held]  # only when nothing else is left
