"""Attacks on live view, against the relay's real nginx (secure_link + njs).

The attackers: a viewer who holds one camera's live URL and wants another
camera; a stolen CABANG-01 box that holds its own site's live key and wants
head-office cameras or a URL that never expires; anyone guessing streams.
A 503 below means the token passed every check (the stream is simply not
being published), so it is the control that shows a 403 is the token's doing.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.live import MAX_TOKEN_AHEAD
from tests.support.relay import Relay, get, live_url, relay_config, running_relay

pytestmark = pytest.mark.integration
HO_KEY, BRANCH_KEY = bytes(range(32)), bytes(range(100, 132))
CAMERAS = {"7": "HO", "17": "HO", "ho-lobby": "HO", "cab-kasir": "CABANG-01"}
SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Relay]:
    config = relay_config(CAMERAS)
    keys = {"HO": HO_KEY, "CABANG-01": BRANCH_KEY}
    with running_relay(tmp_path_factory.mktemp("relay"), config, keys) as running:
        yield running


def md5_token(text: str) -> str:
    digest = hashlib.md5(text.encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def status(relay: Relay, path: str) -> int:
    return get(relay.base + path)[0]


def test_a_token_for_camera_17_opens_no_other_camera(relay: Relay) -> None:
    url = live_url(relay.base, "17", "index.m3u8", SOON, HO_KEY)
    token, expires = url.split("/")[4:6]
    assert get(url)[0] == 503  # control: camera 17's own token passes

    assert status(relay, f"/live/{token}/{expires}/7/index.m3u8") == 403
    # the old unseparated hash made ("17", E) equal ("7", E*10+1): no such URL exists now
    assert status(relay, f"/live/{token}/{expires}1/7/index.m3u8") == 403
    assert status(relay, f"/live/{token}/{int(expires) * 10 + 1}/7/index.m3u8") == 403


def test_the_old_concatenated_token_is_refused(relay: Relay) -> None:
    expires = int(SOON.timestamp())
    for text in (f"{expires}17 {HO_KEY.hex()}", f"{expires * 10 + 1}7 {HO_KEY.hex()}"):
        token = md5_token(text)
        assert status(relay, f"/live/{token}/{expires}/17/index.m3u8") == 403


def test_a_stolen_branch_key_mints_nothing_for_head_office(relay: Relay) -> None:
    assert get(live_url(relay.base, "cab-kasir", "index.m3u8", SOON, BRANCH_KEY))[0] == 503

    for stream in ("ho-lobby", "ho-lobby__sub", "7"):
        assert get(live_url(relay.base, stream, "index.m3u8", SOON, BRANCH_KEY))[0] == 403
        assert get(live_url(relay.base, stream, "1.ts", SOON, BRANCH_KEY))[0] == 403


def test_a_token_too_far_ahead_is_refused_even_when_signed_right(relay: Relay) -> None:
    near = datetime.now(UTC) + MAX_TOKEN_AHEAD - timedelta(minutes=5)
    far = datetime.now(UTC) + MAX_TOKEN_AHEAD + timedelta(minutes=5)
    assert get(live_url(relay.base, "cab-kasir", "index.m3u8", near, BRANCH_KEY))[0] == 503

    assert get(live_url(relay.base, "cab-kasir", "index.m3u8", far, BRANCH_KEY))[0] == 403
    century = datetime(2280, 1, 1, tzinfo=UTC)
    assert get(live_url(relay.base, "cab-kasir", "index.m3u8", century, BRANCH_KEY))[0] == 403


def test_streams_of_no_configured_camera_are_refused(relay: Relay) -> None:
    for stream in ("unknown-cam", "cab-kasir__sub__sub"):
        for key in (HO_KEY, BRANCH_KEY, b""):
            assert get(live_url(relay.base, stream, "index.m3u8", SOON, key))[0] == 403


def test_malformed_live_paths_are_refused(relay: Relay) -> None:
    url = live_url(relay.base, "cab-kasir", "index.m3u8", SOON, BRANCH_KEY)
    token, expires = url.split("/")[4:6]
    for path in (f"/live/{token}/0{expires}/cab-kasir/index.m3u8",
                 f"/live/{token}/{expires[1:]}/cab-kasir/index.m3u8",
                 f"/live/{token}/{expires}/cab-kasir/../ho-lobby/index.m3u8",
                 f"/live/{token}/{expires}/cab-kasir/index.m3u8.bak",
                 f"/live/{token[:-1]}/{expires}/cab-kasir/index.m3u8",
                 "/live/cab-kasir/index.m3u8"):  # fmt: skip
        assert status(relay, path) in {400, 403}, path


def test_every_answer_carries_the_security_headers(relay: Relay, tmp_path: Path) -> None:
    import urllib.error
    import urllib.request

    answers = []
    for path in ("/", "/api/health", "/live/x/y/z/index.m3u8"):
        try:
            with urllib.request.urlopen(relay.base + path, timeout=5) as response:
                answers.append(response.headers)
        except urllib.error.HTTPError as exc:  # the API is not running here: 502
            answers.append(exc.headers)
    starting = live_url(relay.base, "cab-kasir", "index.m3u8", SOON, BRANCH_KEY)
    try:
        urllib.request.urlopen(starting, timeout=5)
    except urllib.error.HTTPError as exc:
        assert exc.code == 503
        answers.append(exc.headers)
    for headers in answers:
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
