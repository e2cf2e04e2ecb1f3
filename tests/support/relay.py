"""The relay's nginx (real nginx with the rtmp and njs modules) on free loopback
ports, from a config of sites and cameras and each site's live key."""

from __future__ import annotations

import getpass
import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from edge_uploader.harness.ports import free_port_block
from footage.config import Config
from footage.signing import live_token
from streaming.nginx import RelayPaths, render
from tests.support.servers import stop, wait_for_http


@dataclass(frozen=True)
class Relay:
    base: str  # http://127.0.0.1:<port>
    config: Config
    paths: RelayPaths


def relay_config(cameras: Mapping[str, str], **relay: Any) -> Config:
    """Sites HO and CABANG-01, ``cameras`` (id -> site), relay ports free now."""
    port = free_port_block(3)
    return Config.model_validate({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}, {"id": "CABANG-01", "name": "Cabang 01"}],
        "cameras": [{"id": cam, "site": site, "name": cam, "rtsp_url": f"rtsp://h/{cam}"}
                    for cam, site in cameras.items()],
        "relay": {"http_port": port, "api_port": port + 1, "rtmp_port": port + 2, **relay},
    })  # fmt: skip


@contextmanager
def running_relay(root: Path, config: Config, keys: Mapping[str, bytes]) -> Iterator[Relay]:
    paths = RelayPaths(root / "relay")
    paths.prepare()
    run_as = getpass.getuser() if os.geteuid() == 0 else None
    paths.conf.write_text(render(config, paths, keys, run_as=run_as))
    checked = subprocess.run(paths.command("-t"), capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen(paths.command("-g", "daemon off;"), stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{config.relay.http_port}"
    try:
        wait_for_http(base + "/live/", nginx, timeout=10)
        yield Relay(base, config, paths)
    finally:
        stop(nginx)


def live_url(base: str, stream: str, file: str, expires_at: datetime, key: bytes) -> str:
    token, expires = live_token(stream, expires_at, key)
    return f"{base}/live/{token}/{expires}/{stream}/{file}"


def get(url: str, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """(status, body); 0 when nothing listens yet."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except OSError:
        return 0, b""
