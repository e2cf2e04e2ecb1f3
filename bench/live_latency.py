"""Live view: latency from capture to playlist and to the browser, and relay CPU.

Runs the real on-prem stack with ``vms up --config``: two simulated cameras
whose every frame carries its capture time (``--stamp``: the wall clock in ms,
burned in as black and white cells, edge_uploader/harness/camsim/stamp.py), the
recorder (whose loopback feed the relay shares), ``python -m streaming run``
(nginx-rtmp + relay ffmpegs) and the API and viewer behind nginx. Those two are
``live: always`` so the relays run from the start; a third camera is on demand
(idle timeout 10 s) for the cold starts.

* on-demand start: a signed playlist is requested (as the player does) until
  its first fragment is listed, --starts times, each after the relay went idle;
  and once in Chromium, from the click on the idle camera to a playing tile.

* capture -> playlist: the playlist of the H.264 camera is polled every 20 ms;
  when a fragment is listed, it is fetched and its frames' stamps decoded.
  Reported for the fragment's first frame (what a player can show first) and
  its last frame (the pipeline's own delay, without the fragment's length).
* glass -> browser: headless Chromium logs in to the viewer, opens the camera
  full size on the live page (the shipped hls.js settings), and for each
  presented frame (``requestVideoFrameCallback``) reads the stamp from a canvas:
  display time minus capture time.
* WebRTC (the viewer's default): glass -> browser for the H.264 camera (forwarded,
  not decoded) and the H.265 one (the HLS leg's transcode, shared), with freezes
  (frame gaps over max(3 x mean, mean + 150 ms)); HLS is forced for the figure
  above with localStorage["vms.liveTransport"] = "hls". Click -> playing on the
  running camera (warm) and, outside --smoke, on the idle one (cold). The relay
  process's CPU (the WHEP service and its source) with one viewer, then with
  --extra-viewers more WHEP sessions from the page.
* Shaped link (root, --shaped-s, 60 s; not in --smoke): Chromium in a network
  namespace behind ``tc tbf`` at 8 Mbit/s (tests/support/shaped.py), the H.264
  camera over WebRTC: latency and freezes. This kernel has no netem, so the
  issue's 50 ms delay and 1 % loss are not applied; vms up then serves 0.0.0.0.
* CPU: utime+stime of each process over the capture window: the relay ffmpeg
  of the H.264 camera (copy) and of the H.265 camera (transcode to H.264), the
  recorders (which now also feed the relay) and nginx.

    uv run python bench/live_latency.py [--seconds 60] [--width 1920 --height 1080]
    uv run python bench/live_latency.py --smoke   # 640x360, 3 s windows, one cold start

It exits 1 when no fragment or no browser frame could be timed.

Targets (issue 5), on loopback: glass-to-browser median <= 3 s; copy relay <= 2 %
of a core per camera; first playable fragment <= 5 s after a viewer asks
(measured by tests/integration/test_live_relay.py and printed there). Issue 21,
WebRTC on loopback: median <= 400 ms, p95 <= 600 ms; warm click -> playing <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from live_webrtc import (
    ARGS,
    CHROMIUM,
    Glass,
    glass,
    log_in,
    open_camera,
    shaped_browser,
    viewer_cpu,
)  # fmt: skip
from playwright.sync_api import Playwright, sync_playwright

from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.harness.camsim.stamp import frame_stamps
from edge_uploader.harness.ports import free_port
from footage.config_loader import load_config
from footage.live import WHEP, live_keys, live_path, read_relay_status, relay_status_path
from tests.support.shaped import LINK_MBIT, shaped_link

PASSWORD = "bench-live-admin-1"
VMS = str(Path(sys.executable).with_name("vms"))
TICK = os.sysconf("SC_CLK_TCK")

#: Reads the stamp of the presented frame (layout: edge_uploader/harness/camsim/stamp.py).
GLASS_JS = """
([seconds, camera]) => new Promise((resolve) => {
  const video = document.querySelector(`.tile video[data-camera="${camera}"]`);
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const crc8 = (bytes) => {
    let crc = 0;
    for (const b of bytes) {
      crc ^= b;
      for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    }
    return crc;
  };
  const decode = (w, h) => {
    const y0 = Math.floor(h / 16) * 16 - 64;
    const px = ctx.getImageData(0, y0, 256, 64).data;
    const bit = (row, col) => {
      let sum = 0;
      for (let y = 4; y < 12; y++) for (let x = 4; x < 12; x++) {
        sum += px[((row * 16 + y) * 256 + col * 16 + x) * 4 + 1];
      }
      return sum / 64 >= 128 ? 1 : 0;
    };
    const bits = [];
    for (let row = 0; row < 4; row++) {
      if (bit(row, 0) !== (row % 2 === 0 ? 1 : 0) || bit(row, 15) !== (row % 2)) return null;
      for (let col = 1; col < 15; col++) bits.push(bit(row, col));
    }
    let ms = 0;
    for (let i = 0; i < 48; i++) ms = ms * 2 + bits[i];
    let crc = 0;
    for (let i = 48; i < 56; i++) crc = crc * 2 + bits[i];
    const bytes = [];
    for (let i = 5, v = ms; i >= 0; i--, v = Math.floor(v / 256)) bytes[i] = v % 256;
    return crc8(bytes) === crc ? ms : null;
  };
  const samples = [];
  const shownAt = [];
  let unreadable = 0;
  const end = performance.now() + seconds * 1000;
  const freezes = () => {
    const gaps = shownAt.slice(1).map((t, i) => t - shownAt[i]);
    const mean = gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length);
    return gaps.filter((g) => g > Math.max(3 * mean, mean + 150)).length;
  };
  const onFrame = (now, meta) => {
    const shown = performance.timeOrigin + (meta.expectedDisplayTime || now);
    shownAt.push(now);
    canvas.width = meta.width; canvas.height = meta.height;
    ctx.drawImage(video, 0, 0, meta.width, meta.height);
    const ms = decode(meta.width, meta.height);
    if (ms === null) unreadable++; else samples.push(shown - ms);
    if (performance.now() < end) video.requestVideoFrameCallback(onFrame);
    else resolve({ samples, unreadable, freezes: freezes() });
  };
  video.requestVideoFrameCallback(onFrame);
})
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def processes() -> dict[int, list[str]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            found[int(entry.name)] = [a.decode() for a in argv if a]
    return found


def watched_processes(
    procs: dict[int, list[str]], rtmp: str, specs: dict[str, CameraSpec]
) -> dict[str, list[int]]:
    def matching(test: Callable[[list[str]], bool]) -> list[int]:
        return [pid for pid, argv in procs.items() if argv and test(argv)]

    return {
        "relay ffmpeg, H.264 copy": matching(lambda a: a[-1] == rtmp + "cam-h264"),
        "relay ffmpeg, H.265->H.264": matching(lambda a: a[-1] == rtmp + "cam-h265"),
        "recorder ffmpeg + feed, H.264": matching(lambda a: specs["cam-h264"].url in a),
        "recorder ffmpeg + feed, H.265": matching(lambda a: specs["cam-h265"].url in a),
        "nginx (master + worker)": matching(lambda a: a[0].startswith("nginx:")),
    }


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except OSError:
        return 0, b""


def capture_to_playlist(url: str, seconds: float, work: Path) -> tuple[list[float], list[float]]:
    """(first-frame, last-frame) latencies of each fragment listed during ``seconds``."""
    seen: set[str] = set()
    first_frame, last_frame = [], []
    end = time.monotonic() + seconds
    primed = False
    while time.monotonic() < end:
        status, body = get(url)
        listed_at = time.time()
        names = (
            re.findall(r"^(\S+\.ts)$", body.decode(errors="replace"), re.M) if status == 200 else []
        )
        fresh = [n for n in names if n not in seen]
        seen.update(names)
        if primed:  # fragments already listed at the first poll were listed earlier
            for name in fresh:
                path = work / name
                path.write_bytes(get(url.replace("index.m3u8", name))[1])
                stamps = [s.ms for s in frame_stamps(str(path)) if s.ms is not None]
                if stamps:
                    first_frame.append(listed_at - stamps[0] / 1000)
                    last_frame.append(listed_at - stamps[-1] / 1000)
                path.unlink()
        primed = primed or bool(names)
        time.sleep(0.02)
    return first_frame, last_frame


def cold_start(base: str, data: Path, secret: bytes) -> float:
    """Wait for the on-demand relay to be idle, then time request -> first fragment."""
    while True:
        relay = read_relay_status(relay_status_path(data), datetime.now(UTC))
        if relay and relay.streams["cam-demand"].state.value == "idle":
            break
        time.sleep(0.5)
    url = base + live_path("cam-demand", False, datetime.now(UTC) + timedelta(hours=1), secret)
    asked = time.monotonic()
    while not re.search(r"^\S+\.ts$", get(url)[1].decode(errors="replace"), re.M):
        time.sleep(0.1)  # the viewer's hls.js retries the 503 every 0.5 s
    return time.monotonic() - asked


def browser_runs(
    playwright: Playwright, base: str, args: argparse.Namespace, secret: bytes, relay: list[int]
) -> dict[str, object]:
    """Every measurement in Chromium: glass -> browser over HLS and WebRTC, the clicks,
    the relay process's CPU per WebRTC viewer."""
    seconds = min(args.seconds, 30)
    found: dict[str, object] = {}
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        if not args.smoke:  # cold: the on-demand camera's relay is idle (WebRTC tried first)
            page = log_in(browser, base, PASSWORD, "auto")
            found["cold_click"] = open_camera(page, "cam-demand")
            page.close()
        page = log_in(browser, base, PASSWORD, "hls")
        found["hls"] = glass(page, GLASS_JS, "cam-h264", seconds, args.settle_s)
        page.close()
        for camera in ("cam-h264", "cam-h265"):
            page = log_in(browser, base, PASSWORD, "auto")
            found[camera] = glass(page, GLASS_JS, camera, seconds, 1.0)
            if camera == "cam-h264":
                whep = lambda: base + live_path("cam-h264", False,  # noqa: E731
                                                datetime.now(UTC) + timedelta(hours=1), secret,
                                                WHEP)  # fmt: skip
                found["cpu"] = viewer_cpu(page, relay, whep, args.extra_viewers, args.cpu_s)
            page.close()
    finally:
        browser.close()
    return found


def shaped_run(
    playwright: Playwright, port: int, args: argparse.Namespace, tmp: Path
) -> Glass | None:
    """The H.264 camera over WebRTC to a browser behind an 8 Mbit/s tbf link."""
    if os.geteuid() != 0:
        print("shaped link: skipped (needs root: ip netns, tc)")
        return None
    with shaped_link(LINK_MBIT) as link, shaped_browser(playwright, link.namespace, tmp) as b:
        page = log_in(b, f"http://{link.edge_ip}:{port}", PASSWORD, "auto")
        return glass(page, GLASS_JS, "cam-h264", args.shaped_s, 2.0)


def ms(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:.0f} ms, "
            f"p95 {pct(values, 0.95) * 1000:.0f} ms")  # fmt: skip


def report_webrtc(found: dict[str, object], args: argparse.Namespace) -> None:
    for camera, label in (
        ("cam-h264", "H.264 forwarded"),
        ("cam-h265", "H.265 via the HLS transcode"),
    ):
        run = found[camera]
        assert isinstance(run, Glass)
        if not run.latencies or run.mode != "webrtc":
            sys.exit(f"WebRTC {camera}: {len(run.latencies)} frames timed, tile mode {run.mode}")
        print(f"glass -> browser over WebRTC, {label} ({len(run.latencies)} frames, "
              f"{run.unreadable} unreadable, {run.freezes} freezes): {ms(run.latencies)} "
              f"(target median <= 400 ms, p95 <= 600 ms)")  # fmt: skip
    warm = found["cam-h264"]
    assert isinstance(warm, Glass)
    print(f"click -> live tile playing over WebRTC, a running relay (cam-h264): "
          f"{warm.click_s:.2f} s (target <= 1 s)")  # fmt: skip
    one, more = found["cpu"]  # type: ignore[misc]
    print(f"CPU relay process (WHEP service + source), 1 WebRTC viewer: {one:.1f}% of a core; "
          f"per added viewer: {(more - one) / args.extra_viewers:.1f}% "
          f"({args.extra_viewers} added: {more:.1f}%)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="capture window")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--starts", type=int, default=5, help="cold on-demand starts")
    parser.add_argument("--extra-viewers", type=int, default=4, help="added WebRTC viewers")
    parser.add_argument("--shaped-s", type=float, default=60, help="0: no shaped-link run")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    args = parser.parse_args()
    args.settle_s, args.cpu_s = 5.0, 10.0
    if args.smoke:
        args.seconds, args.width, args.height, args.starts, args.settle_s = 3, 640, 360, 1, 1.0
        args.extra_viewers, args.cpu_s, args.shaped_s = 2, 2.0, 0
    specs = {
        "cam-h264": CameraSpec(port=free_port(), codec="h264", width=args.width,
                               height=args.height, stamp=True),
        "cam-h265": CameraSpec(port=free_port(), codec="h265", audio="pcma", width=args.width,
                               height=args.height, stamp=True),
        "cam-demand": CameraSpec(port=free_port(), codec="h264", width=args.width,
                                 height=args.height),
    }  # fmt: skip
    ports = [free_port() for _ in range(5)]
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp_name:
        tmp = Path(tmp_name)
        config = tmp / "site.yaml"
        config.write_text(yaml.safe_dump({
            "sites": [{"id": "HO", "name": "Kantor Pusat"}],
            "cameras": [{"id": name, "site": "HO", "name": name, "rtsp_url": spec.url,
                         "live": "on_demand" if name == "cam-demand" else "always"}
                        for name, spec in specs.items()],
            "relay": {"api_port": ports[0], "rtmp_port": ports[1], "feed_port": ports[2],
                      "idle_timeout_s": 10, "webrtc": {"port": ports[4]}},
        }))  # fmt: skip
        data = tmp / "var"
        cameras = [SimulatedCamera(spec).start() for spec in specs.values()]
        env = {**os.environ, "VMS_ADMIN_PASSWORD": PASSWORD}
        base = f"http://127.0.0.1:{ports[3]}"
        # the shaped run's browser comes from a network namespace: serve beyond loopback
        host = "0.0.0.0" if args.shaped_s and os.geteuid() == 0 else "127.0.0.1"
        up = subprocess.Popen(
            [VMS, "up", "--config", str(config), "--data-dir", str(data),
             "--http-port", str(ports[3]), "--http-host", host],
            stdout=(tmp / "up.log").open("wb"), stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                relay = read_relay_status(relay_status_path(data), datetime.now(UTC))
                states = {n: s.state.value for n, s in relay.streams.items()} if relay else {}
                if states == {"cam-h264": "live", "cam-h265": "live", "cam-demand": "idle"}:
                    break
                if time.monotonic() > deadline:
                    sys.exit(f"relays not live: {relay}\n{(tmp / 'up.log').read_text()[-2000:]}")
                time.sleep(0.5)
            time.sleep(args.settle_s)
            secret = live_keys(data, load_config(config), {})["HO"]
            cold = [cold_start(base, data, secret) for _ in range(args.starts)]
            url = base + live_path("cam-h264", False, datetime.now(UTC) + timedelta(hours=1),
                                   secret)  # fmt: skip
            procs = processes()
            watched = watched_processes(procs, f"rtmp://127.0.0.1:{ports[1]}/live/", specs)
            before = {k: sum(cpu_ticks(p) for p in v) for k, v in watched.items()}
            started = time.monotonic()
            work = tmp / "fragments"
            work.mkdir()
            first, last = capture_to_playlist(url, args.seconds, work)
            wall = time.monotonic() - started
            after = {k: sum(cpu_ticks(p) for p in v) for k, v in watched.items()}
            relay_pids = [p for p, a in procs.items() if a[1:4] == ["-m", "streaming", "run"]]
            load = os.getloadavg()
            with sync_playwright() as playwright:
                found = browser_runs(playwright, base, args, secret, relay_pids)
                shaped = shaped_run(playwright, ports[3], args, tmp) if args.shaped_s else None
        finally:
            up.terminate()
            up.wait(60)
            for camera in cameras:
                camera.stop()

    hls = found["hls"]
    assert isinstance(hls, Glass)
    if not first or not hls.latencies:
        sys.exit(f"nothing timed: {len(first)} fragments, {len(hls.latencies)} browser frames")
    print(f"live latency, {args.width}x{args.height} 15 fps, GOP 1 s, "
          f"fragment 1 s (relay defaults), {os.cpu_count()} cores, "
          f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")  # fmt: skip
    print(
        f"capture -> playlist, first frame of each fragment ({len(first)} fragments): "
        f"median {statistics.median(first):.2f} s, p95 {pct(first, 0.95):.2f} s"
    )
    print(
        f"capture -> playlist, last frame (pipeline delay): "
        f"median {statistics.median(last):.2f} s, p95 {pct(last, 0.95):.2f} s"
    )
    print(
        f"glass -> browser (Chromium, shipped hls.js settings, {len(hls.latencies)} frames, "
        f"{hls.unreadable} unreadable): median {statistics.median(hls.latencies):.2f} s, "
        f"p95 {pct(hls.latencies, 0.95):.2f} s, min {min(hls.latencies):.2f} s"
    )
    report_webrtc(found, args)
    print(
        f"on-demand start, request -> first fragment listed ({len(cold)} cold starts): "
        f"median {statistics.median(cold):.2f} s, max {max(cold):.2f} s"
    )
    if args.smoke:
        print(f"click -> live tile playing, a running relay (cam-h264): {hls.click_s:.2f} s")
    else:
        print(f"on-demand start in Chromium, click -> live tile playing (WebRTC first, cold): "
              f"{found['cold_click']:.2f} s")  # fmt: skip
    if shaped is not None:
        print(f"shaped link ({LINK_MBIT} Mbit/s tbf; no netem here: no added delay or loss), "
              f"WebRTC H.264, {args.shaped_s:.0f} s: {ms(shaped.latencies)}, "
              f"{shaped.freezes} freezes, tile mode {shaped.mode}")  # fmt: skip
    for name, ticks in after.items():
        share = (ticks - before[name]) / TICK / wall * 100
        print(f"CPU {name}: {share:.1f}% of a core ({len(watched[name])} processes)")


if __name__ == "__main__":
    main()
