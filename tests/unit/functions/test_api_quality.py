"""/api/status carries each adaptive camera's edge compression quality as its edge
reported it: the level in use, its setting, bytes ratio, VMAF and spot checks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from footage.calibration import CameraQuality
from footage.keys import build_status_key
from footage.site_status import EdgeCamera, EdgeReport
from tests.unit.functions.api_support import NOW, login, running_api


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as running:
        yield running


def test_status_shows_the_level_in_use_and_its_measured_quality(api) -> None:
    quality = CameraQuality(level=2, setting="h264 veryfast crf 29 gop 10s", floor=90,
                            bytes_ratio=0.42, vmaf=90.8, checked_at=NOW, checked_vmaf=89.1,
                            misses=1)  # fmt: skip
    report = EdgeReport(site="CABANG-01", published_at=NOW - timedelta(seconds=30), cameras=[
        EdgeCamera(camera="cab-kasir", state="recording", quality=quality)])  # fmt: skip
    api.storage.put_bytes(build_status_key("CABANG-01"), report.model_dump_json().encode())
    body = api.client.get("/api/status", headers=login(api.client, "budi")).json()
    site = next(s for s in body["sites"] if s["id"] == "CABANG-01")
    shown = next(c for c in site["cameras"] if c["id"] == "cab-kasir")["quality"]
    assert (shown["level"], shown["setting"], shown["bytes_ratio"]) == (
        2, "h264 veryfast crf 29 gop 10s", 0.42)  # fmt: skip
    assert (shown["vmaf"], shown["checked_vmaf"], shown["misses"], shown["floor"]) == (
        90.8, 89.1, 1, 90)  # fmt: skip
