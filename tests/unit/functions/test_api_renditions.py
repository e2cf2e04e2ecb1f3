"""The API's H.264 renditions: the playlist asks for them with codec=h264, and a
part's URL is guarded exactly like the camera's footage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from footage.keys import build_segment_key, format_stamp
from footage.models import Segment
from footage.services.renditions import RenditionJob, part_key
from tests.unit.functions.api_support import NOW, Api, login, running_api

START = NOW - timedelta(minutes=30)
RANGE = {"start": (START - timedelta(minutes=1)).isoformat(), "end": NOW.isoformat()}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[Api, list[RenditionJob]]]:
    with running_api(tmp_path) as api:
        for camera, site in (("ho-lobby", "HO"), ("cab-kasir", "CABANG-01")):
            key = build_segment_key(site, camera, START, retention_days=180)
            api.storage.put_bytes(key, b"I" * 100 + b"M" * 900)
            api.catalog.put_segment(Segment(camera, site, START, START + timedelta(seconds=10),
                                            1000, "0" * 64, key, codec="hevc", fps=15.0,
                                            init_size=100))  # fmt: skip
        made: list[RenditionJob] = []

        def make(job: RenditionJob) -> None:
            made.append(job)
            api.storage.put_bytes(job.key, b"G" * 188)

        api.client.app.state.context.make_rendition = make  # type: ignore[attr-defined]
        yield api, made


def _part(camera: str, index: int, stamp: str = format_stamp(START)) -> str:
    return f"/api/cameras/{camera}/renditions/{stamp}/{index}"


def test_the_h264_playlist_points_at_parts_and_a_part_is_made_once(
    api: tuple[Api, list[RenditionJob]],
) -> None:
    client, made = api[0].client, api[1]
    budi = login(client, "budi")
    playlist = client.get("/api/cameras/cab-kasir/playback.m3u8",
                          params={**RANGE, "codec": "h264"}, headers=budi)  # fmt: skip
    assert playlist.status_code == 200, playlist.text
    assert f"\nrenditions/{format_stamp(START)}/2\n" in playlist.text
    assert made == []  # the playlist makes nothing

    first = client.get(_part("cab-kasir", 2), headers=budi, follow_redirects=False)
    again = client.get(_part("cab-kasir", 2), headers=budi, follow_redirects=False)

    assert first.status_code == again.status_code == 302
    assert first.headers["cache-control"] == "no-store"
    key = part_key(build_segment_key("CABANG-01", "cab-kasir", START, retention_days=180), 2)
    assert first.headers["location"].startswith(f"/media/{key}?")
    assert [(job.key, job.index) for job in made] == [(key, 2)]
    media = client.get(first.headers["location"])
    assert media.status_code == 200 and media.content == b"G" * 188
    listed = client.get("/api/cameras/cab-kasir/playback.m3u8",
                        params={**RANGE, "codec": "h264"}, headers=budi).text  # fmt: skip
    assert f"/media/{key}?" in listed and f"renditions/{format_stamp(START)}/2\n" not in listed


def test_part_urls_are_guarded_like_footage(api: tuple[Api, list[RenditionJob]]) -> None:
    client, made = api[0].client, api[1]
    budi, admin = login(client, "budi"), login(client, "admin")

    assert client.get(_part("cab-kasir", 0)).status_code == 401
    assert client.get(_part("ho-lobby", 0), headers=budi).status_code == 403  # not budi's site
    assert client.get(_part("no-such-camera", 0), headers=admin).status_code == 404
    assert client.get(_part("ho-lobby", 0, "2026-11-25"), headers=admin).status_code == 422
    assert client.get(_part("ho-lobby", 0, "20261399T000000Z"), headers=admin).status_code == 422
    assert client.get(_part("ho-lobby", -1), headers=admin).status_code == 422
    assert client.get(_part("ho-lobby", 5), headers=admin).status_code == 404  # 10 s: parts 0-4
    h264 = format_stamp(NOW - timedelta(minutes=10))  # the support's H.264 footage
    assert client.get(_part("ho-lobby", 1, h264), headers=admin).status_code == 404  # 1 part
    bad_codec = client.get("/api/cameras/ho-lobby/playback.m3u8",
                           params={**RANGE, "codec": "h265"}, headers=admin)  # fmt: skip
    assert bad_codec.status_code == 422
    assert made == []


def test_without_a_rendition_maker_a_part_is_unavailable(
    api: tuple[Api, list[RenditionJob]],
) -> None:
    client = api[0].client
    client.app.state.context.make_rendition = None  # type: ignore[attr-defined]
    response = client.get(_part("ho-lobby", 0), headers=login(client, "admin"))
    assert response.status_code == 503
