"""The embedded demo: two sites, two simulated RTSP cameras each, all storage
and the index under the data dir. Used by ``vms up`` when no config is given.

Ports: the cameras from ``base_port`` (8554); with another base (tests), the
relay's ports follow it: base+4 for the viewer, then API, RTMP and the feeds, so
DEMO_PORT_BLOCK ports from the base are enough."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from edge_uploader.harness.camsim.launcher import CameraSpec

DEMO_BASE_PORT = 8554
DEMO_CONFIG_NAME = "config.yaml"
DEMO_PORT_BLOCK = 12

# (site, camera id, name, codec, audio): like a Hikvision/Dahua mix at a branch.
_DEMO_CAMERAS = (
    ("HO", "ho-lobby", "Lobby HO", "h264", "none"),
    ("HO", "ho-gudang", "Gudang HO", "h265", "pcma"),
    ("CABANG-01", "cab01-kasir", "Kasir Cabang 01", "h264", "pcmu"),
    ("CABANG-01", "cab01-pintu", "Pintu Depan Cabang 01", "h264", "none"),
)


def demo_specs(base_port: int = DEMO_BASE_PORT) -> list[CameraSpec]:
    return [
        CameraSpec(
            port=base_port + i, mount=f"/{cam}", codec=codec,  # type: ignore[arg-type]
            audio=audio, label=name,  # type: ignore[arg-type]
        )
        for i, (_site, cam, name, codec, audio) in enumerate(_DEMO_CAMERAS)
    ]  # fmt: skip


def demo_config(base_port: int = DEMO_BASE_PORT, segment_seconds: int = 30) -> dict[str, Any]:
    cameras = [
        {
            "id": cam,
            "site": site,
            "name": name,
            "rtsp_url": spec.url,
            "segment_seconds": segment_seconds,
        }
        for (site, cam, name, _c, _a), spec in zip(
            _DEMO_CAMERAS, demo_specs(base_port), strict=True
        )
    ]
    config: dict[str, Any] = {
        "sites": [
            {"id": "HO", "name": "Kantor Pusat", "timezone": "Asia/Jakarta"},
            {"id": "CABANG-01", "name": "Cabang 01 Makassar", "timezone": "Asia/Makassar"},
        ],
        "cameras": cameras,
        "storage": {"type": "filesystem"},
        "index": {"type": "sqlite"},
    }
    if base_port != DEMO_BASE_PORT:  # tests run demos side by side: keep to a port block
        config["relay"] = {
            "api_port": base_port + 5,  # base + 4: the viewer (VMS_HTTP_PORT)
            "rtmp_port": base_port + 6,
            "feed_port": base_port + 7,  # one per camera
            "webrtc": {"port": base_port + 11},  # the WHEP service, behind nginx
        }
    return config


def write_demo_config(data_dir: Path, base_port: int = DEMO_BASE_PORT) -> Path:
    """Write the demo config once; later runs (and ``vms footage ls``) reuse it."""
    path = data_dir / DEMO_CONFIG_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        header = "# cctv-vms demo configuration, written by `vms up` (edit freely)\n"
        path.write_text(header + yaml.safe_dump(demo_config(base_port), sort_keys=False))
    return path
