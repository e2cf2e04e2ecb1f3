"""/api/status tells the truth (issue 15, item 8): "last upload" is when an upload
finished, every red state carries a reason code, the tools' own words go to
admins only, and an NVR-only camera is judged by its folder, never "offline"."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.config import Config
from footage.keys import build_status_key
from footage.live import RelayStatus, StreamState, StreamStatus
from footage.services.site_status import indexed_state, site_states
from footage.site_status import FRESH_FOR, HEARTBEAT, EdgeCamera, EdgeReport
from tests.unit.functions.api_support import NOW, login, running_api

REFUSED = "ffprobe failed: rtsp://h/2: Connection refused"


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as running:
        yield running


def _publish(api, site: str, published_ago: timedelta, *cameras: EdgeCamera, **fields) -> None:
    report = EdgeReport(site=site, published_at=NOW - published_ago, cameras=list(cameras),
                        **fields)  # fmt: skip
    api.storage.put_bytes(build_status_key(site), report.model_dump_json().encode())


def _sites(api, user: str = "admin") -> dict[str, dict]:
    body = api.client.get("/api/status", headers=login(api.client, user)).json()
    return {s["id"]: s for s in body["sites"]}


def test_last_upload_is_when_an_upload_finished_not_the_newest_footage(api) -> None:
    # the index's newest footage ends 02:56; the edge's newest upload finished 02:40
    _publish(api, "CABANG-01", timedelta(seconds=30),
             EdgeCamera(camera="cab-kasir", state="recording",
                        last_upload_at=NOW - timedelta(minutes=20)),
             upload_error="PUT segments/...: 503 Slow Down")  # fmt: skip
    sites = _sites(api)
    branch, ho = sites["CABANG-01"], sites["HO"]
    assert branch["last_upload"] == "2026-11-25T02:40:00Z"
    assert branch["newest_footage"] == "2026-11-25T02:56:00Z"
    assert branch["cameras"][0]["last_upload"] == "2026-11-25T02:40:00Z"
    assert branch["problem"] == "upload_failing"
    assert branch["detail"] == "PUT segments/...: 503 Slow Down"
    # no edge report at all: when the last upload finished is not known, and it says why
    assert (ho["last_upload"], ho["newest_footage"]) == (None, "2026-11-25T02:56:00Z")
    assert ho["problem"] == "edge_silent" and ho["stale"] is True
    # the edge writes on change and every HEARTBEAT: a report that old is still fresh
    _publish(api, "HO", HEARTBEAT,
             EdgeCamera(camera="ho-lobby", state="recording",
                        last_upload_at=NOW - HEARTBEAT - timedelta(minutes=1)))  # fmt: skip
    ho = _sites(api)["HO"]
    assert (ho["last_upload"], ho["problem"]) == ("2026-11-25T02:49:00Z", None)
    # past heartbeat + grace the edge is silent; its report still knows its last upload
    _publish(api, "HO", FRESH_FOR + timedelta(minutes=1),
             EdgeCamera(camera="ho-lobby", state="recording",
                        last_upload_at=NOW - timedelta(minutes=17)))  # fmt: skip
    ho = _sites(api)["HO"]
    assert (ho["last_upload"], ho["problem"]) == ("2026-11-25T02:43:00Z", "edge_silent")
    assert ho["cameras"][0]["problem"] is None  # recording by the index: not red itself


def test_red_states_carry_reasons_and_only_admins_see_the_tools_words(api) -> None:
    _publish(api, "CABANG-01", timedelta(seconds=30),
             EdgeCamera(camera="cab-kasir", state="offline", problem="unreachable",
                        last_error=REFUSED, live="retrying", live_error="no video from the feed",
                        last_upload_at=NOW - timedelta(minutes=2)))  # fmt: skip
    admin = _sites(api)["CABANG-01"]["cameras"][0]
    assert (admin["state"], admin["problem"], admin["last_error"]) == ("offline", "unreachable",
                                                                       REFUSED)  # fmt: skip
    # the live feed is silent because the camera is: the same reason
    assert (admin["live_problem"], admin["live_error"]) == ("unreachable", "no video from the feed")
    viewer = _sites(api, "budi")["CABANG-01"]["cameras"][0]
    assert (viewer["problem"], viewer["live_problem"]) == ("unreachable", "unreachable")
    assert (viewer["last_error"], viewer["live_error"]) == (None, None)
    assert _sites(api, "budi")["CABANG-01"]["detail"] is None


def test_the_live_link_says_why_it_retries_and_the_words_only_to_admins(api) -> None:
    api.relay = RelayStatus(updated_at=NOW, pid=1, nginx="running", streams={
        "cab-kasir": StreamStatus(camera="cab-kasir", site="CABANG-01", source="rtsp", since=NOW,
                                  state=StreamState.RETRYING, last_error=REFUSED),
    })  # fmt: skip
    admin = api.client.get("/api/cameras/cab-kasir/live", headers=login(api.client, "admin"))
    budi = api.client.get("/api/cameras/cab-kasir/live", headers=login(api.client, "budi"))
    assert (admin.json()["problem"], admin.json()["last_error"]) == ("unreachable", REFUSED)
    assert (budi.json()["problem"], budi.json()["last_error"]) == ("unreachable", None)


def test_an_nvr_only_camera_is_never_offline_and_red_only_when_its_folder_is_silent(
    tmp_path: Path,
) -> None:
    config = Config.model_validate({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}],
        "cameras": [{"id": "gudang", "site": "HO", "name": "Gudang"}],
        "watch_folders": [{"path": str(tmp_path), "camera": "gudang"}],
    })  # fmt: skip
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    gudang = config.cameras[0]
    assert indexed_state(gudang, None, NOW) == "nvr"  # /api/cameras, the live sidebar
    [site] = site_states(config, catalog, storage, config.sites, NOW)
    assert (site.cameras[0].state, site.cameras[0].problem) == ("nvr", None)
    assert site.problem == "edge_silent"  # no report from its edge, said at the site
    last_file = NOW - timedelta(days=2)
    report = EdgeReport(site="HO", published_at=NOW, cameras=[
        EdgeCamera(camera="gudang", state="nvr", problem="nvr_silent", last_file_at=last_file),
    ])  # fmt: skip
    storage.put_bytes(build_status_key("HO"), report.model_dump_json().encode())
    [site] = site_states(config, catalog, storage, config.sites, NOW)
    camera = site.cameras[0]
    assert (camera.state, camera.problem, camera.last_file_at) == ("nvr", "nvr_silent", last_file)
    assert site.problem is None  # nothing to upload from a site that only has an NVR
    catalog.close()
