"""POST/DELETE/GET /api/evidence/holds: an admin holds and releases a range; each
is audited with the reason and how many segments; the NAS files are held."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.functions.api_support import NOW, login, running_api

HOLD = {"camera": "ho-lobby", "start": (NOW - timedelta(minutes=10)).isoformat(),
        "end": (NOW - timedelta(minutes=8)).isoformat(), "reason": "LP/123/XI/2026"}  # fmt: skip


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as running:
        yield running


def test_admin_holds_then_releases_a_range_and_both_are_audited(api):
    admin = login(api.client, "admin")
    placed = api.client.post("/api/evidence/holds", json=HOLD, headers=admin)
    assert placed.status_code == 201, placed.text
    body = placed.json()
    assert (body["camera"], body["segments"], body["created_by"]) == ("ho-lobby", 2, "admin")
    rows = api.catalog.query_camera("ho-lobby", NOW - timedelta(minutes=10), NOW)
    held = [r for r in rows if r.protected]
    assert len(held) == 2 and all(api.storage.is_held(k) for r in held for k in r.all_keys)
    listed = api.client.get("/api/evidence/holds", params={"camera": "ho-lobby"}, headers=admin)
    assert [h["id"] for h in listed.json()["holds"]] == [body["id"]]

    released = api.client.delete(f"/api/evidence/holds/{body['id']}", headers=admin)
    assert released.status_code == 200 and released.json()["segments"] == 2
    assert not any(api.storage.is_held(k) for r in held for k in r.all_keys)
    assert api.client.delete(f"/api/evidence/holds/{body['id']}", headers=admin).status_code == 404
    events = api.client.get("/api/audit", headers=admin).json()["events"]
    assert [(e["action"], e["username"], e["detail"]) for e in events[:2]] == [
        ("release", "admin", "reason: LP/123/XI/2026; segments: 2"),
        ("hold", "admin", "reason: LP/123/XI/2026; segments: 2"),
    ]
    assert events[0]["start"] == "2026-11-25T02:50:00Z" and events[0]["camera"] == "ho-lobby"


@pytest.mark.parametrize(
    "change",
    [{"reason": ""}, {"reason": "x" * 501}, {"end": HOLD["start"]}, {"start": "yesterday"},
     {"camera": ""}, {"extra": 1}],
)  # fmt: skip
def test_a_malformed_hold_is_422_and_holds_nothing(api, change):
    admin = login(api.client, "admin")
    answer = api.client.post("/api/evidence/holds", json={**HOLD, **change}, headers=admin)
    assert answer.status_code == 422, answer.text
    assert api.catalog.list_protections() == []


@pytest.mark.parametrize("hold", ["nope", "ho-lobby.1.x", "ho-lobby.5.2", "a.b.c.d"])
def test_a_malformed_hold_id_is_422(api, hold):
    answer = api.client.delete(f"/api/evidence/holds/{hold}", headers=login(api.client, "admin"))
    assert answer.status_code == 422


def test_unknown_camera_is_404_for_an_admin(api):
    admin = login(api.client, "admin")
    answer = api.client.post("/api/evidence/holds", json={**HOLD, "camera": "gone"}, headers=admin)
    assert answer.status_code == 404
