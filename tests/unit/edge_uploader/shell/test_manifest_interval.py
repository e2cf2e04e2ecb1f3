"""The edge seals its signed manifests as often as uploader.manifest_interval_s says
(the e2e stack sets it short, so fresh footage is provable within seconds)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from edge_uploader.shell.bootstrap import bootstrap
from footage.config_loader import parse_config
from footage.manifest import MANIFEST_EVERY_S


def _config(**uploader: Any) -> dict[str, Any]:
    return {
        "sites": [{"id": "HO", "name": "Kantor Pusat"}],
        "cameras": [{"id": "lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"}],
        "uploader": uploader,
    }


def test_the_manifests_follow_the_configured_interval(tmp_path: Path) -> None:
    short = bootstrap(parse_config(_config(manifest_interval_s=15), environ={}), tmp_path / "a")
    assert short.manifests().policy.every == timedelta(seconds=15)
    default = bootstrap(parse_config(_config(), environ={}), tmp_path / "b")
    assert default.manifests().policy.every == timedelta(seconds=MANIFEST_EVERY_S)
