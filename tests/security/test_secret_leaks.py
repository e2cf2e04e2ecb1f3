"""A camera's password must not leak to the people who look at its errors.

The attacker is a viewer (or anyone who reads a branch's status report or
logs): a camera that cannot be reached makes ffmpeg print its URL, password
included, and that error travels to ``vms status``, ``/api/status``, the live
view answer, log lines and status files. The whole on-prem stack runs here
(``vms up``: recorder, relay over RTSP for the sub-stream, API behind nginx).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import yaml

from edge_uploader.harness.ports import free_port_block
from footage.redact import MASK, redact, register_secret

pytestmark = pytest.mark.integration
VMS = str(Path(sys.executable).parent / "vms")
PASSWORD = "S3cret:p@ss/w0rd"  # reserved URL characters too
ADMIN = "admin-password-for-the-test"


def _closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(path: Path, ports: int, dead: int) -> Path:
    camera = {"id": "door", "site": "HO", "name": "Pintu", "username": "admin",
              "password_env": "DOOR_RTSP_PASSWORD", "segment_seconds": 10,
              "rtsp_url": f"rtsp://127.0.0.1:{dead}/Streaming/Channels/101",
              "sub_rtsp_url": f"rtsp://127.0.0.1:{dead}/Streaming/Channels/102"}  # fmt: skip
    path.write_text(yaml.safe_dump({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}],
        "cameras": [camera],
        "recorder": {"rtsp_timeout_s": 2, "backoff_max_s": 2},
        "relay": {"api_port": ports + 1, "rtmp_port": ports + 2, "feed_port": ports + 3},
    }))  # fmt: skip
    return path


def test_an_unreachable_cameras_password_is_in_no_answer_log_or_file(tmp_path: Path) -> None:
    ports, dead = free_port_block(4), _closed_port()
    data, config = tmp_path / "var", _config(tmp_path / "site.yaml", ports, dead)
    env = {**os.environ, "DOOR_RTSP_PASSWORD": PASSWORD, "VMS_ADMIN_PASSWORD": ADMIN}
    log = tmp_path / "up.log"
    up = subprocess.Popen(
        [VMS, "up", "--config", str(config), "--data-dir", str(data), "--http-port", str(ports)],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    answers: list[str] = []
    try:
        answers += _watch_it_fail(f"http://127.0.0.1:{ports}", data, up, log)
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(60)
    files = {p: p.read_bytes() for p in [log, *data.rglob("*")] if p.is_file()}
    secrets = [PASSWORD, quote(PASSWORD, safe=""), quote(PASSWORD)]

    leaks = [str(p) for p, body in files.items() if any(s.encode() in body for s in secrets)]
    leaks += [a[:200] for a in answers if any(s in a for s in secrets)]
    assert leaks == []
    # the error paths did run: the URL is there, its password masked
    assert any(f"admin:{MASK}@127.0.0.1:{dead}" in a for a in answers)
    assert any(f"admin:{MASK}@".encode() in body for body in files.values())


def _watch_it_fail(base: str, data: Path, up: subprocess.Popen[bytes], log: Path) -> list[str]:
    """Every answer a viewer or admin could see while the camera keeps failing; the
    live sub-stream is watched (its playlist fetched), so the relay tries it too."""
    status_cli = [VMS, "status", "--json", "--config", str(data.parent / "site.yaml"),
                  "--data-dir", str(data)]  # fmt: skip
    with httpx.Client(base_url=base, timeout=10) as http:
        headers = {"Authorization": f"Bearer {_login(http, up, log)}"}
        answers: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            live = http.get("/api/cameras/door/live", params={"quality": "sub"}, headers=headers)
            http.get(live.json()["url"])  # a viewer's player: the relay starts on demand
            status = http.get("/api/status", headers=headers).text
            cli = subprocess.run(status_cli, capture_output=True, text=True, timeout=60)
            assert cli.returncode == 0, cli.stderr
            answers += [status, live.text, http.get("/api/cameras", headers=headers).text,
                        cli.stdout]  # fmt: skip
            errors = [json.loads(status)["sites"][0]["cameras"][0], live.json()]
            if all(e.get("last_error") for e in errors):
                return answers
            time.sleep(2)
    raise AssertionError(f"the camera's errors never showed: {answers[-4:]}")


def _login(http: httpx.Client, up: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and up.poll() is None:
        try:
            answer = http.post("/api/auth/login", json={"username": "admin", "password": ADMIN})
            if answer.status_code == 200:
                return str(answer.json()["access_token"])
        except httpx.TransportError:
            pass
        time.sleep(1)
    raise AssertionError(f"vms up never served a login: {log.read_text()[-2000:]}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rtsp://admin:hunter22@10.0.0.5:554/x: Connection refused",
         f"rtsp://admin:{MASK}@10.0.0.5:554/x: Connection refused"),
        ("rtsp://admin:p@ss:w@10.0.0.5/x", f"rtsp://admin:{MASK}@10.0.0.5/x"),
        ("rtsps://u:pw@cam | rtsp://v:pw2@cam2 done",
         f"rtsps://u:{MASK}@cam | rtsp://v:{MASK}@cam2 done"),
        ("rtsp://10.0.0.5:554/Streaming/Channels/101", "rtsp://10.0.0.5:554/Streaming/Channels/101"),
        ("user admin, mail a@b.c: fine", "user admin, mail a@b.c: fine"),
    ],
)  # fmt: skip
def test_redact_masks_url_passwords(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_masks_registered_secrets_anywhere() -> None:
    register_secret("Rahasia#2026!")
    assert redact("DESCRIBE failed for Rahasia#2026! and Rahasia%232026%21") == (
        f"DESCRIBE failed for {MASK} and {MASK}"
    )
