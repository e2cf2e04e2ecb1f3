"""The audit trail behaves the same in SQLite (on-prem) and DynamoDB (moto server)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.audit import AUDIT_RETENTION, AuditAction, AuditEvent, AuditLog

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "dynamodb"])
def audit(request: pytest.FixtureRequest, tmp_path: Path) -> AuditLog:
    if request.param == "sqlite":
        from footage.adapters.sqlite_audit import SqliteAuditLog

        log: AuditLog = SqliteAuditLog(tmp_path / "audit.sqlite3")
    else:
        from footage.adapters.dynamodb import DynamoCatalog
        from footage.adapters.dynamodb_audit import DynamoAuditLog

        table, endpoint = f"audit-{uuid.uuid4().hex[:12]}", request.getfixturevalue("moto_server")
        DynamoCatalog(table, "ap-southeast-3", endpoint).initialize()  # the shared table
        # a week's retention: the chain's genesis counts older events one day at a time
        log = DynamoAuditLog(table, "ap-southeast-3", endpoint, retention=timedelta(days=7))
    log.initialize()
    return log


def _event(
    minutes: float, user: str = "budi", action: AuditAction = AuditAction.PLAYBACK
) -> AuditEvent:
    at = T0 + timedelta(minutes=minutes)
    return AuditEvent(at, user, action, "HO-CAM01", "HO", "10.0.0.7",
                      at - timedelta(hours=1), at - timedelta(minutes=30))  # fmt: skip


def test_events_come_back_newest_first_across_days(audit: AuditLog) -> None:
    events = [_event(m) for m in (0, 10, 40, 70)]  # 23:30 .. 00:40 the next day
    events.append(_event(20, "sari", AuditAction.EXPORT))
    for event in events:
        audit.record(event)

    found = audit.query(T0, T0 + timedelta(hours=2), limit=100)

    assert found == sorted(events, key=lambda e: e.at, reverse=True)
    assert audit.query(T0 + timedelta(minutes=10), T0 + timedelta(minutes=40), 100) == [
        events[4],
        events[1],
    ]
    assert audit.query(T0, T0 + timedelta(hours=2), limit=2) == [events[3], events[2]]
    assert audit.query(T0 - timedelta(days=2), T0 - timedelta(days=1), 100) == []


def test_live_events_have_no_range(audit: AuditLog) -> None:
    event = AuditEvent(T0, "budi", AuditAction.LIVE, "HO-CAM01", "HO", "10.0.0.7")
    audit.record(event)
    assert audit.query(T0, T0 + timedelta(seconds=1), 10) == [event]


@pytest.mark.parametrize("action", [AuditAction.FOOTAGE, AuditAction.THUMBNAILS])
def test_footage_and_thumbnail_lists_round_trip(audit: AuditLog, action: AuditAction) -> None:
    event = _event(0, action=action)
    audit.record_read(event)
    audit.record_read(replace(event, at=event.at + timedelta(seconds=30)))  # a repeat
    audit.record_read(replace(event, client="10.0.0.8"))  # another client: a new read
    found = audit.query(T0, T0 + timedelta(minutes=1), 10)
    assert sorted(found, key=lambda e: e.client) == [event, replace(event, client="10.0.0.8")]


def test_old_events_are_dropped_after_the_retention(tmp_path: Path) -> None:
    from footage.adapters.sqlite_audit import SqliteAuditLog

    log = SqliteAuditLog(tmp_path / "audit.sqlite3")
    log.initialize()
    old = _event(0)
    log.record(old)
    log.record(replace(old, at=T0 + AUDIT_RETENTION + timedelta(days=1)))
    assert old not in log.query(T0 - timedelta(days=1), T0 + timedelta(days=1), 10)
    assert (tmp_path / "audit.sqlite3").stat().st_mode & 0o777 == 0o600
