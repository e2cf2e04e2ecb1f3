"""WebRTC live view (WHEP) end to end: GStreamer RTSP cameras, the real recorder
and ``python -m streaming run`` (nginx-rtmp, the relay ffmpegs and the WHEP
service), and headless Chromium as the viewer.

One site: ``lobby`` (H.264) and ``gudang`` (H.265 with G.711, transcoded once by
the HLS relay), both ``live: always`` so the relays run from the start; a
second site's camera ``toko`` for the branch/HO key separation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, sync_playwright

from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.journal import Journal
from edge_uploader.recorder import CameraRecorder
from edge_uploader.spool import Spool
from footage.clock import SystemClock
from footage.config_loader import load_config
from footage.live import WHEP, feed_output_url, live_keys, live_path, relay_status_path
from tests.support.servers import free_port_block, stop

pytestmark = pytest.mark.integration

#: Opens a WHEP session from the page and resolves once `frames` frames were presented.
WHEP_JS = """
async ([url, frames, timeoutMs]) => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const video = document.createElement('video');
  video.muted = true; video.autoplay = true; document.body.append(video);
  const stream = new MediaStream();
  pc.ontrack = (e) => { stream.addTrack(e.track); video.srcObject = stream; };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => { if (pc.iceGatheringState === 'complete') r();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); });
  const answer = await fetch(url, { method: 'POST', body: pc.localDescription.sdp,
                                    headers: { 'Content-Type': 'application/sdp' } });
  if (answer.status !== 201) return { status: answer.status };
  const sdp = await answer.text();
  await pc.setRemoteDescription({ type: 'answer', sdp });
  const started = performance.now();
  let seen = 0;
  await new Promise((resolve) => {
    const onFrame = () => {
      seen++;
      if (seen >= frames) resolve(); else video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    setTimeout(resolve, timeoutMs);
  });
  const audio = sdp.match(/a=rtpmap:\\d+ (PCMA|PCMU|opus)/i);
  const result = { status: 201, state: pc.connectionState, frames: seen,
                   firstFrameMs: performance.now() - started, audio: audio && audio[1],
                   location: answer.headers.get('Location') };
  window.__whep = (window.__whep || []).concat([pc]);
  return result;
}
"""


@dataclass
class Site:
    base: str
    data: Path
    keys: dict[str, bytes]
    rtmp_port: int
    relay: subprocess.Popen[bytes]

    def whep(self, camera: str, site: str = "HO", expires_in_s: float = 600) -> str:
        expires = datetime.now(UTC) + timedelta(seconds=expires_in_s)
        return self.base + live_path(camera, False, expires, self.keys[site], WHEP)

    def status(self) -> dict:
        return json.loads(relay_status_path(self.data).read_text())


def post(url: str, body: bytes = b"v=0\r\n") -> int:
    request = urllib.request.Request(url, body, {"Content-Type": "application/sdp"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def rtmp_players(site: Site) -> int:
    """The relay process's own connections to nginx-rtmp: the WHEP sources playing a
    stream (the relays' ffmpegs, which publish, are other processes)."""
    out = subprocess.run(["ss", "-Htnp", "state", "established", f"dport = :{site.rtmp_port}"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    return sum(f"pid={site.relay.pid}," in line for line in out.splitlines())


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("webrtc")
    port = free_port_block(10)
    specs = {
        "lobby": CameraSpec(port=port, codec="h264", width=320, height=240),
        "gudang": CameraSpec(port=port + 1, codec="h265", audio="pcma", width=320, height=240),
    }
    config_path = tmp / "site.yaml"
    config_path.write_text(yaml.safe_dump({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}, {"id": "BR1", "name": "Cabang"}],
        "cameras": [
            {"id": "lobby", "site": "HO", "name": "Lobby", "rtsp_url": specs["lobby"].url,
             "live": "always"},
            {"id": "gudang", "site": "HO", "name": "Gudang", "rtsp_url": specs["gudang"].url,
             "live": "always"},
            {"id": "toko", "site": "BR1", "name": "Toko", "rtsp_url": specs["lobby"].url,
             "enabled": False},
        ],
        "relay": {"http_port": port + 3, "api_port": port + 4, "rtmp_port": port + 5,
                  "feed_port": port + 6, "webrtc": {"port": port + 9}},
    }))  # fmt: skip
    config = load_config(config_path)
    data = tmp / "data"
    keys = live_keys(data, config, {})
    cameras = [SimulatedCamera(spec).start() for spec in specs.values()]
    stop_recorders = threading.Event()
    spool = Spool(tmp / "spool", Journal(tmp / "journal.sqlite3"), 10**10, 0)
    spool.prepare([c.id for c in config.cameras])
    threads = []
    for camera in config.cameras[:2]:
        recorder = CameraRecorder(camera, camera.rtsp_url, spool, config.recorder, SystemClock(),
                                  feed_output_url(config, camera))  # fmt: skip
        threads.append(threading.Thread(target=recorder.run, args=(stop_recorders,)))
        threads[-1].start()
    relay = subprocess.Popen(
        [sys.executable, "-m", "streaming", "run", "--config", str(config_path),
         "--data-dir", str(data)], stdout=subprocess.DEVNULL, stderr=(tmp / "relay.log").open("wb"),
    )  # fmt: skip
    site = Site(f"http://127.0.0.1:{port + 3}", data, keys, port + 5, relay)
    try:
        deadline = time.monotonic() + 30
        while not _live(site, ("lobby", "gudang")):
            assert time.monotonic() < deadline, (tmp / "relay.log").read_text()[-3000:]
            time.sleep(0.25)
        yield site
    finally:
        stop(relay)
        stop_recorders.set()
        for thread in threads:
            thread.join(30)
        for camera in cameras:
            camera.stop()


def _live(site: Site, streams: tuple[str, ...]) -> bool:
    try:
        status = site.status()["streams"]
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    return all(status[s]["state"] == "live" for s in streams)


@pytest.fixture(scope="module")
def page(site: Site) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        page.goto(site.base + "/live/")  # the relay's origin (a 403 page): same-origin fetch
        yield page
        browser.close()


def test_chromium_plays_h264_and_h265_with_g711_over_webrtc(site: Site, page: Page) -> None:
    h264 = page.evaluate(WHEP_JS, [site.whep("lobby"), 20, 8000])
    assert h264["status"] == 201 and h264["state"] == "connected", h264
    assert h264["frames"] >= 20, h264  # requestVideoFrameCallback kept advancing
    h265 = page.evaluate(WHEP_JS, [site.whep("gudang"), 20, 8000])
    assert h265["status"] == 201 and h265["state"] == "connected", h265
    assert h265["frames"] >= 20 and h265["audio"] == "opus", h265  # G.711 (AAC in the feed)
    print(f"first frame: H.264 {h264['firstFrameMs']:.0f} ms, H.265 {h265['firstFrameMs']:.0f} ms")
    viewers = site.status()["streams"]["lobby"]["viewers"]
    assert viewers >= 1  # a WebRTC viewer is a live viewer (live_share follows it)


def test_tokens_refused_before_any_media(site: Site) -> None:
    players = rtmp_players(site)
    lobby = site.whep("lobby")
    assert post(lobby.replace("/lobby/", "/gudang/")) == 403  # lobby's token, gudang's stream
    assert post(site.whep("lobby", expires_in_s=-5)) == 410
    assert post(site.base + "/live/lobby/whep") == 403  # no token
    assert post(site.whep("lobby", site="BR1")) == 403  # a branch's key opens no HO camera
    assert rtmp_players(site) == players  # no source was started for any of them


def test_ten_viewers_of_one_camera_share_one_source(site: Site, page: Page) -> None:
    before = cpu_s(site.relay.pid)
    started = time.monotonic()
    together = f"async (args) => Promise.all(Array.from({{length: 10}}, () => ({WHEP_JS})(args)))"
    results = page.evaluate(together, [site.whep("lobby"), 5, 8000])
    assert all(r["status"] == 201 and r["frames"] >= 5 for r in results), results
    assert rtmp_players(site) == 2  # lobby and gudang: one source each, whatever the viewers
    time.sleep(3)
    viewers = site.status()["streams"]["lobby"]["viewers"]
    share = (cpu_s(site.relay.pid) - before) / (time.monotonic() - started) * 100
    print(f"relay process with {viewers} WebRTC viewers of lobby: {share:.0f}% of a core")
    assert viewers >= 10
