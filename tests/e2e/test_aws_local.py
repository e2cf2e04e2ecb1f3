"""`vms up --backend aws-local`: demo cameras -> edge uploader -> S3 (moto) ->
S3 notification -> SQS -> the real ingest Lambda handler -> DynamoDB (moto)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from edge_uploader.harness.demo import DEMO_PORT_BLOCK
from edge_uploader.harness.ports import free_port_block

pytestmark = pytest.mark.e2e
VMS = str(Path(sys.executable).parent / "vms")
DEMO_CAMERAS = {"ho-lobby", "ho-gudang", "cab01-kasir", "cab01-pintu"}
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "aws-local", "AWS_SECRET_ACCESS_KEY": "aws-local"}


def _listed(config: Path, data_dir: Path, env: dict[str, str]) -> list[dict]:
    done = subprocess.run(
        [VMS, "footage", "ls", "--json", "--config", str(config), "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=60, check=False, env=env,
    )  # fmt: skip
    return json.loads(done.stdout) if done.returncode == 0 else []


def test_serverless_path_runs_on_one_machine(tmp_path):
    data_dir = tmp_path / "var"
    base = free_port_block(DEMO_PORT_BLOCK)  # cameras, viewer, API, RTMP, feeds
    http = base + 4
    env = {**os.environ, **CREDENTIALS, "VMS_DEMO_PORT": str(base),
           "VMS_HTTP_PORT": str(http), "VMS_ADMIN_PASSWORD": "aws-local-admin-1"}  # fmt: skip
    out = tmp_path / "up.log"
    with out.open("w") as log:
        proc = subprocess.Popen(
            [VMS, "up", "--backend", "aws-local", "--data-dir", str(data_dir)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    config = data_dir / "aws-local" / "config.yaml"
    try:
        deadline = time.monotonic() + 180
        segments: list[dict] = []
        while time.monotonic() < deadline and proc.poll() is None:
            if config.exists():
                segments = _listed(config, data_dir, env)
            if {s["camera"] for s in segments} >= DEMO_CAMERAS:
                break
            time.sleep(3)
        log_text = out.read_text()
        assert {s["camera"] for s in segments} >= DEMO_CAMERAS, log_text[-3000:]
        assert re.search(r"aws-local: moto at http://127\.0\.0\.1:\d+", log_text)
        cloud = yaml.safe_load(config.read_text())
        assert cloud["storage"]["type"] == "s3" and cloud["index"]["type"] == "dynamodb"
        assert cloud["uploader"]["ingest"] == "cloud"
        assert {s["codec"] for s in segments} == {"h264", "hevc"}
        assert all(s["key"].startswith("segments/") and s["size_bytes"] > 0 for s in segments)
        lambda_log = (data_dir / "aws-local" / "lambda.log").read_text()
        assert '"function_name":"ingest"' in lambda_log and '"SegmentsIndexed"' in lambda_log
        _plays_through_the_api(f"http://127.0.0.1:{http}", segments)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0
    assert list((data_dir / "spool" / "rec").rglob("*.mp4")) == []


def _plays_through_the_api(base: str, segments: list[dict]) -> None:
    """The viewer API over DynamoDB and S3: a playlist whose pre-signed byte ranges read."""
    with httpx.Client(base_url=base, timeout=10) as client:
        login = {"username": "admin", "password": "aws-local-admin-1"}
        token = client.post("/api/auth/login", json=login).json()["access_token"]
        first = min((s for s in segments if s["camera"] == "ho-lobby"), key=lambda s: s["start"])
        params = {"start": first["start"], "end": first["end"]}
        playlist = client.get("/api/cameras/ho-lobby/playback.m3u8", params=params,
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert playlist.status_code == 200, playlist.text
        url = next(line for line in playlist.text.splitlines() if line.startswith("http"))
        assert "X-Amz-Signature=" in url
        head = httpx.get(url, headers={"Range": "bytes=4-7"}, timeout=10)
        assert head.status_code == 206 and head.content == b"ftyp"
