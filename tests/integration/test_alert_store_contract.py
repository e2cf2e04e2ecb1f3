"""The alert store behaves the same on-prem and in DynamoDB (moto server): an
incident opens once, clears once, its messages wait in the outbox in the same
write, and every attempt is recorded."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.alerts.models import AlertFilter, AlertRecord, DeliveryStatus, Event, Rule, alert_key
from footage.alerts.store import AlertStore, Queued
from footage.notify.base import Language, OutgoingMessage, Severity

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 30, 23, 50, tzinfo=UTC)  # the month turns ten minutes later


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> AlertStore:
    if request.param == "sqlite":
        from footage.adapters.sqlite_alerts import SqliteAlertStore

        local: AlertStore = SqliteAlertStore(tmp_path / "alerts.sqlite3")
        local.initialize()
        return local
    from footage.adapters.dynamodb import DynamoCatalog
    from footage.adapters.dynamodb_alerts import DynamoAlertStore

    table, endpoint = f"alerts-{uuid.uuid4().hex[:12]}", request.getfixturevalue("moto_server")
    DynamoCatalog(table, "ap-southeast-3", endpoint).initialize()  # the shared table
    found: AlertStore = DynamoAlertStore(table, "ap-southeast-3", endpoint)
    found.initialize()
    return found


def _alert(minutes: float, rule: Rule = Rule.CAMERA_OFFLINE, site: str = "JKT01",
           camera: str | None = "JKT01-CAM2") -> AlertRecord:  # fmt: skip
    at = T0 + timedelta(minutes=minutes)
    return AlertRecord(
        id=uuid.uuid4().hex, key=alert_key(rule, site, camera or ""), rule=rule, site=site,
        camera=camera, severity=Severity.WARNING, opened_at=at, message=f"{rule} at {site}",
    )  # fmt: skip


def _queued(event: Event, recipient: str, at: datetime, image: bytes | None = None) -> Queued:
    msg = OutgoingMessage("ops-telegram", recipient, "subject", f"{event} text",
                          Language.ID, Severity.CRITICAL, image=image)  # fmt: skip
    return Queued(event, msg, at)


def test_an_incident_opens_once_and_clears_once_with_its_messages(store: AlertStore) -> None:
    alert = _alert(0)
    assert store.open_alert(alert, [_queued(Event.OPEN, "-100", alert.opened_at, b"jpeg")])
    again = _alert(1)  # the same condition seen again: nothing new
    assert not store.open_alert(again, [_queued(Event.OPEN, "-100", again.opened_at)])
    assert list(store.open_keys()) == [alert.key]
    assert store.get(again.id) is None

    cleared_at = T0 + timedelta(minutes=20)  # next month: the alert stays where it opened
    cleared = store.clear_alert(alert.key, cleared_at, [_queued(Event.CLEAR, "-100", cleared_at)])
    assert cleared is not None and cleared.cleared_at == cleared_at
    assert store.clear_alert(alert.key, cleared_at, []) is None
    assert store.open_keys() == {}

    found = store.get(alert.id)
    assert found is not None and not found.open
    assert [(d.event, d.recipient, d.status) for d in found.deliveries] == [
        (Event.OPEN, "-100", DeliveryStatus.PENDING),
        (Event.CLEAR, "-100", DeliveryStatus.PENDING),
    ]
    assert found.deliveries[0].has_image and not found.deliveries[1].has_image
    assert {d.severity for d in found.deliveries} == {Severity.CRITICAL}


def test_the_outbox_gives_due_messages_and_records_each_attempt(store: AlertStore) -> None:
    alert = _alert(0)
    later = T0 + timedelta(hours=7)  # a recipient's quiet hours end then
    store.open_alert(alert, [_queued(Event.OPEN, "a", T0, b"img"), _queued(Event.OPEN, "b", later)])
    due = store.due(T0 + timedelta(minutes=1))
    assert [(d.recipient, image) for d, image in due] == [("a", b"img")]

    delivery = due[0][0]
    retry_at = T0 + timedelta(minutes=2)
    store.record_attempt(delivery.id, DeliveryStatus.PENDING, T0, "HTTP 500", retry_at)
    assert store.due(T0 + timedelta(minutes=1)) == []
    assert [d.recipient for d, _ in store.due(retry_at)] == ["a"]
    store.record_attempt(delivery.id, DeliveryStatus.DELIVERED, retry_at)
    assert store.due(retry_at) == []
    assert [d.recipient for d, _ in store.due(later)] == ["b"]

    found = store.get(alert.id)
    assert found is not None
    sent = next(d for d in found.deliveries if d.recipient == "a")
    assert (sent.status, sent.attempts, sent.delivered_at) == (
        DeliveryStatus.DELIVERED,
        2,
        retry_at,
    )
    assert sent.last_error == ""  # the error of the failed attempt gave way to the success


def test_acknowledge_keeps_the_first_and_find_filters(store: AlertStore) -> None:
    first, other, note = (
        _alert(0),
        _alert(5, Rule.SITE_SILENT, "SBY01", None),
        _alert(7, Rule.DIGEST),
    )
    store.open_alert(first, [])
    store.open_alert(other, [])
    store.note(replace(note, cleared_at=note.opened_at), [])  # a one-off, as the service makes
    acked = store.acknowledge(first.id, "budi", T0 + timedelta(minutes=30))
    assert acked is not None and acked.acknowledged_by == "budi"
    again = store.acknowledge(first.id, "sari", T0 + timedelta(minutes=40))
    assert again is not None and again.acknowledged_by == "budi"
    assert store.acknowledge("no-such-alert", "sari", T0) is None

    everything = AlertFilter(since=T0 - timedelta(days=1), until=T0 + timedelta(days=1))
    assert [a.id for a in store.find(everything)] == [note.id, other.id, first.id]
    branch = AlertFilter(sites=frozenset({"SBY01"}), since=everything.since, until=everything.until)
    assert [a.id for a in store.find(branch)] == [other.id]
    unacked_open = AlertFilter(open_only=True, unacknowledged_only=True,
                               since=everything.since, until=everything.until)  # fmt: skip
    assert [a.id for a in store.find(unacked_open)] == [other.id]
    assert [a.id for a in store.find(AlertFilter(limit=1, since=everything.since,
                                                 until=everything.until))] == [note.id]  # fmt: skip


def test_a_message_queued_for_now_is_due_now(store: AlertStore) -> None:
    """Times are stored to the millisecond, rounded: 0.9996 s past rounds up, and the
    message is still due at the instant it was queued for (the alerts Lambda sends
    what it queued in the same run)."""
    at = T0.replace(microsecond=999_600)
    alert = _alert(0)
    store.open_alert(alert, [_queued(Event.OPEN, "a", at)])
    assert [d.recipient for d, _ in store.due(at)] == ["a"]
