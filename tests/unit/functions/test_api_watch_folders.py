"""/api/status shows what became of every file dropped in a site's NVR folders; the
tools' own words go to admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from footage.keys import build_status_key
from footage.site_status import EdgeReport
from footage.watch_account import WatchedFileReport, WatchFolderReport
from tests.unit.functions.api_support import NOW, login, running_api


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as running:
        yield running


def test_status_lists_each_folder_and_its_files(api) -> None:
    folder = WatchFolderReport(
        path="/srv/nvr/ch01", camera="cab-kasir", site="CABANG-01",
        counts={"ingested": 4, "quarantined": 1, "waiting": 1},
        files=[WatchedFileReport(name="ch01_1.mp4", outcome="quarantined", reason_code="empty",
                                 reason="berkas kosong / file is empty",
                                 detail="ffprobe failed: Invalid data", size=0,
                                 updated_at=NOW - timedelta(minutes=1))],
    )  # fmt: skip
    report = EdgeReport(site="CABANG-01", published_at=NOW - timedelta(seconds=30),
                        watch_folders=[folder])  # fmt: skip
    api.storage.put_bytes(build_status_key("CABANG-01"), report.model_dump_json().encode())
    for user, detail in (("admin", "ffprobe failed: Invalid data"), ("budi", None)):
        body = api.client.get("/api/status", headers=login(api.client, user)).json()
        site = next(s for s in body["sites"] if s["id"] == "CABANG-01")
        [shown] = site["watch_folders"]
        assert (shown["camera"], shown["counts"]["quarantined"]) == ("cab-kasir", 1)
        [file] = shown["files"]
        assert (file["name"], file["reason_code"], file["detail"]) == (
            "ch01_1.mp4",
            "empty",
            detail,
        )
        assert file["reason"] == "berkas kosong / file is empty"
