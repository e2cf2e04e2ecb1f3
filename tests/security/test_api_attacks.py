"""Attacks on the API by a logged-in branch viewer.

The attacker is ``budi``, a viewer of branch CABANG-01: a valid token, valid
signed links to his own branch's footage (from his playlists), any header he
likes (Host, X-Forwarded-Host) and a script. He wants HO's footage, a crash,
or to make the server do unbounded work: exports without end, or answers that
fill the API's memory.

The API is the app of ``tests.unit.functions.api_support`` (SQLite index,
users and audit, footage in a NAS folder served by signed ``/media`` links);
two "workers" are two apps on the same storage and databases, as uvicorn's
worker processes share them.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from footage.keys import EXPORTS_PREFIX, build_segment_key
from footage.models import Segment
from footage.services.exports import ExportStatus, ExportStore
from functions.api.app import create_app
from functions.api.cache import AnswerCache
from functions.api.deps import ApiContext
from tests.unit.functions.api_support import NOW, Api, login, running_api

BRANCH_KEY = build_segment_key(
    "CABANG-01", "cab-kasir", NOW - timedelta(minutes=10), retention_days=180
)
HO_KEY = build_segment_key("HO", "ho-lobby", NOW - timedelta(minutes=9), retention_days=180)
HO_BYTES = b"HO-ONLY " * 100


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path) as running:
        running.storage.put_bytes(HO_KEY, HO_BYTES)
        yield running


def _context(api: Api) -> ApiContext:
    context: ApiContext = api.client.app.state.context  # type: ignore[attr-defined]
    return context


def _branch_link(api: Api) -> str:
    """A signed link budi really holds: one of his playlist's segment URLs."""
    params = {"start": "2026-11-25T02:50:00Z", "end": "2026-11-25T03:00:00Z"}
    playlist = api.client.get("/api/cameras/cab-kasir/playback.m3u8", params=params,
                              headers=login(api.client, "budi")).text  # fmt: skip
    link = next(line for line in playlist.splitlines() if line.startswith("/media/"))
    assert link.startswith(f"/media/{BRANCH_KEY}?exp=")
    return link


# -- /media: the signature covers the request's own path ---------------------


def test_a_host_header_cannot_smuggle_a_signed_path_onto_another_file(api: Api) -> None:
    """A URL rebuilt from the Host header ("http://<Host><path>?<query>") would
    carry the branch link's signed path and query in front of the HO path."""
    link = _branch_link(api)
    assert api.client.get(link).status_code == 200  # the link itself works
    _, _, query = link.partition("?")
    smuggled = [
        ({"Host": f"x{link}#"}, f"/media/{HO_KEY}"),
        ({"Host": f"x{link}&"}, f"/media/{HO_KEY}"),
        ({"Host": f"testserver{link}#"}, f"/media/{HO_KEY}?{query}"),
        ({"X-Forwarded-Host": f"x{link}#"}, f"/media/{HO_KEY}"),
        ({}, f"/media/{HO_KEY}?{query}"),  # the branch link's signature on the HO path
    ]
    for headers, target in smuggled:
        answer = api.client.get(target, headers=headers)
        assert answer.status_code == 403, (headers, target, answer.status_code)
        assert HO_BYTES not in answer.content


NASTY_QUERIES = [
    "exp={exp}&sig=\u00e9" + "0" * 63,  # non-ASCII: compare_digest raised TypeError (a 500)
    "exp={exp}&sig=%C3%A9" + "0" * 63,
    "exp={exp}&sig=%FF" + "0" * 63,
    "exp={exp}&sig=" + "\u0661" * 64,  # Arabic-Indic digits
    "exp={exp}&sig={sig}&sig=" + "1" * 64,
    "exp={exp}&sig=" + "0" * 5000,
    "exp={exp}&sig=%00",
    "exp={exp}&sig=",
    "exp=\u0661\u0662&sig={sig}",
    "exp=+{exp}&sig={sig}",
    "exp=" + "9" * 400 + "&sig={sig}",
    "exp=%20{exp}&sig={sig}",
]


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_a_malformed_signature_is_a_403_never_a_server_error(api: Api, query: str) -> None:
    path, _, signed = _branch_link(api).partition("?")
    params = dict(part.split("=") for part in signed.split("&"))
    client = TestClient(api.client.app, raise_server_exceptions=False)
    answer = client.get(f"{path}?{query.format(**params)}")
    assert answer.status_code == 403, answer.text
    assert "signature" in answer.json()["detail"]


# -- exports: a per-user quota, counted across workers ------------------------

RANGE = {"camera": "cab-kasir", "start": "2026-11-25T01:00:00Z", "end": "2026-11-25T03:00:00Z"}


def _jobs(api: Api) -> list[str]:
    return [o.key for o in api.storage.list(EXPORTS_PREFIX) if o.key.endswith("/job.json")]


def _second_worker(api: Api) -> TestClient:
    context = replace(_context(api), answers=AnswerCache())
    return TestClient(create_app(context))


def test_a_viewer_cannot_queue_exports_without_end_on_any_worker(api: Api) -> None:
    budi = login(api.client, "budi")
    other = _second_worker(api)
    assert api.client.post("/api/exports", json=RANGE, headers=budi).status_code == 202
    assert other.post("/api/exports", json=RANGE, headers=budi).status_code == 202
    for worker in (api.client, other):
        refused = worker.post("/api/exports", json=RANGE, headers=budi)
        assert refused.status_code == 429
        assert "queued or running (at most 2 at once)" in refused.json()["detail"]
        assert "Retry-After" not in refused.headers  # it depends on when one finishes
    assert len(_jobs(api)) == 2 and len(api.launched) == 2  # refused jobs leave nothing
    admin = login(api.client, "admin")
    assert api.client.post("/api/exports", json=RANGE, headers=admin).status_code == 202


def test_racing_export_requests_never_pass_the_limit(api: Api) -> None:
    budi = login(api.client, "budi")
    workers = [api.client, _second_worker(api)]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(
            lambda n: workers[n % 2].post("/api/exports", json=RANGE, headers=budi).status_code,
            range(12),
        ))  # fmt: skip
    assert codes.count(202) <= 2 and codes.count(202) + codes.count(429) == 12
    assert len(_jobs(api)) == codes.count(202)


def test_a_viewer_cannot_export_more_hours_a_day_than_the_limit(api: Api) -> None:
    store = ExportStore(api.storage)
    budi = login(api.client, "budi")
    for _ in range(4):  # 4 x 2 hours = the default 8 hours a day
        answer = api.client.post("/api/exports", json=RANGE, headers=budi)
        assert answer.status_code == 202, answer.text
        job = store.load(answer.json()["id"])
        store.save(replace(job, status=ExportStatus.DONE))  # done: no longer under way
        api.clock.advance(seconds=60)
    refused = api.client.post("/api/exports", json=RANGE, headers=budi)
    assert refused.status_code == 429
    assert "you exported 8 h of footage in the last 24 hours" in refused.json()["detail"]
    first_leaves = 24 * 3600 - 4 * 60  # the first export leaves the window
    assert int(refused.headers["Retry-After"]) == first_leaves
    one_hour = {**RANGE, "start": "2026-11-25T02:00:00Z"}
    assert api.client.post("/api/exports", json=one_hour, headers=budi).status_code == 429

    api.clock.advance(seconds=first_leaves)
    budi = login(api.client, "budi")  # the old token expired meanwhile
    assert api.client.post("/api/exports", json=RANGE, headers=budi).status_code == 202


# -- the answer cache: bounded in bytes -----------------------------------------


def test_many_big_distinct_answers_keep_the_cache_under_its_byte_bound(api: Api) -> None:
    day0 = NOW - timedelta(days=1)
    for minute in range(1440):  # a full camera-day: ~240 KB of JSON per answer
        start = day0 + timedelta(minutes=minute)
        key = build_segment_key("CABANG-01", "cab-kasir", start, retention_days=180)
        api.catalog.put_segment(Segment("cab-kasir", "CABANG-01", start,
                                        start + timedelta(minutes=1), 1000, "0" * 64, key,
                                        codec="h264", width=1920, height=1080))  # fmt: skip
    cache = _context(api).answers = AnswerCache(max_bytes=2 * 1024 * 1024)
    budi = login(api.client, "budi")
    sizes = []
    for shift in range(24):  # 24 distinct camera-day answers, ~6 MB in all
        start = day0 + timedelta(minutes=shift)
        params = {"camera": "cab-kasir", "start": start.isoformat(),
                  "end": (start + timedelta(days=1)).isoformat()}  # fmt: skip
        answer = api.client.get("/api/footage", params=params, headers=budi)
        assert answer.status_code == 200 and len(answer.json()["segments"]) > 1400
        sizes.append(cache.size_bytes)
        assert cache.size_bytes <= cache.max_bytes
    assert cache.misses == 24 and 0 < len(cache) < 24  # the oldest answers went
    assert max(sizes) > cache.max_bytes // 2  # it was filled, not left empty
