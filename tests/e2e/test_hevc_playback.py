"""HEVC footage plays in headless Chromium, which cannot decode HEVC: the viewer asks
the playlist for H.264 (codec=h264), the API makes each part the player asks for
(on-prem: in the API process). An H.264 segment (copied into MPEG-TS: hls.js cannot
go from fragmented MP4 to MPEG-TS) then an HEVC one (its rendition's MPEG-TS
parts): the video plays across the boundary, and a seek into the second segment
lands where it was asked."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from playwright.sync_api import Page, sync_playwright

from edge_uploader.harness.ports import free_port_block
from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.clock import SystemClock
from footage.keys import build_segment_key
from footage.media.ops import sha256_file
from footage.secrets import SIGNING_KEY, installation_key
from footage.services.ingest import CameraPolicy, IngestContext, ingest_object
from tests.support.browser import wait_until
from tests.support.media import make_clip, make_hevc_clip

pytestmark = pytest.mark.e2e
CAMERA, SITE, PASSWORD = "gate", "HO", "e2e-hevc-password"
SEGMENT_S = 8
WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
START = (datetime.now(UTC) - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)


def _record(root: Path) -> None:
    """An H.264 and an HEVC segment back to back, stored on the NAS folder and indexed."""
    storage = FilesystemStorage(root / "storage", installation_key(root, SIGNING_KEY, {}))
    catalog = SqliteCatalog(root / "index.sqlite3")
    catalog.initialize()
    ctx = IngestContext(storage, catalog, SystemClock(), {CAMERA: CameraPolicy(30, site=SITE)},
                        root)  # fmt: skip
    clips = [make_clip(root / "h264.mp4", SEGMENT_S), make_hevc_clip(root / "hevc.mp4", SEGMENT_S)]
    for n, clip in enumerate(clips):
        key = build_segment_key(SITE, CAMERA, START + timedelta(seconds=n * SEGMENT_S),
                                retention_days=30)  # fmt: skip
        storage.put_file(key, clip, {"sha256": sha256_file(clip)})
        assert ingest_object(ctx, key).outcome.value == "indexed"
    catalog.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    assert (WEB_DIST / "index.html").exists(), "build the viewer first: make web"
    root = tmp_path_factory.mktemp("hevc")
    camera = {"id": CAMERA, "site": SITE, "name": "Gate", "rtsp_url": "rtsp://h/1",
              "retention_days": 30}  # fmt: skip
    (root / "config.yaml").write_text(yaml.safe_dump(
        {"sites": [{"id": SITE, "name": "Kantor Pusat"}], "cameras": [camera]}))  # fmt: skip
    _record(root)
    port = free_port_block(1)
    proc = subprocess.Popen(
        [sys.executable, "-m", "functions.api.serve", "--config", str(root / "config.yaml"),
         "--data-dir", str(root), "--port", str(port)],
        env={**os.environ, "VMS_ADMIN_PASSWORD": PASSWORD},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "the API did not start"
            time.sleep(0.3)
        yield base, root / "storage"
    finally:
        proc.terminate()
        proc.wait(10)


def _play(page: Page, base: str) -> None:
    page.goto(f"{base}/#/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector('[data-nav="playback"]')
    end = START + timedelta(seconds=2 * SEGMENT_S)
    page.goto(f"{base}/#/playback?camera={CAMERA}&start={START:%Y-%m-%dT%H:%M:%SZ}"
              f"&end={end:%Y-%m-%dT%H:%M:%SZ}")  # fmt: skip
    page.reload()


def test_hevc_plays_through_h264_renditions_and_seeks(server: tuple[str, Path]) -> None:
    base, storage = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
        )
        page = browser.new_page()
        playlists: list[str] = []
        page.on("request", lambda r: playlists.append(r.url) if ".m3u8" in r.url else None)
        try:
            _play(page, base)
            assert not page.evaluate(
                "MediaSource.isTypeSupported('video/mp4; codecs=\"hvc1.1.6.L93.90\"')"
            ), "this Chromium decodes HEVC: the test no longer exercises renditions"
            wait_until(page, "window.__vms && window.__vms.video.currentTime > 2", timeout_s=20)
            assert any("codec=h264" in url for url in playlists), playlists
            message = page.text_content("#playback-message") or ""
            assert "HEVC" in message and "H.264" in message, message  # not a skip or an error
            before = START + timedelta(seconds=SEGMENT_S - 1)  # plays into the HEVC segment
            page.evaluate("(ms) => window.__vms.seekToWallClock(new Date(ms))",
                          before.timestamp() * 1000)  # fmt: skip
            wait_until(page, f"window.__vms.video.currentTime > {SEGMENT_S + 1.5}", timeout_s=15)
            frames = page.evaluate("window.__vms.video.getVideoPlaybackQuality().totalVideoFrames")
            assert frames > 30
            target = START + timedelta(seconds=SEGMENT_S + 5)  # inside the second segment
            page.evaluate("(ms) => window.__vms.seekToWallClock(new Date(ms))",
                          target.timestamp() * 1000)  # fmt: skip
            wait_until(page, "window.__vms.video.currentTime > 13.2 && !window.__vms.video.paused",
                       timeout_s=15)  # fmt: skip
            playing = page.evaluate("window.__vms.hls.playingDate?.getTime() ?? 0") / 1000
            assert target.timestamp() - 0.5 < playing < target.timestamp() + 3
            message = page.text_content("#playback-message") or ""
            assert message == "", message  # a seek clears it: nothing skipped, no error since
        finally:
            browser.close()
    parts = sorted(p.name for p in (storage / "renditions").rglob("*.ts"))
    h264 = f"{CAMERA}_{START:%Y%m%dT%H%M%SZ}.h264-copy.ts"  # copied, not transcoded
    assert parts[0] == h264 and parts[1:] and all(".h264-2s-" in n for n in parts[1:]), parts
