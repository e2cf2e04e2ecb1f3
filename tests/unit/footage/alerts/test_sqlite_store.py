"""The SQLite alert store: open once per key, clear, acknowledge, filters, the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from footage.adapters.sqlite_alerts import SqliteAlertStore
from footage.alerts.config import AlertsConfig
from footage.alerts.decide import Condition
from footage.alerts.models import AlertFilter, DeliveryStatus, Event, Rule
from footage.alerts.service import SiteInfo, all_keys, apply
from footage.notify.base import Severity

T0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
SITES = {"HO": SiteInfo("Head Office", "Asia/Jakarta"), "CAB": SiteInfo("Cabang", "Asia/Makassar")}
CONFIG = AlertsConfig.model_validate({
    "channels": {"tg": {"type": "telegram"}, "mail": {"type": "email", "host": "smtp.example",
                                                      "sender": "vms@example.com"}},
    "recipients": [{"name": "ani", "channel": "tg", "address": "42"},
                   {"name": "budi", "channel": "mail", "address": "b@example.com",
                    "language": "en", "sites": ["CAB"]}],
})  # fmt: skip
OWNS = all_keys([Rule.CAMERA_OFFLINE])


def store(tmp_path: Path) -> SqliteAlertStore:
    s = SqliteAlertStore(tmp_path / "alerts.sqlite3")
    s.initialize()
    return s


def cam(site: str, camera: str) -> Condition:
    return Condition(Rule.CAMERA_OFFLINE, site, T0, timedelta(minutes=5), camera=camera)


def test_open_queue_clear_and_reopen(tmp_path: Path) -> None:
    s = store(tmp_path)
    first = apply(s, CONFIG, SITES, [cam("CAB", "c1")], OWNS, T0 + timedelta(minutes=5))
    assert len(first.opened) == 1
    again = apply(s, CONFIG, SITES, [cam("CAB", "c1")], OWNS, T0 + timedelta(minutes=6))
    assert again.opened == [] and again.cleared == []
    alert = s.get(first.opened[0].id)
    assert alert is not None and alert.open
    assert sorted((d.channel, d.recipient, d.event, d.status) for d in alert.deliveries) == [
        ("mail", "b@example.com", Event.OPEN, DeliveryStatus.PENDING),
        ("tg", "42", Event.OPEN, DeliveryStatus.PENDING),
    ]
    by = {d.channel: d for d in alert.deliveries}
    assert "mati sejak 2026-12-06 11:00:00 WITA" in by["tg"].text  # Indonesian, Makassar clock
    assert "offline since 2026-12-06 11:00:00 WITA" in by["mail"].text
    back = apply(s, CONFIG, SITES, [], OWNS, T0 + timedelta(minutes=9))
    assert [a.key for a in back.cleared] == ["camera_offline/CAB/c1"]
    done = s.get(alert.id)
    assert done is not None and done.cleared_at == T0 + timedelta(minutes=9)
    assert [d.event for d in done.deliveries].count(Event.CLEAR) == 2
    # a new incident of the same camera is a new alert
    third = apply(s, CONFIG, SITES, [cam("CAB", "c1")], OWNS, T0 + timedelta(minutes=20))
    assert len(third.opened) == 1 and third.opened[0].id != alert.id


def test_open_twice_is_refused_and_other_rules_are_not_cleared(tmp_path: Path) -> None:
    s = store(tmp_path)
    apply(s, CONFIG, SITES, [cam("HO", "c1")], OWNS, T0 + timedelta(minutes=5))
    other = Condition(Rule.SITE_SILENT, "CAB", T0, timedelta(0))
    apply(s, CONFIG, SITES, [other], all_keys([Rule.SITE_SILENT]), T0 + timedelta(minutes=5))
    # the camera evaluator does not clear the site-silent alert it does not check
    out = apply(s, CONFIG, SITES, [], OWNS, T0 + timedelta(minutes=6))
    assert [a.key for a in out.cleared] == ["camera_offline/HO/c1"]
    assert list(s.open_keys()) == ["site_silent/CAB"]
    dup = s.open_keys()["site_silent/CAB"]
    assert s.open_alert(dup, []) is False


def test_filters_and_acknowledge(tmp_path: Path) -> None:
    s = store(tmp_path)
    apply(s, CONFIG, SITES, [cam("HO", "c1"), cam("CAB", "c2")], OWNS, T0 + timedelta(minutes=5))
    assert {a.site for a in s.find(AlertFilter())} == {"HO", "CAB"}
    cab = s.find(AlertFilter(sites=frozenset({"CAB"})))
    assert [a.camera for a in cab] == ["c2"] and cab[0].severity is Severity.WARNING
    acked = s.acknowledge(cab[0].id, "admin", T0 + timedelta(minutes=7))
    assert acked is not None and acked.acknowledged_by == "admin"
    s.acknowledge(cab[0].id, "other", T0 + timedelta(minutes=8))  # the first one stays
    again = s.get(cab[0].id)
    assert again is not None and again.acknowledged_by == "admin"
    assert [a.camera for a in s.find(AlertFilter(unacknowledged_only=True))] == ["c1"]
    assert s.find(AlertFilter(since=T0 + timedelta(hours=1))) == []
    assert s.acknowledge("nope", "admin", T0) is None


def test_outbox_due_and_attempts(tmp_path: Path) -> None:
    s = store(tmp_path)
    apply(s, CONFIG, SITES, [cam("HO", "c1")], OWNS, T0 + timedelta(minutes=5))
    due = s.due(T0 + timedelta(minutes=5))
    assert len(due) == 1 and due[0][1] is None
    row = due[0][0]
    later = T0 + timedelta(minutes=6)
    s.record_attempt(row.id, DeliveryStatus.PENDING, T0 + timedelta(minutes=5), "HTTP 500", later)
    assert s.due(T0 + timedelta(minutes=5, seconds=30)) == []
    retried = s.due(later)[0][0]
    assert retried.attempts == 1 and retried.last_error == "HTTP 500"
    s.record_attempt(row.id, DeliveryStatus.DELIVERED, later)
    assert s.due(later + timedelta(days=1)) == []
    alert = s.get(row.alert_id)
    assert alert is not None and alert.deliveries[0].delivered_at == later
    assert (tmp_path / "alerts.sqlite3").stat().st_mode & 0o077 == 0
