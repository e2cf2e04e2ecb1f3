"""/api/alerts (administrators): the recorded alerts with who was told what and
whether it worked, filters, and acknowledge (the first acknowledgement stays)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from footage.adapters.sqlite_alerts import SqliteAlertStore
from footage.alerts.config import AlertsConfig
from footage.alerts.decide import Condition
from footage.alerts.models import DeliveryStatus, Rule
from footage.alerts.service import SiteInfo, all_keys, apply
from tests.unit.functions.api_support import NOW, Api, login, running_api

ALERTS = AlertsConfig.model_validate({
    "channels": {"tg": {"type": "telegram"}},
    "recipients": [{"name": "ani", "channel": "tg", "address": "42"}],
})  # fmt: skip
SITES = {"HO": SiteInfo("Kantor Pusat", "Asia/Jakarta"),
         "CABANG-01": SiteInfo("Cabang 01", "Asia/Makassar")}  # fmt: skip


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as running:
        yield running


def _offline(site: str, camera: str) -> Condition:
    return Condition(Rule.CAMERA_OFFLINE, site, NOW, timedelta(minutes=5), camera=camera)


def test_alerts_need_a_store_and_an_admin(api: Api) -> None:
    admin = login(api.client, "admin")
    assert api.client.get("/api/alerts", headers=admin).status_code == 503
    store = SqliteAlertStore(api.storage.root.parent / "alerts.sqlite3")
    store.initialize()
    assert api.context is not None
    api.context.alerts = store
    assert api.client.get("/api/alerts", headers=login(api.client, "budi")).status_code == 403


def test_list_with_deliveries_and_acknowledge(api: Api) -> None:
    store = SqliteAlertStore(api.storage.root.parent / "alerts.sqlite3")
    store.initialize()
    assert api.context is not None
    api.context.alerts = store
    owns = all_keys([Rule.CAMERA_OFFLINE])
    conditions = [_offline("CABANG-01", "cab-kasir"), _offline("HO", "ho-lobby")]
    opened = apply(store, ALERTS, SITES, conditions, owns, NOW + timedelta(minutes=5)).opened
    apply(store, ALERTS, SITES, conditions[1:], owns, NOW + timedelta(minutes=8))  # kasir back
    kasir = next(a for a in opened if a.camera == "cab-kasir")
    delivery = store.due(NOW + timedelta(minutes=9))[0][0]
    store.record_attempt(delivery.id, DeliveryStatus.FAILED, NOW + timedelta(minutes=9),
                         "Telegram answered 500")  # fmt: skip
    admin = login(api.client, "admin")

    listed = api.client.get("/api/alerts", headers=admin).json()["alerts"]
    assert {(a["site"], a["camera"], a["cleared_at"] is None) for a in listed} == {
        ("HO", "ho-lobby", True), ("CABANG-01", "cab-kasir", False)}  # fmt: skip
    by_camera = {a["camera"]: a for a in listed}
    events = sorted((d["event"], d["recipient"]) for d in by_camera["cab-kasir"]["deliveries"])
    assert events == [("clear", "42"), ("open", "42")]
    failed = [d for a in listed for d in a["deliveries"] if d["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["last_error"] == "Telegram answered 500"
    assert failed[0]["attempts"] == 1
    still_open = api.client.get("/api/alerts", params={"open_only": True}, headers=admin).json()
    assert [a["camera"] for a in still_open["alerts"]] == ["ho-lobby"]
    ho_only = api.client.get("/api/alerts", params={"site": "CABANG-01"}, headers=admin).json()
    assert [a["camera"] for a in ho_only["alerts"]] == ["cab-kasir"]

    acked = api.client.post(f"/api/alerts/{kasir.id}/ack", headers=admin)
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledged_by"] == "admin"
    assert acked.json()["acknowledged_at"] == "2026-11-25T03:00:00Z"
    api.clock.advance(minutes=1)
    again = api.client.post(f"/api/alerts/{kasir.id}/ack", headers=admin).json()
    assert again["acknowledged_at"] == "2026-11-25T03:00:00Z"  # the first stays
    unacked = api.client.get("/api/alerts", params={"unacknowledged_only": True},
                             headers=admin).json()  # fmt: skip
    assert [a["camera"] for a in unacked["alerts"]] == ["ho-lobby"]
    assert api.client.post("/api/alerts/nope/ack", headers=admin).status_code == 404
    budi = login(api.client, "budi")
    assert api.client.post(f"/api/alerts/{kasir.id}/ack", headers=budi).status_code == 403
