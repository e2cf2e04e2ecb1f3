"""The API over a real SQLite index and user store: login, tokens, per-site access,
playback, media links, exports, status and audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from footage.audit import AuditAction
from footage.keys import build_segment_key, build_status_key
from footage.live import RelayStatus, StreamState, StreamStatus
from footage.models import Segment, SegmentStatus
from footage.signing import live_token
from footage.site_status import EdgeCamera, EdgeReport
from functions.api.app import create_app
from functions.api.routers import footage as footage_routes
from tests.unit.functions.api_support import LIVE_KEYS, NOW, PASSWORDS, Api, login, running_api


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as running:
        yield running


def test_branch_user_sees_only_its_branch(api):
    client, clock = api.client, api.clock
    budi = login(client, "budi")
    assert [s["id"] for s in client.get("/api/sites", headers=budi).json()] == ["CABANG-01"]
    cameras = client.get("/api/cameras", headers=budi).json()
    assert [(c["id"], c["timezone"]) for c in cameras] == [("cab-kasir", "Asia/Makassar")]
    assert cameras[0]["state"] == "recording"  # newest ended 4 min ago: 2 x 60 s + 120 s slack
    clock.advance(seconds=1)
    assert client.get("/api/cameras", headers=budi).json()[0]["state"] == "offline"
    ho = {
        "camera": "ho-lobby",
        "start": "2026-11-25T09:50:00+07:00",
        "end": "2026-11-25T10:00+07:00",
    }
    assert client.get("/api/footage", params=ho, headers=budi).status_code == 403
    admin = login(client, "admin")
    assert len(client.get("/api/sites", headers=admin).json()) == 2
    assert client.get("/api/footage", params=ho, headers=admin).status_code == 200


def test_footage_lists_segments_and_gaps_in_the_range(api):
    client = api.client
    params = {"camera": "cab-kasir", "start": "2026-11-25T10:50:00+08:00",
              "end": "2026-11-25T11:00:00+08:00"}  # fmt: skip
    body = client.get("/api/footage", params=params, headers=login(client, "budi")).json()
    assert [s["start"] for s in body["segments"]] == [
        "2026-11-25T02:50:00Z", "2026-11-25T02:51:00Z", "2026-11-25T02:52:00Z",
        "2026-11-25T02:55:00Z",
    ]  # fmt: skip
    assert body["gaps"] == [
        {"start": "2026-11-25T02:53:00Z", "end": "2026-11-25T02:55:00Z",
         "reason": "no_recording", "detail": None},
        {"start": "2026-11-25T02:56:00Z", "end": "2026-11-25T03:00:00Z",
         "reason": "no_recording", "detail": None},
    ]  # fmt: skip


def test_a_segment_that_does_not_play_is_a_gap_with_its_reason_and_never_in_the_playlist(api):
    client, admin = api.client, login(api.client, "admin")
    start = NOW - timedelta(minutes=7)  # 02:53, in the hole
    api.catalog.put_segment(Segment("ho-lobby", "HO", start, start, 1000, "1" * 64,
                                    build_segment_key("HO", "ho-lobby", start, retention_days=180),
                                    status=SegmentStatus.QUARANTINED,
                                    reason="unreadable: moov atom not found"))  # fmt: skip
    body = client.get("/api/footage", params={"camera": "ho-lobby", **HO_RANGE},
                      headers=admin).json()  # fmt: skip
    assert body["gaps"][0] == {"start": "2026-11-25T02:53:00Z", "end": "2026-11-25T02:55:00Z",
                               "reason": "unplayable",
                               "detail": "unreadable: moov atom not found"}  # fmt: skip
    playlist = client.get("/api/cameras/ho-lobby/playback.m3u8", params=HO_RANGE, headers=admin)
    assert playlist.text.count("#EXT-X-DISCONTINUITY") == 4
    assert "## gap 2026-11-25T02:53:00.000Z/2026-11-25T02:55:00.000Z unplayable" in playlist.text

    coverage = client.get("/api/cameras/ho-lobby/coverage", params=HO_RANGE, headers=admin).json()
    assert (coverage["covered_s"], coverage["missing_s"], coverage["timezone"]) == (
        240.0, 360.0, "Asia/Jakarta")  # fmt: skip
    assert [(m["start"], m["reason"]) for m in coverage["missing"]] == [
        ("2026-11-25T02:53:00Z", "unplayable"), ("2026-11-25T02:56:00Z", "no_recording")
    ]  # fmt: skip
    assert coverage["covered"][0] == {"start": "2026-11-25T02:50:00Z",
                                      "end": "2026-11-25T02:53:00Z"}  # fmt: skip
    budi = login(client, "budi")
    assert client.get("/api/cameras/ho-lobby/coverage", params=HO_RANGE,
                      headers=budi).status_code == 403  # fmt: skip


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"camera": "nope", "start": "2026-11-25T00:00Z", "end": "2026-11-25T01:00Z"}, 404),
        ({"camera": "cab-kasir", "start": "2026-11-25T00:00", "end": "2026-11-25T01:00Z"}, 422),
        ({"camera": "cab-kasir", "start": "2026-11-25T01:00Z", "end": "2026-11-25T00:00Z"}, 422),
        ({"camera": "cab-kasir", "start": "2026-10-01T00:00Z", "end": "2026-11-25T00:00Z"}, 422),
        ({"camera": "cab-kasir", "start": "yesterday", "end": "2026-11-25T00:00Z"}, 422),
        ({"start": "2026-11-25T00:00Z", "end": "2026-11-25T01:00Z"}, 422),
    ],
)
def test_malformed_footage_queries_are_clear_errors(api, params, code):
    client = api.client
    response = client.get("/api/footage", params=params, headers=login(client, "budi"))
    assert response.status_code == code, response.text
    assert response.json()["detail"]


def test_missing_forged_and_expired_tokens_are_401(api):
    client, clock = api.client, api.clock
    assert client.get("/api/sites").status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.x"}
    assert client.get("/api/sites", headers=forged).status_code == 401
    budi = login(client, "budi")
    clock.advance(seconds=901)
    expired = client.get("/api/sites", headers=budi)
    assert expired.status_code == 401 and expired.json()["detail"] == "token expired"
    assert expired.headers["WWW-Authenticate"] == "Bearer"


def test_wrong_passwords_then_rate_limit(api):
    client = api.client
    for _ in range(3):
        wrong = client.post("/api/auth/login", json={"username": "budi", "password": "nope-nope"})
        assert wrong.status_code == 401 and "wrong user name or password" in wrong.text
    limited = client.post(
        "/api/auth/login", json={"username": "budi", "password": PASSWORDS["budi"]}
    )
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    malformed = client.post("/api/auth/login", json={"username": "budi"})
    assert malformed.status_code == 422


def test_unconfigured_api_says_so_but_health_answers():
    with TestClient(create_app()) as client:
        assert client.get("/api/health").json() == {"status": "ok", "service": "cctv-vms"}
        assert client.get("/api/sites").status_code == 503


HO_RANGE = {"start": "2026-11-25T09:50:00+07:00", "end": "2026-11-25T10:00:00+07:00"}


def _ho_export(api: Api) -> str:
    admin = login(api.client, "admin")
    body = {"camera": "ho-lobby", **HO_RANGE}
    response = api.client.post("/api/exports", json=body, headers=admin)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def test_branch_user_is_denied_every_ho_resource(api):
    client = api.client
    export_id = _ho_export(api)
    budi = login(client, "budi")
    denied = [
        client.get("/api/footage", params={"camera": "ho-lobby", **HO_RANGE}, headers=budi),
        client.get("/api/cameras/ho-lobby/playback.m3u8", params=HO_RANGE, headers=budi),
        client.get("/api/cameras/ho-lobby/thumbnails", params=HO_RANGE, headers=budi),
        client.get("/api/cameras/ho-lobby/live", headers=budi),
        client.post("/api/exports", json={"camera": "ho-lobby", **HO_RANGE}, headers=budi),
        client.get(f"/api/exports/{export_id}", headers=budi),
        client.get("/api/audit", headers=budi),
    ]
    assert [r.status_code for r in denied] == [403] * len(denied)
    assert all(r.json()["detail"] for r in denied)
    status = client.get("/api/status", headers=budi).json()
    assert [s["id"] for s in status["sites"]] == ["CABANG-01"]
    assert client.get("/api/me", headers=budi).json() == {
        "username": "budi",
        "role": "viewer",
        "sites": ["CABANG-01"],
    }


def test_playlist_lists_byte_ranges_of_signed_segments_that_play(api):
    client = api.client
    budi = login(client, "budi")
    params = {"start": "2026-11-25T10:50:00+08:00", "end": "2026-11-25T11:00:00+08:00"}
    response = client.get("/api/cameras/cab-kasir/playback.m3u8", params=params, headers=budi)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    assert response.headers["X-Footage-Gaps"] == "2"
    lines = response.text.splitlines()
    assert lines.count("#EXT-X-DISCONTINUITY") == 4 and lines[-1] == "#EXT-X-ENDLIST"
    assert "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T02:55:00.000Z" in lines
    assert lines.count("#EXT-X-BYTERANGE:900@100") == 4
    url = next(line for line in lines if line.startswith("/media/"))
    assert url.startswith("/media/segments/retention=180/CABANG-01/cab-kasir/2026/11/25/")
    media = client.get(url, headers={"Range": "bytes=100-199"})  # no bearer: the URL is signed
    assert media.status_code == 206 and media.content == b"M" * 100
    [event] = api.audit.query(NOW - timedelta(days=1), NOW + timedelta(days=1), 10)
    assert (event.username, event.action.value, event.camera) == ("budi", "playback", "cab-kasir")


def test_media_links_must_be_signed_and_unexpired(api):
    client = api.client
    start = NOW - timedelta(minutes=10)
    url = api.storage.presign(build_segment_key("HO", "ho-lobby", start, retention_days=180),
                              timedelta(hours=1))  # fmt: skip
    assert client.get(url).status_code == 200
    forged = url.replace("ho-lobby_", "ho-lobby_x", 1)
    assert client.get(forged).status_code == 403
    assert client.get(url.split("?")[0]).status_code == 403
    api.clock.advance(seconds=(datetime.now(UTC) - NOW).total_seconds() + 3601)
    expired = client.get(url)
    assert expired.status_code == 410 and "expired" in expired.json()["detail"]


def test_playlist_without_footage_is_a_404(api):
    client = api.client
    params = {"start": "2026-11-24T00:00:00Z", "end": "2026-11-24T01:00:00Z"}
    response = client.get("/api/cameras/ho-lobby/playback.m3u8", params=params,
                          headers=login(client, "admin"))  # fmt: skip
    assert response.status_code == 404 and "no playable footage" in response.json()["detail"]


def test_thumbnails_are_signed_jpeg_links(api):
    client = api.client
    body = client.get("/api/cameras/ho-lobby/thumbnails", params=HO_RANGE,
                      headers=login(client, "admin")).json()  # fmt: skip
    assert [t["time"] for t in body["thumbnails"]] == [
        "2026-11-25T02:50:00Z", "2026-11-25T02:51:00Z", "2026-11-25T02:52:00Z",
        "2026-11-25T02:55:00Z",
    ]  # fmt: skip
    image = client.get(body["thumbnails"][0]["url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"


def test_live_needs_the_relay(api):
    response = api.client.get("/api/cameras/ho-lobby/live", headers=login(api.client, "admin"))
    assert response.status_code == 503 and "live relay" in response.json()["detail"]


def _relay(**states: StreamState) -> RelayStatus:
    streams = {
        name: StreamStatus(camera=name.removesuffix("__sub"), site="HO", source="feed",
                           state=state, since=NOW,
                           last_error="gone" if state == "retrying" else None)
        for name, state in states.items()
    }  # fmt: skip
    return RelayStatus(updated_at=NOW, pid=1, nginx="running", streams=streams)


def test_live_url_is_signed_for_the_stream_and_reports_its_state(api):
    api.relay = _relay(**{"ho-lobby": StreamState.RETRYING})
    response = api.client.get("/api/cameras/ho-lobby/live", headers=login(api.client, "admin"))
    assert response.status_code == 200, response.text
    body = response.json()
    expires_at = NOW + timedelta(minutes=30)
    token, expires = live_token("ho-lobby", expires_at, LIVE_KEYS["HO"])
    assert body["url"] == f"/live/{token}/{expires}/ho-lobby/index.m3u8"  # same origin: nginx
    assert body["expires_at"] == "2026-11-25T03:30:00Z"
    assert (body["state"], body["last_error"]) == ("retrying", "gone")
    [event] = api.audit.query(NOW - timedelta(hours=1), NOW + timedelta(hours=1), 10)
    assert (event.action, event.camera, event.username) == (AuditAction.LIVE, "ho-lobby", "admin")


def test_live_grid_tiles_get_the_sub_stream_when_there_is_one(api):
    api.relay = _relay()
    headers = login(api.client, "admin")
    sub = api.client.get("/api/cameras/cab-kasir/live", params={"quality": "sub"}, headers=headers)
    assert sub.json()["url"].endswith("/cab-kasir__sub/index.m3u8")
    # no sub-stream configured: the main stream, not an error
    main = api.client.get("/api/cameras/ho-lobby/live", params={"quality": "sub"}, headers=headers)
    assert main.json()["url"].endswith("/ho-lobby/index.m3u8") and main.json()["state"] is None


def test_live_urls_are_signed_with_the_key_of_the_cameras_site(api):
    api.relay = _relay()
    budi = login(api.client, "budi")
    body = api.client.get("/api/cameras/cab-kasir/live", headers=budi).json()
    token, expires = body["url"].split("/")[2:4]
    expires_at = datetime.fromtimestamp(int(expires), UTC)
    assert (token, expires) == live_token("cab-kasir", expires_at, LIVE_KEYS["CABANG-01"])
    assert token != live_token("cab-kasir", expires_at, LIVE_KEYS["HO"])[0]


def test_live_is_denied_outside_the_users_sites_and_for_unknown_quality(api):
    api.relay = _relay()
    budi = login(api.client, "budi")
    assert api.client.get("/api/cameras/ho-lobby/live", headers=budi).status_code == 403
    assert api.client.get("/api/cameras/cab-kasir/live", headers=budi).status_code == 200
    bad = api.client.get("/api/cameras/cab-kasir/live", params={"quality": "4k"}, headers=budi)
    assert bad.status_code == 422


def test_exports_are_queued_launched_and_audited(api):
    client = api.client
    export_id = _ho_export(api)
    assert api.launched == [export_id]
    admin = login(client, "admin")
    job = client.get(f"/api/exports/{export_id}", headers=admin).json()
    assert (job["status"], job["progress"], job["download_url"]) == ("queued", 0.0, None)
    assert job["file_name"] == "ho-lobby_2026-11-25_09-50-00_WIB_to_10-00-00_WIB.mp4"
    assert (job["missing_s"], [m["reason"] for m in job["missing"]]) == (
        360.0, ["no_recording", "no_recording"])  # fmt: skip
    assert job["sidecar_url"] is None  # until it is done
    too_long = {"camera": "ho-lobby", "start": "2026-11-25T00:00Z", "end": "2026-11-25T03:00Z"}
    assert client.post("/api/exports", json=too_long, headers=admin).status_code == 422
    empty = {"camera": "ho-lobby", "start": "2026-11-20T00:00Z", "end": "2026-11-20T01:00Z"}
    assert client.post("/api/exports", json=empty, headers=admin).status_code == 404
    assert client.get("/api/exports/" + "0" * 32, headers=admin).status_code == 404
    assert client.get("/api/exports/..%2F..%2Fetc", headers=admin).status_code == 404
    audit = client.get("/api/audit", headers=admin).json()["events"]
    assert [(e["action"], e["camera"], e["username"]) for e in audit] == [
        ("export", "ho-lobby", "admin")
    ]


def test_status_joins_the_edge_report_with_the_index(api):
    client = api.client
    report = EdgeReport(site="CABANG-01", published_at=NOW - timedelta(seconds=30), cameras=[
        EdgeCamera(camera="cab-kasir", state="offline", backlog_count=3, backlog_bytes=3000,
                   backlog_oldest=NOW - timedelta(minutes=7), last_error="camera timeout",
                   last_upload_at=NOW - timedelta(minutes=20)),
    ], upload_rate_bps=4e6, upload_rate_avg_bps=3.5e6, drain_eta_s=1800,
       compression_ratio=4.5, compression_profile="cctv-h264")  # fmt: skip
    api.storage.put_bytes(build_status_key("CABANG-01"), report.model_dump_json().encode())
    sites = {
        s["id"]: s
        for s in client.get("/api/status", headers=login(client, "admin")).json()["sites"]
    }
    branch, ho = sites["CABANG-01"], sites["HO"]
    assert branch["backlog"] == {
        "segments": 3,
        "bytes": 3000,
        "oldest": "2026-11-25T02:53:00Z",
        "rate_bps": 4e6,
        "avg_rate_bps": 3.5e6,
        "eta_s": 1800,
        "compression_ratio": 4.5,
        "compression_profile": "cctv-h264",
    }
    assert branch["stale"] is True  # last upload 20 min ago
    camera = branch["cameras"][0]
    assert (camera["state"], camera["last_error"]) == ("offline", "camera timeout")
    assert camera["coverage_24h"] == pytest.approx(4 * 60 / 86400, abs=1e-4)
    assert ho["backlog"] is None and ho["edge_seen"] is None  # no edge report: index only
    # when an upload finished only the edge knows; its newest footage is another thing
    assert ho["last_upload"] is None and ho["newest_footage"] == "2026-11-25T02:56:00Z"
    assert ho["stale"] is True and ho["problem"] == "edge_silent"
    assert ho["cameras"][0]["state"] == "recording"
    assert camera["live"] is None and ho["cameras"][0]["live"] is None  # no relay anywhere


def test_status_shows_live_state_from_this_relay_else_from_the_edge_report(api):
    client = api.client
    report = EdgeReport(site="CABANG-01", published_at=NOW - timedelta(seconds=30), cameras=[
        EdgeCamera(camera="cab-kasir", state="recording", live="retrying", live_viewers=1,
                   live_error="no video from the feed"),
    ])  # fmt: skip
    api.storage.put_bytes(build_status_key("CABANG-01"), report.model_dump_json().encode())
    relay = _relay(**{"ho-lobby": StreamState.LIVE})
    relay.streams["ho-lobby"].viewers = 2
    relay.streams["ho-lobby__sub"] = StreamStatus(camera="ho-lobby", site="HO", sub=True,
                                                  source="rtsp", since=NOW, viewers=3)  # fmt: skip
    api.relay = relay
    body = client.get("/api/status", headers=login(client, "admin")).json()
    cameras = {c["id"]: c for s in body["sites"] for c in s["cameras"]}
    assert (cameras["ho-lobby"]["live"], cameras["ho-lobby"]["live_viewers"]) == ("live", 5)
    kasir = cameras["cab-kasir"]  # not relayed here: what its edge last reported
    assert (kasir["live"], kasir["live_viewers"], kasir["live_error"]) == (
        "retrying", 1, "no video from the feed",
    )  # fmt: skip


def test_footage_answers_are_cached_until_the_camera_changes(api):
    client = api.client
    budi = login(client, "budi")
    params = {"camera": "cab-kasir", "start": "2026-11-25T02:50:00Z", "end": "2026-11-25T03:00:00Z"}
    first = client.get("/api/footage", params=params, headers=budi)
    etag = first.headers["ETag"]
    assert first.headers["content-encoding"] == "gzip" and len(first.json()["segments"]) == 4
    again = client.get("/api/footage", params=params, headers={**budi, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    plain = client.get("/api/footage", params=params,
                       headers={**budi, "Accept-Encoding": "identity"})  # fmt: skip
    assert "content-encoding" not in plain.headers and plain.json() == first.json()
    assert (api.answers.hits, api.answers.misses) == (2, 1)

    start = NOW - timedelta(minutes=4)  # a new segment fills part of the gap
    key = build_segment_key("CABANG-01", "cab-kasir", start, retention_days=180)
    api.catalog.put_segment(
        Segment("cab-kasir", "CABANG-01", start, start + timedelta(minutes=1), 1000, "0" * 64, key)
    )
    changed = client.get("/api/footage", params=params, headers={**budi, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert len(changed.json()["segments"]) == 5


def test_a_recent_range_is_kept_seconds_not_per_revision_while_the_revision_lags(api, monkeypatch):
    """In AWS a camera's revision follows a write by the totals window (up to 5
    minutes): a range ending inside it is kept for RECENT_FOR_S, so the segment of an
    incident a minute ago is listed within seconds, and a page polling it costs one
    query per RECENT_FOR_S, not one per poll. Older ranges are kept per revision."""
    api.context.revision_lag = timedelta(minutes=5)
    monkeypatch.setattr(api.catalog, "camera_revision", lambda camera: 7)  # not moved yet
    client, budi = api.client, login(api.client, "budi")
    recent = {"camera": "cab-kasir", "start": "2026-11-25T02:50:00Z",
              "end": NOW.isoformat().replace("+00:00", "Z")}  # fmt: skip
    assert len(client.get("/api/footage", params=recent, headers=budi).json()["segments"]) == 4
    start = NOW - timedelta(minutes=4)
    key = build_segment_key("CABANG-01", "cab-kasir", start, retention_days=180)
    api.catalog.put_segment(
        Segment("cab-kasir", "CABANG-01", start, start + timedelta(minutes=1), 1000, "0" * 64, key)
    )
    hits = api.answers.hits
    assert len(client.get("/api/footage", params=recent, headers=budi).json()["segments"]) == 4
    assert api.answers.hits == hits + 1  # a poll within the same seconds: no query
    api.clock.advance(seconds=footage_routes.RECENT_FOR_S)
    assert len(client.get("/api/footage", params=recent, headers=budi).json()["segments"]) == 5
    older = {**recent, "end": (NOW - timedelta(minutes=6)).isoformat().replace("+00:00", "Z")}
    hits = api.answers.hits
    client.get("/api/footage", params=older, headers=budi)
    api.clock.advance(seconds=3 * footage_routes.RECENT_FOR_S)
    client.get("/api/footage", params=older, headers=budi)
    assert api.answers.hits == hits + 1  # per revision (7), however long


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("GET", "/api/audit", {"end": "0001-01-01T00:00:00Z"}),
        ("GET", "/api/footage", {"camera": "ho-lobby", "start": "0001-01-01T00:00:00+05:00",
                                 "end": "0001-01-01T01:00:00+05:00"}),
        ("GET", "/api/footage", {"camera": "ho-lobby", "start": "9999-12-31T23:00:00-05:00",
                                 "end": "9999-12-31T23:30:00-05:00"}),
        ("GET", "/api/cameras/ho-lobby/thumbnails", {"start": "0001-01-01T00:00:00+05:00",
                                                     "end": "2026-01-01T00:00:00Z"}),
        ("GET", "/api/cameras/ho-lobby/playback.m3u8", {"start": "1999-12-31T23:00:00Z",
                                                        "end": "2000-01-01T01:00:00Z"}),
        ("POST", "/api/exports", {"camera": "ho-lobby", "start": "9999-12-31T23:00:00-05:00",
                                  "end": "9999-12-31T23:30:00-05:00"}),
    ],
)  # fmt: skip
def test_times_outside_any_footage_are_a_422_not_a_crash(api, method, path, params):
    admin = login(api.client, "admin")
    if method == "POST":
        response = api.client.post(path, json=params, headers=admin)
    else:
        response = api.client.get(path, params=params, headers=admin)
    assert response.status_code == 422, response.text
    assert "range" in str(response.json()["detail"]) or "between" in str(response.json())


def test_an_evidence_export_is_flagged_and_audited_as_one(api):
    admin = login(api.client, "admin")
    body = {"camera": "ho-lobby", **HO_RANGE, "evidence": True}
    response = api.client.post("/api/exports", json=body, headers=admin)
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["evidence"], job["package_url"]) == (True, None)  # the link once it is packaged
    audit = api.client.get("/api/audit", headers=admin).json()["events"]
    assert [(e["action"], e["detail"]) for e in audit] == [("export", "evidence package")]
    plain = api.client.post("/api/exports", json={**body, "evidence": False}, headers=admin)
    assert plain.json()["evidence"] is False
