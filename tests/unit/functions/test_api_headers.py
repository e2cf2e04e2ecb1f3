"""Security headers the app sets itself (nginx and CloudFront add the viewer's
CSP and frame headers): nosniff everywhere, no-store on API answers without a
Cache-Control of their own."""

from __future__ import annotations

import pytest

from tests.unit.functions.api_support import login, running_api


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as running:
        yield running


def test_api_answers_are_nosniff_and_not_stored_unless_they_say_otherwise(api):
    client = api.client
    budi = login(client, "budi")
    footage = {"camera": "cab-kasir", "start": "2026-11-25T02:50:00Z",
               "end": "2026-11-25T03:00:00Z"}  # fmt: skip
    answers = {
        "sites": client.get("/api/sites", headers=budi),
        "denied": client.get("/api/cameras/ho-lobby/live", headers=budi),
        "anonymous": client.get("/api/sites"),
        "login": client.post("/api/auth/login", json={"username": "budi", "password": "x"}),
        "health": client.get("/api/health"),
        "footage": client.get("/api/footage", params=footage, headers=budi),
    }
    assert {name: a.headers["X-Content-Type-Options"] for name, a in answers.items()} == {
        name: "nosniff" for name in answers
    }
    assert {name: a.headers["Cache-Control"] for name, a in answers.items()} == {
        "sites": "no-store", "denied": "no-store", "anonymous": "no-store",
        "login": "no-store", "health": "no-store",
        "footage": "private, no-cache",  # its own: revalidated with its ETag
    }  # fmt: skip


def test_media_keeps_its_own_cache_control_and_is_nosniff(api):
    playlist = api.client.get(
        "/api/cameras/cab-kasir/playback.m3u8", headers=login(api.client, "budi"),
        params={"start": "2026-11-25T02:50:00Z", "end": "2026-11-25T03:00:00Z"},
    ).text  # fmt: skip
    link = next(line for line in playlist.splitlines() if line.startswith("/media/"))
    media = api.client.get(link)
    assert media.status_code == 200
    assert media.headers["X-Content-Type-Options"] == "nosniff"
    assert media.headers["Cache-Control"] == "private, max-age=3600"
