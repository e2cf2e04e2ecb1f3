"""The relay's generated nginx.conf with real nginx + libnginx-mod-rtmp: ffmpeg
publishes RTMP from loopback, nginx writes ~1 s HLS fragments, and secure_link
lets through only the stream a token was issued for, and only until it expires."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.harness.ports import free_port_block
from footage.config import RelayConfig
from footage.logfiles import NGINX_LOGS, rotated
from footage.media.commands import RelaySpec, relay_command
from streaming.demand import LiveLog
from streaming.nginx import RelayPaths, render
from streaming.nginx_logs import NginxLogs
from tests.support.relay import get, live_url, relay_config, running_relay
from tests.support.servers import stop

pytestmark = pytest.mark.integration
KEYS = {"HO": bytes(range(32)), "CABANG-01": bytes(range(32, 64))}
CAMERAS = {"ho-lobby": "HO", "ho-gudang": "HO", "cam": "HO", "cab01-kasir": "CABANG-01"}


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[tuple[str, RelayConfig, RelayPaths]]:
    config = relay_config(CAMERAS)
    with running_relay(tmp_path, config, KEYS) as running:
        yield running.base, config.relay, running.paths


def _publish(config: RelayConfig, stream: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["ffmpeg", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15",
         "-f", "flv", f"rtmp://127.0.0.1:{config.rtmp_port}/live/{stream}"],
        stderr=subprocess.PIPE,
    )  # fmt: skip


def _url(base: str, stream: str, file: str, expires_at: datetime) -> str:
    camera = stream.removesuffix("__sub")
    return live_url(base, stream, file, expires_at, KEYS[CAMERAS[camera]])


def test_secured_hls_from_an_rtmp_publish(relay: tuple[str, RelayConfig, RelayPaths]) -> None:
    base, config, paths = relay
    publisher = _publish(config, "ho-lobby")
    later = datetime.now(UTC) + timedelta(minutes=5)
    playlist = _url(base, "ho-lobby", "index.m3u8", later)
    try:
        deadline = time.monotonic() + 20
        status, body = 0, b""
        while time.monotonic() < deadline:
            status, body = get(playlist)
            if status == 200 and body.count(b"#EXTINF") >= 3:
                break
            time.sleep(0.5)
        assert status == 200 and body.count(b"#EXTINF") >= 3, (status, body)
        lines = body.decode().splitlines()
        durations = [float(line.split(":")[1].rstrip(",")) for line in lines
                     if line.startswith("#EXTINF")]  # fmt: skip
        assert all(0.5 <= d <= 1.6 for d in durations), durations  # ~1 s fragments
        fragment = next(line for line in lines if line.endswith(".ts"))
        assert "/" not in fragment  # relative: it inherits the token in the path
        status, data = get(playlist.rsplit("/", 1)[0] + "/" + fragment)
        assert status == 200 and data[:1] == b"G"  # MPEG-TS sync byte

        # ho-lobby's token on another stream: 403; that stream's own token passes the
        # check (503: not published yet, a player retries), so the 403 is the token's doing.
        assert get(playlist.replace("/ho-lobby/", "/cab01-kasir/"))[0] == 403
        assert get(_url(base, "cab01-kasir", "index.m3u8", later))[0] == 503
        assert get(_url(base, "cab01-kasir", "1.ts", later))[0] == 404  # fragments: no retry
        # the live log is the supervisor's demand signal: the forged request for
        # cab01-kasir is logged (403) but does not count, its own token's 503 does
        logged = [line.split()[1:3] for line in paths.live_log.read_text().splitlines()]
        assert ["cab01-kasir", "403"] in logged and ["cab01-kasir", "503"] in logged
        demand = [stream for stream, _ in LiveLog(paths.live_log).read()]
        assert demand.count("cab01-kasir") == 1 and "ho-lobby" in demand
        expired = _url(base, "ho-lobby", "index.m3u8", datetime.now(UTC) - timedelta(seconds=5))
        assert get(expired)[0] == 410
        assert get(f"{base}/live/ho-lobby/index.m3u8")[0] == 403  # no token
        assert (paths.hls / "ho-lobby" / "index.m3u8").exists()
    finally:
        stop(publisher)


def test_a_log_past_its_limit_is_rotated_and_nginx_writes_a_new_one(
    relay: tuple[str, RelayConfig, RelayPaths],
) -> None:
    base, _, paths = relay
    access = paths.logs / "access.log"
    assert get(f"{base}/live/first")[0] == 403
    with access.open("ab") as handle:  # as if a busy day had filled it
        handle.write(b"x" * NGINX_LOGS["access.log"].limit)
    assert NginxLogs(paths).tick(0.0) == ["access.log"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not access.exists():
        get(f"{base}/live/second")  # nginx reopens on SIGUSR1: a new access.log
        time.sleep(0.2)
    assert access.exists(), "nginx did not reopen its logs"
    assert b"/live/first" in rotated(access).read_bytes()
    assert access.stat().st_size < 4096


def test_rtmp_play_is_loopback_only(relay: tuple[str, RelayConfig, RelayPaths]) -> None:
    """The WHEP service (streaming.fanout) plays the stream over loopback; nothing
    off the box reaches RTMP: nginx listens on 127.0.0.1 only and allows play from it."""
    _, config, _ = relay
    publisher = _publish(config, "ho-gudang")
    try:
        time.sleep(2)
        played = subprocess.run(
            ["ffmpeg", "-v", "error", "-rw_timeout", "5000000", "-i",
             f"rtmp://127.0.0.1:{config.rtmp_port}/live/ho-gudang", "-t", "1", "-f", "null", "-"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert played.returncode == 0, played.stderr
        lan = [a for a in subprocess.run(["hostname", "-I"], capture_output=True, text=True,
                                         check=True).stdout.split() if ":" not in a]  # fmt: skip
        for address in lan:
            with socket.socket() as sock:
                sock.settimeout(2)
                assert sock.connect_ex((address, config.rtmp_port)) != 0, address
    finally:
        stop(publisher)


def test_vms_relay_config_prints_a_config_nginx_accepts(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(
        "sites: [{id: HO, name: Kantor Pusat}]\n"
        "relay: {http_port: 18080, api_port: 18081, rtmp_port: 18082}\n"
    )
    vms = str(Path(sys.executable).parent / "vms")
    command = [vms, "relay", "config", "--config", str(site), "--data-dir", str(tmp_path / "var")]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "listen 127.0.0.1:18080;" in done.stdout and "listen 127.0.0.1:18082;" in done.stdout
    key = tmp_path / "var" / "secrets" / "live-HO.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert "map $stream $live_key" in done.stdout  # no camera: no stream has a key
    paths = RelayPaths(tmp_path / "var" / "relay")
    paths.prepare()
    paths.conf.write_text(done.stdout)
    checked = subprocess.run(paths.command("-t"), capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    bad = subprocess.run([vms, "relay", "config", "--config", str(tmp_path / "nope.yaml")],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert bad.returncode != 0 and "nope.yaml" in bad.stderr


@pytest.mark.parametrize(
    ("codec", "audio", "probed_video", "probed_audio", "expected"),
    [
        ("h264", "none", "h264", None, {"h264"}),
        ("h265", "pcma", "hevc", "pcm_alaw", {"h264", "aac"}),
    ],
)
def test_a_camera_becomes_browser_playable_hls(
    relay: tuple[str, RelayConfig, RelayPaths],
    tmp_path: Path,
    codec: str,
    audio: str,
    probed_video: str,
    probed_audio: str | None,
    expected: set[str],
) -> None:
    base, config, _ = relay
    port = free_port_block(1)
    spec = CameraSpec(port=port, codec=codec, audio=audio, width=320, height=240)
    with SimulatedCamera(spec).start():
        rtmp = f"rtmp://127.0.0.1:{config.rtmp_port}/live/cam"
        relay_spec = RelaySpec(spec.url, rtmp, 5.0, probed_video, probed_audio, spec.fps,
                               config.fragment_s)  # fmt: skip
        ffmpeg = subprocess.Popen(relay_command(relay_spec), stderr=subprocess.PIPE)
        try:
            playlist = _url(base, "cam", "index.m3u8", datetime.now(UTC) + timedelta(minutes=5))
            deadline, body = time.monotonic() + 30, b""
            while time.monotonic() < deadline and body.count(b"#EXTINF") < 2:
                body = get(playlist)[1]
                time.sleep(0.5)
            fragment = next(line for line in body.decode().splitlines() if line.endswith(".ts"))
            status, data = get(playlist.rsplit("/", 1)[0] + "/" + fragment)
            assert status == 200
            (tmp_path / "f.ts").write_bytes(data)
            probed = subprocess.run(
                ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                 str(tmp_path / "f.ts")], capture_output=True, text=True, check=True,
            )  # fmt: skip
            streams = set(probed.stdout.split())
            # nginx-rtmp may declare an (empty) AAC track for a silent stream
            assert expected <= streams <= {"h264", "aac"}, streams
        finally:
            stop(ffmpeg)


def test_the_config_works_for_an_unprivileged_user() -> None:
    """``make up`` on a workstation runs as a normal user: nothing in the config may
    reach for root's files (Debian's default logs in /var/log/nginx)."""
    tmp_path = Path(tempfile.mkdtemp(prefix="relay-nobody-", dir="/tmp"))  # not under 0700
    paths = RelayPaths(tmp_path / "relay")
    paths.prepare()
    paths.conf.write_text(render(relay_config(CAMERAS), paths, KEYS))
    command = paths.command("-t")
    if os.geteuid() == 0:  # CI runs as root: check as nobody, who may write only here
        for path in [tmp_path, *tmp_path.rglob("*")]:
            path.chmod(0o777)
        command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
    checked = subprocess.run(command, capture_output=True, text=True, check=False)
    shutil.rmtree(tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "/var/log/nginx" not in checked.stderr
