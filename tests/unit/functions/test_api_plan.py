"""GET /api/plan: vms plan for administrators, with what the index measured of the
cameras stored as recorded; viewers are refused, a bad hours_watched is a 422."""

from __future__ import annotations

from datetime import timedelta

import pytest

from footage.config import Config
from footage.models import Segment
from footage.services.plan import INDEX_MEASURES
from tests.unit.functions.api_support import CONFIG, NOW, login, running_api


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as running:
        yield running


def test_admins_get_the_plan_with_the_index_measured(api):
    raw = CONFIG.model_dump(mode="json")
    raw["cameras"][0]["edge_profile"] = "copy"  # ho-lobby: stored as recorded
    api.context.config = Config.model_validate(raw)
    for minute in range(20, 32):  # 12 more one-minute segments of 7.5 MB: 1 Mbit/s
        start = NOW - timedelta(minutes=minute)
        api.catalog.put_segment(Segment("ho-lobby", "HO", start, start + timedelta(minutes=1),
                                        7_500_000, "0" * 64, f"k{minute}"))  # fmt: skip
    admin = login(api.client, "admin")
    response = api.client.get("/api/plan", params={"hours_watched": 10}, headers=admin)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert [s["site"] for s in plan["sites"]] == ["HO", "CABANG-01"]
    assert all(s["keeps_up"] and len(s["backlog_gb"]) == 168 for s in plan["sites"])
    lobby, kasir = plan["cameras"]
    assert plan["measured_from"] == INDEX_MEASURES
    # 4 x 1 KB + 12 x 7.5 MB over 16 minutes
    assert lobby["source"] == "measured"
    assert lobby["recorded_bytes_per_hour"] == pytest.approx((4000 + 12 * 7.5e6) / 16 * 60)
    assert kasir["source"] == "assumed"  # adaptive: its stored bytes are not as recorded
    assert plan["costs"]["hours_watched"] == 10 and plan["costs"]["kvs_total"] > 0


def test_viewers_are_refused_and_bad_hours_are_unprocessable(api):
    budi = login(api.client, "budi")
    assert api.client.get("/api/plan", headers=budi).status_code == 403
    admin = login(api.client, "admin")
    for bad in ("-1", "nan", "1e9", "lots"):
        response = api.client.get("/api/plan", params={"hours_watched": bad}, headers=admin)
        assert response.status_code == 422, (bad, response.text)
