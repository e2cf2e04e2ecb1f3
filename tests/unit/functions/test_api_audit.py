"""Footage and thumbnail lists in the audit trail: every distinct read, repeats
within a minute once, denied and malformed requests not at all."""

from __future__ import annotations

import pytest

from tests.unit.functions.api_support import login, running_api


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as running:
        yield running


def test_footage_and_thumbnail_lists_are_audited_once_a_minute_per_range(api):
    client = api.client
    budi = login(client, "budi")
    day = {"start": "2026-11-25T02:00:00Z", "end": "2026-11-25T03:00:00Z"}
    hour = {"start": "2026-11-25T02:30:00Z", "end": "2026-11-25T03:00:00Z"}
    first = client.get("/api/footage", params={"camera": "cab-kasir", **day}, headers=budi)
    etag = first.headers["ETag"]
    for _ in range(3):  # a page polling, a browser revalidating: the same read
        again = client.get("/api/footage", params={"camera": "cab-kasir", **day},
                           headers={**budi, "If-None-Match": etag})  # fmt: skip
        assert again.status_code == 304
    client.get("/api/footage", params={"camera": "cab-kasir", **hour}, headers=budi)
    for _ in range(2):
        client.get("/api/cameras/cab-kasir/thumbnails", params=hour, headers=budi)
    denied = client.get("/api/footage", params={"camera": "ho-lobby", **day}, headers=budi)
    too_long = {"camera": "cab-kasir", "start": "2026-10-01T00:00Z", "end": "2026-11-25T00:00Z"}
    assert (denied.status_code, client.get("/api/footage", params=too_long,
                                           headers=budi).status_code) == (403, 422)  # fmt: skip
    api.clock.advance(seconds=60)
    client.get("/api/footage", params={"camera": "cab-kasir", **day}, headers=budi)

    events = client.get("/api/audit", headers=login(client, "admin")).json()["events"]
    assert [(e["action"], e["camera"], e["username"], e["start"], e["end"]) for e in events] == [
        ("footage", "cab-kasir", "budi", "2026-11-25T02:00:00Z", "2026-11-25T03:00:00Z"),
        ("thumbnails", "cab-kasir", "budi", "2026-11-25T02:30:00Z", "2026-11-25T03:00:00Z"),
        ("footage", "cab-kasir", "budi", "2026-11-25T02:30:00Z", "2026-11-25T03:00:00Z"),
        ("footage", "cab-kasir", "budi", "2026-11-25T02:00:00Z", "2026-11-25T03:00:00Z"),
    ]
    assert {e["site"] for e in events} == {"CABANG-01"} and events[0]["client"] == "testclient"
