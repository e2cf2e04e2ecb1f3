"""The audit trail's hash chain in SQLite and on a moto DynamoDB: an event edited,
deleted, inserted or moved in the store is caught and named (seq, time, action);
concurrent writers never share a seq; an older log's unchained events are counted
by the genesis."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from footage.audit import AuditAction, AuditEvent, AuditLog
from footage.audit_chain import AuditFinding, Problem, verify_chain

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 25, 23, 58, tzinfo=UTC)  # the events cross midnight
REGION = "ap-southeast-3"


def _event(n: int, action: AuditAction = AuditAction.PLAYBACK) -> AuditEvent:
    at = T0 + timedelta(minutes=n)
    return AuditEvent(at, f"user{n}", action, "HO-CAM01", "HO", "10.0.0.7",
                      at - timedelta(hours=1), at)  # fmt: skip


@dataclass
class Store:
    """An audit log and a way to tamper with the row of one seq behind its back."""

    log: AuditLog
    edit: Callable[[int, str], None]  # seq, new username
    delete: Callable[[int], None]
    swap: Callable[[int, int], None]  # exchange the seqs of two events
    forge: Callable[[AuditEvent, int | None], None]  # an event with this seq (or none)


def _sqlite(path: Path) -> Store:
    from footage.adapters.sqlite_audit import SqliteAuditLog

    def run(sql: str, *args: object) -> None:
        with sqlite3.connect(path) as db:
            db.execute(sql, args)

    def swap(a: int, b: int) -> None:
        run("UPDATE audit SET seq = CASE seq WHEN ? THEN ? ELSE ? END WHERE seq IN (?, ?)",
            a, b, a, a, b)  # fmt: skip

    def forge(e: AuditEvent, seq: int | None) -> None:
        run("INSERT INTO audit (at_ms, username, action, camera, site, client, detail, seq, prev)"
            " VALUES (?, ?, ?, ?, ?, ?, '', ?, ?)", int(e.at.timestamp() * 1000), e.username,
            e.action.value, e.camera, e.site, e.client, seq, "0" * 64 if seq else None)  # fmt: skip

    return Store(SqliteAuditLog(path),
                 lambda seq, user: run("UPDATE audit SET username = ? WHERE seq = ?", user, seq),
                 lambda seq: run("DELETE FROM audit WHERE seq = ?", seq), swap, forge)  # fmt: skip


def _dynamodb(endpoint: str) -> Store:
    from footage.adapters.dynamodb import DynamoCatalog
    from footage.adapters.dynamodb_audit import DynamoAuditLog

    table = f"audit-{uuid.uuid4().hex[:12]}"
    DynamoCatalog(table, REGION, endpoint).initialize()
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)

    def key_of(seq: int) -> dict[str, Any]:
        items = client.scan(TableName=table, FilterExpression="seq = :s",
                            ExpressionAttributeValues={":s": {"N": str(seq)}})["Items"]  # fmt: skip
        return {"pk": items[0]["pk"], "sk": items[0]["sk"]}

    def update(seq: int, name: str, value: dict[str, str]) -> None:
        client.update_item(TableName=table, Key=key_of(seq), UpdateExpression=f"SET {name} = :v",
                           ExpressionAttributeValues={":v": value})  # fmt: skip

    def swap(a: int, b: int) -> None:
        ka, kb = key_of(a), key_of(b)
        for key, seq in ((ka, b), (kb, a)):
            client.update_item(TableName=table, Key=key, UpdateExpression="SET seq = :v",
                               ExpressionAttributeValues={":v": {"N": str(seq)}})  # fmt: skip

    def forge(e: AuditEvent, seq: int | None) -> None:
        sk = f"{e.at:%Y-%m-%dT%H:%M:%S}.000Z#f"
        item = {"pk": {"S": f"AUDIT#{e.at.date()}"}, "sk": {"S": sk},
                "username": {"S": e.username}, "action": {"S": e.action.value},
                "camera": {"S": e.camera}, "site": {"S": e.site}, "client": {"S": e.client},
                "expires_at": {"N": "4102444800"}}  # fmt: skip
        if seq is not None:
            item |= {"seq": {"N": str(seq)}, "prev": {"S": "0" * 64}}
        client.put_item(TableName=table, Item=item)

    log = DynamoAuditLog(table, REGION, endpoint, clock=_Clock(), retention=timedelta(days=7))
    return Store(log,
                 lambda seq, user: update(seq, "username", {"S": user}),
                 lambda seq: _ignore(client.delete_item(TableName=table, Key=key_of(seq))),
                 swap, forge)  # fmt: skip


def _ignore(_: object) -> None:
    return None


class _Clock:
    def now(self) -> datetime:
        return T0 + timedelta(days=1)


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        made = _sqlite(tmp_path / "audit.sqlite3")
    else:
        made = _dynamodb(request.getfixturevalue("moto_server"))
    made.log.initialize()
    for n in range(1, 7):  # seq 1..6, 23:59 .. 00:04
        made.log.record(_event(n, AuditAction.EXPORT if n == 3 else AuditAction.PLAYBACK))
    return made


def _findings(log: AuditLog, since: datetime | None = None) -> list[AuditFinding]:
    with log.chain_view(since) as view:
        return verify_chain(view)


def test_an_untouched_trail_verifies(store: Store) -> None:
    assert _findings(store.log) == []
    assert _findings(store.log, since=T0 + timedelta(minutes=4)) == []


def test_an_edited_event_is_named(store: Store) -> None:
    store.edit(3, "mallory")
    [found] = _findings(store.log)
    assert (found.problem, found.seq, found.action) == (Problem.ALTERED, 3, AuditAction.EXPORT)
    assert found.at == T0 + timedelta(minutes=3)


def test_a_deleted_event_is_named(store: Store) -> None:
    store.delete(3)
    [found] = _findings(store.log)
    assert (found.problem, found.seq, found.what) == (Problem.MISSING, 4, "seq 3")


def test_deleting_the_newest_events_is_caught_by_the_head(store: Store) -> None:
    store.delete(6)
    [found] = _findings(store.log)
    assert (found.problem, found.what) == (Problem.MISSING, "seq 6")


@pytest.mark.parametrize("seq", [None, 4, 9])
def test_an_inserted_event_is_named(store: Store, seq: int | None) -> None:
    forged = _event(10)
    store.forge(forged, seq)
    problems = {(f.problem, f.at) for f in _findings(store.log)}
    assert (Problem.INSERTED, forged.at) in problems


def test_two_events_swapped_break_the_chain_where_they_stand(store: Store) -> None:
    store.swap(2, 4)
    found = _findings(store.log)
    assert [(f.problem, f.seq) for f in found] == [(Problem.MOVED, 2), (Problem.MOVED, 4)]


def test_concurrent_writers_never_share_a_seq(tmp_path: Path) -> None:
    """SQLite: threads (each its own connection, as the API and the CLI are) take
    BEGIN IMMEDIATE in turn."""
    store = _sqlite(tmp_path / "audit.sqlite3")
    store.log.initialize()

    def write(worker: int) -> None:
        for n in range(5):
            store.log.record(_event(20 + n, AuditAction.LIVE))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.log.chain_view() as view:
        events = list(view.events)
        assert verify_chain(replace(view, events=events)) == []
    assert [e.seq for e in events] == list(range(1, 21))


def test_a_writer_that_lost_the_race_for_the_head_retries(moto_server: str) -> None:
    """DynamoDB: the head moved between a writer's read and its transaction; the
    transaction is refused whole (no event without its head) and the retry chains
    after the winner. (moto runs concurrent transactions without isolation, so
    the race is staged rather than run in threads.)"""
    store = _dynamodb(moto_server)
    log = store.log
    log.record(_event(1))
    stale = log._read_head()  # type: ignore[attr-defined]
    log.record(_event(2))  # the other writer wins
    assert log._append(stale, _event(3)) is False  # type: ignore[attr-defined]
    log.record(_event(3))
    with log.chain_view() as view:
        events = list(view.events)
        assert verify_chain(replace(view, events=events)) == []
    assert [(e.seq, e.event.username) for e in events] == [(1, "user1"), (2, "user2"), (3, "user3")]


def test_the_genesis_counts_the_events_of_an_older_log(tmp_path: Path) -> None:
    from footage.adapters.sqlite_audit import SqliteAuditLog

    path = tmp_path / "audit.sqlite3"
    with sqlite3.connect(path) as db:  # a file written before the chain
        db.execute("CREATE TABLE audit (at_ms INTEGER NOT NULL, username TEXT NOT NULL,"
                   " action TEXT NOT NULL, camera TEXT NOT NULL, site TEXT NOT NULL,"
                   " client TEXT NOT NULL, start_ms INTEGER, end_ms INTEGER)")  # fmt: skip
        db.execute("INSERT INTO audit VALUES (?, 'budi', 'live', 'C', 'S', 'x', NULL, NULL)",
                   (int(T0.timestamp() * 1000) - 60_000,))  # fmt: skip
    log = SqliteAuditLog(path)
    log.initialize()
    log.record(_event(1))
    with log.chain_view() as view:
        assert view.genesis is not None and view.genesis.unchained == 1
        assert verify_chain(view) == []


def test_the_genesis_counts_an_older_tables_events(moto_server: str) -> None:
    store = _dynamodb(moto_server)
    store.forge(_event(-3000), None)  # two days before: written before the chain
    store.forge(_event(-1), None)
    store.log.record(_event(1))
    with store.log.chain_view() as view:
        assert view.genesis is not None and view.genesis.unchained == 2
        assert verify_chain(view) == []
