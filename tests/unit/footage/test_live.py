"""Live view's shared rules: stream names, feed ports, signed links, relay status."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.config import Config
from footage.errors import ConfigError, KeyFormatError, LiveUnavailable
from footage.keys import build_stream_name, parse_stream_name
from footage.live import (
    RelayStatus,
    StreamState,
    StreamStatus,
    feed_input_url,
    feed_output_url,
    key_lookup,
    live_key_path,
    live_keys,
    live_link,
    read_relay_status,
    relay_status_path,
    stream_keys,
    write_relay_status,
)
from footage.signing import live_token

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
SECRET = bytes(range(32))


def _config(**relay: object) -> Config:
    return Config.model_validate({
        "sites": [{"id": "HO", "name": "HO"},
                  {"id": "CAB", "name": "Cabang", "live_url": "https://cab.example.co.id:5443"}],
        "cameras": [{"id": "lobby", "site": "HO", "name": "L", "rtsp_url": "rtsp://h/1"},
                    {"id": "kasir", "site": "CAB", "name": "K", "rtsp_url": "rtsp://h/2",
                     "sub_rtsp_url": "rtsp://h/2s"}],
        "relay": relay,
    })  # fmt: skip


@pytest.mark.parametrize(("camera", "sub"), [("lobby", False), ("lobby", True), ("a_b-c", True)])
def test_stream_names_round_trip(camera: str, sub: bool) -> None:
    assert parse_stream_name(build_stream_name(camera, sub)) == (camera, sub)


@pytest.mark.parametrize("bad", ["x__sub", "../x", "", "a b"])
def test_stream_names_refuse_ambiguous_or_unsafe_ids(bad: str) -> None:
    with pytest.raises(KeyFormatError):
        build_stream_name(bad)


def test_config_refuses_camera_ids_that_look_like_sub_streams() -> None:
    with pytest.raises(ValueError, match="__sub"):
        Config.model_validate({
            "sites": [{"id": "HO", "name": "HO"}],
            "cameras": [{"id": "x__sub", "site": "HO", "name": "X", "rtsp_url": "rtsp://h/1"}],
        })  # fmt: skip


def test_each_camera_has_its_own_loopback_feed_port() -> None:
    config = _config(feed_port=30000)
    lobby, kasir = config.cameras
    assert feed_output_url(config, lobby) == "udp://127.0.0.1:30000?pkt_size=1316"
    assert feed_output_url(config, kasir).startswith("udp://127.0.0.1:30001?")
    listen = feed_input_url(config, kasir, 2.5)
    assert listen.startswith("udp://127.0.0.1:30001?") and "timeout=2500000" in listen


def test_feed_ports_must_fit_below_65536() -> None:
    with pytest.raises(ValueError, match="feed_port"):
        _config(feed_port=65535)  # two cameras: 65535 and 65536


def test_local_link_is_same_origin_signed_for_the_stream() -> None:
    config = _config()
    relay = RelayStatus(updated_at=NOW, pid=1, nginx="running", streams={
        "lobby": StreamStatus(camera="lobby", site="HO", source="feed", since=NOW,
                              state=StreamState.LIVE)})  # fmt: skip
    link = live_link(config, config.cameras[0], False, NOW, SECRET, relay, local=True)
    token, expires = live_token("lobby", NOW + timedelta(minutes=30), SECRET)
    assert link.url == f"/live/{token}/{expires}/lobby/index.m3u8"
    assert link.expires_at == NOW + timedelta(minutes=30) and link.state is StreamState.LIVE


def test_local_link_needs_a_running_relay() -> None:
    config = _config()
    with pytest.raises(LiveUnavailable, match="not running"):
        live_link(config, config.cameras[0], False, NOW, SECRET, None, local=True)


def test_remote_sites_are_reached_at_their_live_url() -> None:
    config = _config()
    link = live_link(config, config.cameras[1], True, NOW, SECRET, None, local=False)
    assert link.url.startswith("https://cab.example.co.id:5443/live/")
    assert link.url.endswith("/kasir__sub/index.m3u8") and link.state is None
    with pytest.raises(LiveUnavailable, match="site HO has no live_url"):
        live_link(config, config.cameras[0], False, NOW, SECRET, None, local=False)


def test_relay_status_round_trips_and_goes_stale(tmp_path: Path) -> None:
    path = relay_status_path(tmp_path)
    path.parent.mkdir()
    status = RelayStatus(updated_at=NOW, pid=7, nginx="running", streams={
        "kasir__sub": StreamStatus(camera="kasir", site="CAB", sub=True, source="rtsp",
                                   since=NOW, viewers=2)})  # fmt: skip
    write_relay_status(path, status)
    assert read_relay_status(path, NOW + timedelta(seconds=5)) == status
    assert read_relay_status(path, NOW + timedelta(seconds=11)) is None  # the relay died
    assert status.viewers("CAB") == 2 and status.viewers("HO") == 0
    path.write_text("{not json")
    assert read_relay_status(path, NOW) is None


def test_live_tokens_separate_stream_and_a_fixed_width_expiry() -> None:
    expires_at = datetime.fromtimestamp(1_795_000_000, UTC)
    token, expires = live_token("17", expires_at, SECRET)
    text = f"1795000000|17|{SECRET.hex()}"
    digest = hashlib.md5(text.encode(), usedforsecurity=False).digest()
    assert expires == "1795000000"
    assert token == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    # "17" at E and "7" at E*10+1 hashed the same before; now they differ, and the
    # second cannot even be written (an expiry has exactly ten digits)
    assert live_token("7", expires_at, SECRET)[0] != token
    with pytest.raises(ValueError, match="cannot expire"):
        live_token("7", datetime.fromtimestamp(17_950_000_001, UTC), SECRET)
    with pytest.raises(ValueError, match="cannot expire"):
        live_token("7", datetime(1969, 1, 1, tzinfo=UTC), SECRET)


def test_each_site_has_its_own_live_key_file(tmp_path: Path) -> None:
    config = _config()
    keys = live_keys(tmp_path, config, {})

    assert sorted(keys) == ["CAB", "HO"] and keys["CAB"] != keys["HO"]
    assert live_keys(tmp_path, config, {}) == keys  # kept across restarts
    for site in ("HO", "CAB"):
        path = live_key_path(tmp_path, site)
        assert path.stat().st_mode & 0o777 == 0o600
        assert bytes.fromhex(path.read_text()) == keys[site]
    streams = stream_keys(config, keys)
    assert streams == {"lobby": keys["HO"], "lobby__sub": keys["HO"],
                       "kasir": keys["CAB"], "kasir__sub": keys["CAB"]}  # fmt: skip
    assert key_lookup(keys)("CAB") == keys["CAB"]
    with pytest.raises(LiveUnavailable, match="site X has no live key"):
        key_lookup(keys)("X")


def test_one_environment_key_serves_a_single_site_box_only(tmp_path: Path) -> None:
    single = Config.model_validate({"sites": [{"id": "CAB", "name": "Cabang"}]})
    key = "ab" * 32
    assert live_keys(tmp_path, single, {"VMS_LIVE_KEY": key}) == {"CAB": bytes.fromhex(key)}

    with pytest.raises(ConfigError, match="holds one key but the config has 2 sites"):
        live_keys(tmp_path, _config(), {"VMS_LIVE_KEY": key})
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        live_keys(tmp_path, single, {"VMS_LIVE_KEY": "ab" * 16})
