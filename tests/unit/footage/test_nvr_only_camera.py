"""A camera only an NVR records (no rtsp_url): its footage comes from a watch
folder; nothing records or relays it, and the config says clearly what is missing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from footage.config_loader import parse_config
from footage.errors import ConfigError, LiveUnavailable
from footage.live import live_link
from streaming.supervisor import sources

NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)


def _config(tmp_path: Path, with_folder: bool = True, **gudang: object) -> dict[str, object]:
    return {
        "sites": [{"id": "HO", "name": "Kantor Pusat"}],
        "cameras": [
            {"id": "lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://10.0.0.5/main"},
            {"id": "gudang", "site": "HO", "name": "Gudang (NVR)", **gudang},
        ],
        "watch_folders": [{"path": str(tmp_path), "camera": "gudang"}] if with_folder else [],
    }


def test_a_camera_without_rtsp_url_is_nvr_only(tmp_path: Path) -> None:
    config = parse_config(_config(tmp_path), environ={})
    gudang, lobby = config.camera("gudang"), config.camera("lobby")
    assert gudang is not None and lobby is not None
    assert (gudang.nvr_only, lobby.nvr_only) == (True, False)
    # the relay has nothing to pull for it; the recorded camera keeps its feed
    assert [s.camera.id for s in sources(config)] == ["lobby"]
    with pytest.raises(LiveUnavailable, match="NVR"):
        live_link(config, gudang, False, NOW, b"k" * 32, None, local=True)


def test_without_rtsp_url_a_camera_needs_a_watch_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_config(tmp_path, with_folder=False), environ={})
    [(_, message)] = caught.value.errors
    assert "camera 'gudang'" in message and "rtsp_url" in message
    assert "watch_folders" in message  # what to add


def test_a_sub_stream_needs_the_main_stream(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(_config(tmp_path, sub_rtsp_url="rtsp://10.0.0.6/sub"), environ={})
    assert "sub_rtsp_url" in " ".join(message for _, message in caught.value.errors)
