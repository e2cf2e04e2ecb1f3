"""vms up starts no recorder for an NVR-only camera and says "nvr" for it, with
its watch folder's silence limit, instead of "disabled" or "offline"."""

from __future__ import annotations

from pathlib import Path

from edge_uploader.shell.bootstrap import bootstrap
from edge_uploader.shell.status import SystemStatus
from edge_uploader.shell.system import System
from footage.config_loader import parse_config
from footage.jsonfile import read_model


def test_status_file_says_nvr_for_a_camera_only_an_nvr_records(tmp_path: Path) -> None:
    config = parse_config({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}],
        "cameras": [
            {"id": "gudang", "site": "HO", "name": "Gudang"},
            {"id": "lama", "site": "HO", "name": "Lama", "rtsp_url": "rtsp://h/1",
             "enabled": False},
        ],
        "watch_folders": [{"path": str(tmp_path / "nvr"), "camera": "gudang",
                           "silent_after_minutes": 90}],
    }, environ={})  # fmt: skip
    runtime = bootstrap(config, tmp_path / "var")
    system = System(runtime)
    system._write_status()  # what the housekeeping loop writes every 2 s
    status = read_model(runtime.paths.status_file, SystemStatus)
    assert status is not None and system.recorders == {}
    gudang, lama = status.cameras["gudang"], status.cameras["lama"]
    assert (gudang.state, gudang.silent_after_s) == ("nvr", 90 * 60)
    assert lama.state == "disabled"
