"""WebRTC parts of bench/live_latency.py (imported by it; not a bench of its own).

* ``glass``: the viewer's live page in Chromium, one camera full size, WebRTC or
  HLS (``localStorage["vms.liveTransport"]``), the stamp of every presented frame
  (display time - capture time), the freezes (a frame gap longer than
  max(3 x the mean gap, mean + 150 ms), WebRTC's freezeCount rule) and the badge.
* ``viewer_cpu``: the relay process's CPU (``python -m streaming run``: the WHEP
  service and its sources live there) with one WebRTC viewer, then with
  ``extra`` more WHEP sessions opened from the page.
* ``shaped_browser``: Chromium inside a network namespace behind a veth shaped
  with ``tc tbf`` (tests/support/shaped.py). This kernel has no netem, so the
  50 ms delay and 1 % loss of the issue's link cannot be made: the rate is.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright

from tests.support.browser import wait_until

TICK = os.sysconf("SC_CLK_TCK")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]

#: Opens ``count`` WHEP sessions from the page (what a viewer's tile does), waits for a frame.
OPEN_JS = """
async ([url, count]) => {
  window.__extra = window.__extra || [];
  const one = async () => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const video = document.createElement('video');
    video.muted = true; video.autoplay = true; video.width = 64; document.body.append(video);
    pc.ontrack = (e) => { video.srcObject = video.srcObject || new MediaStream();
                          video.srcObject.addTrack(e.track); };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => { if (pc.iceGatheringState === 'complete') r();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); });
    const answer = await fetch(url, { method: 'POST', body: pc.localDescription.sdp,
                                      headers: { 'Content-Type': 'application/sdp' } });
    await pc.setRemoteDescription({ type: 'answer', sdp: await answer.text() });
    await new Promise((r) => { video.requestVideoFrameCallback(r); setTimeout(r, 8000); });
    window.__extra.push(pc);
  };
  await Promise.all(Array.from({ length: count }, one));
  return window.__extra.length;
}
"""


@dataclass(frozen=True, slots=True)
class Glass:
    latencies: list[float]  # s
    unreadable: int
    freezes: int
    click_s: float  # click -> tile playing
    mode: str  # the tile's badge: webrtc | hls


def log_in(browser: Browser, base: str, password: str, transport: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.add_init_script(f"localStorage.setItem('vms.liveTransport', '{transport}')")
    page.goto(f"{base}/#/login")
    page.fill("#username", "admin")
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector('[data-nav="playback"]')
    page.goto(f"{base}/#/live")
    page.click('[data-grid="1"]')
    return page


def open_camera(page: Page, camera: str) -> float:
    """Click the camera in the list; seconds until its tile plays (either transport)."""
    clicked = time.monotonic()
    page.click(f'.camera-item[data-camera-id="{camera}"]')
    wait_until(
        page,
        f"() => {{ const v = document.querySelector('.tile video[data-camera=\"{camera}\"]');"
        " return v && v.currentTime > 0 && !v.paused; }",
        timeout_s=30,
    )
    return time.monotonic() - clicked


def glass(page: Page, glass_js: str, camera: str, seconds: float, settle_s: float) -> Glass:
    opened = open_camera(page, camera)
    mode = page.get_attribute(f'.tile:has(video[data-camera="{camera}"]) .tile-mode', "data-mode")
    time.sleep(settle_s)
    result = page.evaluate(glass_js, [seconds, camera])
    return Glass([s / 1000 for s in result["samples"]], int(result["unreadable"]),
                 int(result["freezes"]), opened, mode or "?")  # fmt: skip


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def cpu_share(pids: list[int], seconds: float) -> float:
    """% of a core the processes used over the next ``seconds``."""
    before = sum(cpu_ticks(p) for p in pids)
    time.sleep(seconds)
    return (sum(cpu_ticks(p) for p in pids) - before) / TICK / seconds * 100


def viewer_cpu(
    page: Page, relay_pids: list[int], whep_url: Callable[[], str], extra: int, seconds: float
) -> tuple[float, float]:
    """Relay process CPU with the page's one viewer, then with ``extra`` more."""
    one = cpu_share(relay_pids, seconds)
    page.evaluate(OPEN_JS, [whep_url(), extra])
    more = cpu_share(relay_pids, seconds)
    return one, more


@contextlib.contextmanager
def shaped_browser(playwright: Playwright, namespace: str, work: Path) -> Iterator[Browser]:
    """Chromium run inside ``namespace`` (Playwright talks to it over a pipe)."""
    wrapper = work / "chromium-in-netns"
    wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {namespace} {CHROMIUM} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    browser = playwright.chromium.launch(executable_path=str(wrapper), args=ARGS)
    try:
        yield browser
    finally:
        browser.close()
