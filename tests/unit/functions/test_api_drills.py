"""/api/status carries the last restore drill: a drill that finds damaged footage
shows there with the segment; a viewer sees only the failures at their sites and
not the check's own words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from footage.services.drill import DrillJob, run_drill
from footage.services.orphans import CameraScope
from tests.unit.functions.api_support import CONFIG, NOW, Api, login, running_api


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as running:
        yield running


def _drills(api: Api, user: str) -> Any:
    body = api.client.get("/api/status", headers=login(api.client, user)).json()
    return body["drills"]


def test_no_drill_yet(api: Api) -> None:
    none = {"last_at": None, "sampled": 0, "failed": [], "fraction_verified_30d": 0.0,
            "archive_segments": 0}  # fmt: skip
    assert _drills(api, "admin") == none


def test_a_failed_drill_shows_with_its_segment(api: Api, tmp_path) -> None:
    scopes = [CameraScope(c.id, c.site, c.retention_days) for c in CONFIG.cameras]
    assert api.drills is not None
    job = DrillJob(api.storage, api.catalog, api.drills, scopes, tmp_path / "work")
    # the fixture's rows name the SHA-256 0...0, which none of the stored bytes have
    run = run_drill(job, NOW - timedelta(minutes=1), count=2, seed=1)
    assert {c.site for c in run.failed} == {"HO", "CABANG-01"}

    admin = _drills(api, "admin")
    assert (admin["sampled"], admin["archive_segments"], admin["fraction_verified_30d"]) == (
        2, 8, 0.0)  # fmt: skip
    assert admin["last_at"] == "2026-11-25T02:59:00Z"
    shown = {(f["site"], f["key"], f["outcome"]) for f in admin["failed"]}
    assert shown == {(c.site, c.key, "hash_mismatch") for c in run.failed}
    assert all(f["reason"].startswith("SHA-256 ") for f in admin["failed"])

    budi = _drills(api, "budi")  # a viewer of CABANG-01 only
    [failure] = budi["failed"]
    assert (failure["site"], failure["camera"], failure["reason"]) == (
        "CABANG-01", "cab-kasir", None)  # fmt: skip
    assert budi["sampled"] == 2
