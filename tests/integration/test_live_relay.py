"""The live relay end to end with real parts: GStreamer RTSP cameras, the real
recorder (whose loopback feed the relay shares), ``python -m streaming run``
(nginx + libnginx-mod-rtmp + the relay ffmpegs) and signed HLS over HTTP.

One site for the module: ``lobby`` (H.264, on demand), ``gudang`` (H.265 with
G.711, ``live: always``, with an H.264 sub-stream pulled over RTSP).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.harness.ports import free_port_block
from edge_uploader.journal import Journal
from edge_uploader.recorder import CameraRecorder
from edge_uploader.spool import Spool
from footage.clock import SystemClock
from footage.config_loader import load_config
from footage.live import feed_output_url, live_keys, live_path, relay_status_path
from tests.support.servers import stop

pytestmark = pytest.mark.integration
IDLE_TIMEOUT_S = 10


@dataclass
class Site:
    base: str
    data: Path
    secret: bytes
    rtmp_port: int
    cameras: dict[str, SimulatedCamera]
    relay: subprocess.Popen[bytes]

    def url(self, camera: str, sub: bool = False, expires_in_s: float = 600) -> str:
        expires = datetime.now(UTC) + timedelta(seconds=expires_in_s)
        return self.base + live_path(camera, sub, expires, self.secret)

    def status(self) -> dict:
        return json.loads(relay_status_path(self.data).read_text())

    def stream(self, name: str) -> dict:
        return self.status()["streams"][name]

    def relay_pids(self, stream: str) -> list[int]:
        """The relay ffmpegs pushing ``stream`` (there must be at most one)."""
        target = f"rtmp://127.0.0.1:{self.rtmp_port}/live/{stream}"
        return [pid for pid, argv in _processes() if argv and argv[-1] == target]


def _processes() -> Iterator[tuple[int, list[str]]]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                raw = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            yield int(entry.name), [a.decode() for a in raw.split(b"\0") if a]


def get(url: str) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode(errors="replace"), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, "", dict(exc.headers)
    except OSError:
        return 0, "", {}


def fragments(playlist: str) -> list[tuple[float, str]]:
    return [(float(d), name) for d, name in re.findall(r"#EXTINF:([\d.]+),\n(\S+\.ts)", playlist)]


def wait_for(predicate: Callable[[], object], timeout_s: float, step_s: float = 0.25) -> float:
    """Seconds until ``predicate()`` is truthy; fails the test after ``timeout_s``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout_s:
            pytest.fail(f"not within {timeout_s} s")
        time.sleep(step_s)
    return time.monotonic() - started


def watch(site: Site, url: str, seconds: float) -> list[str]:
    """Poll like a player for ``seconds``; every playlist body answered 200."""
    bodies, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, body, _ = get(url)
        if status == 200:
            bodies.append(body)
        time.sleep(0.5)
    return bodies


def probe(url: str) -> dict[str, str]:
    """Codec of each stream that has packets (nginx-rtmp's PMT always lists audio)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-show_streams",
                          "-of", "json", url],
                         capture_output=True, text=True, timeout=30, check=True)  # fmt: skip
    streams = json.loads(out.stdout)["streams"]
    return {s["codec_type"]: s["codec_name"] for s in streams if int(s.get("nb_read_packets", 0))}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("live")
    port = free_port_block(9)
    specs = {
        "lobby": CameraSpec(port=port, codec="h264", width=320, height=240),
        "gudang": CameraSpec(port=port + 1, codec="h265", audio="pcma", width=320, height=240),
        "gudang-sub": CameraSpec(port=port + 2, codec="h264", width=320, height=240),
    }
    config_path = tmp / "site.yaml"
    config_path.write_text(yaml.safe_dump({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}],
        "cameras": [
            {"id": "lobby", "site": "HO", "name": "Lobby", "rtsp_url": specs["lobby"].url},
            {"id": "gudang", "site": "HO", "name": "Gudang", "rtsp_url": specs["gudang"].url,
             "sub_rtsp_url": specs["gudang-sub"].url, "live": "always"},
        ],
        "relay": {"http_port": port + 3, "api_port": port + 4, "rtmp_port": port + 5,
                  "feed_port": port + 6, "idle_timeout_s": IDLE_TIMEOUT_S},
    }))  # fmt: skip
    config = load_config(config_path)
    data = tmp / "data"
    secret = live_keys(data, config, {})["HO"]
    cameras = {name: SimulatedCamera(spec).start() for name, spec in specs.items()}
    stop_recorders = threading.Event()
    spool = Spool(tmp / "spool", Journal(tmp / "journal.sqlite3"), 10**10, 0)
    spool.prepare([c.id for c in config.cameras])
    threads = []
    for camera in config.cameras:
        recorder = CameraRecorder(camera, camera.rtsp_url, spool, config.recorder, SystemClock(),
                                  feed_output_url(config, camera))  # fmt: skip
        threads.append(threading.Thread(target=recorder.run, args=(stop_recorders,)))
        threads[-1].start()
    relay = subprocess.Popen(
        [sys.executable, "-m", "streaming", "run", "--config", str(config_path),
         "--data-dir", str(data)], stdout=subprocess.DEVNULL, stderr=(tmp / "relay.log").open("wb"),
    )  # fmt: skip
    site = Site(f"http://127.0.0.1:{port + 3}", data, secret, port + 5, cameras, relay)
    try:
        wait_for(lambda: relay_status_path(data).exists(), 20)
        yield site
    finally:
        stop(relay)
        stop_recorders.set()
        for thread in threads:
            thread.join(30)
        for camera in site.cameras.values():
            camera.stop()
    assert not site.relay_pids("lobby") and not site.relay_pids("gudang"), "orphaned ffmpeg"


def test_unwatched_cameras_run_no_relay_and_bad_tokens_start_none(site: Site) -> None:
    time.sleep(2)
    assert site.stream("lobby")["state"] == "idle" and site.relay_pids("lobby") == []
    assert site.stream("gudang__sub")["state"] == "idle"
    token_url = site.url("lobby")
    forged = token_url.replace("/lobby/", "/gudang/")  # lobby's token, gudang's stream
    assert get(forged)[0] == 403
    assert get(site.url("lobby", expires_in_s=-5))[0] == 410
    assert get(site.base + "/live/lobby/index.m3u8")[0] == 403
    time.sleep(1.5)
    assert site.relay_pids("lobby") == [] and site.stream("lobby")["state"] == "idle"


def test_on_demand_start_playable_fragments_and_idle_stop(site: Site) -> None:
    url = site.url("lobby")
    status, _, headers = get(url)
    assert status == 503 and headers.get("Retry-After") == "1"  # players retry this
    first = wait_for(lambda: fragments(get(url)[1]), 15.0)  # target <= 5 s: bench/live_latency
    assert len(site.relay_pids("lobby")) == 1 and site.relay_pids("gudang__sub") == []
    bodies = watch(site, url, 6)
    durations = {d for body in bodies for d, _ in fragments(body)}
    assert durations and all(0.5 <= d <= 2.1 for d in durations), durations  # ~1 s (GOP 1 s)
    name = fragments(bodies[-1])[-1][1]
    assert probe(url.replace("index.m3u8", name)) == {"video": "h264"}
    assert site.stream("lobby")["state"] == "live" and site.stream("lobby")["viewers"] == 1
    # nobody asks any more: stopped within the idle timeout (+ a poll), HLS removed
    stopped = wait_for(lambda: not site.relay_pids("lobby"), IDLE_TIMEOUT_S + 3)
    assert stopped >= IDLE_TIMEOUT_S - 3, "stopped before the idle timeout"
    # ffmpeg's pid leaves /proc's cmdlines as it exits, before the relay has reaped it
    # and removed the stream's HLS (CI once looked in between)
    wait_for(lambda: not (site.data / "relay" / "hls" / "lobby").exists(), 3.0)
    wait_for(lambda: site.stream("lobby")["state"] == "idle", 3)
    print(f"first playable fragment after {first:.1f} s")


def test_always_on_hevc_with_g711_becomes_h264_with_aac(site: Site) -> None:
    url = site.url("gudang")
    wait_for(lambda: fragments(get(url)[1]), 20)
    assert site.stream("gudang")["always"] is True and len(site.relay_pids("gudang")) == 1
    name = fragments(get(url)[1])[-1][1]
    assert probe(url.replace("index.m3u8", name)) == {"video": "h264", "audio": "aac"}


def test_sub_stream_is_pulled_over_rtsp_for_grid_tiles(site: Site) -> None:
    url = site.url("gudang", sub=True)
    wait_for(lambda: fragments(get(url)[1]), 10)
    sub = site.stream("gudang__sub")
    assert sub["source"] == "rtsp" and sub["state"] in {"starting", "live"}
    assert site.stream("gudang")["source"] == "feed"


def _newest(site: Site, url: str) -> int:
    _, body, _ = get(url)
    return max((int(name.split(".")[0]) for _, name in fragments(body)), default=0)


def test_camera_dies_and_returns_hls_resumes_within_10_s(site: Site) -> None:
    url = site.url("gudang")
    wait_for(lambda: _newest(site, url), 20)
    camera = site.cameras["gudang"]
    camera.stop()
    wait_for(lambda: site.stream("gudang")["state"] == "retrying", 15)
    assert "gudang" in site.stream("gudang")["last_error"] or site.stream("gudang")["last_error"]
    time.sleep(3)
    back_at = time.time()
    site.cameras["gudang"] = SimulatedCamera(camera.spec).start()
    resumed = wait_for(lambda: _newest(site, url) / 1000 > back_at, 10.0)
    wait_for(lambda: site.stream("gudang")["state"] == "live", 5)
    print(f"HLS resumed {resumed:.1f} s after the camera returned")


def test_nginx_restart_the_relay_reconnects(site: Site) -> None:
    url = site.url("gudang")
    wait_for(lambda: _newest(site, url), 20)
    pid = int((site.data / "relay" / "nginx.pid").read_text())
    workers = [p for p, argv in _processes() if argv and argv[0].startswith("nginx: worker")
               and Path(f"/proc/{p}/stat").read_text().split()[3] == str(pid)]  # fmt: skip
    assert workers
    os.kill(pid, signal.SIGKILL)  # the hardest way to lose nginx: its workers live on
    killed_at = time.time()
    wait_for(lambda: site.status()["nginx_restarts"] >= 1, 10)
    resumed = wait_for(lambda: _newest(site, url) / 1000 > killed_at, 15.0)
    assert int((site.data / "relay" / "nginx.pid").read_text()) != pid
    assert not any(Path(f"/proc/{p}").exists() for p in workers), "orphaned nginx workers"
    print(f"HLS resumed {resumed:.1f} s after nginx was killed")


def test_a_burst_of_sigterms_stops_the_relay_cleanly(tmp_path: Path) -> None:
    """Shutdown runs once, as ordinary code: repeated signals (a service manager
    and a terminal both stopping it) neither deadlock it nor cut cleanup short."""
    port = free_port_block(3)
    config = tmp_path / "site.yaml"
    config.write_text(yaml.safe_dump({
        "sites": [{"id": "HO", "name": "HO"}],
        "relay": {"http_port": port, "api_port": port + 1, "rtmp_port": port + 2},
    }))  # fmt: skip
    relay = subprocess.Popen([sys.executable, "-m", "streaming", "run", "--config", str(config),
                              "--data-dir", str(tmp_path / "data")])  # fmt: skip
    wait_for(lambda: relay_status_path(tmp_path / "data").exists(), 20)
    master = int((tmp_path / "data" / "relay" / "nginx.pid").read_text())
    for _ in range(50):
        relay.send_signal(signal.SIGTERM)
        time.sleep(0.002)
    assert relay.wait(20) == 0
    assert not Path(f"/proc/{master}").exists(), "nginx outlived the relay"
    assert not relay_status_path(tmp_path / "data").exists()  # nobody reads a stale state
