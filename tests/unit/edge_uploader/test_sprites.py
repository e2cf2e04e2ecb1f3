"""Sprites at the edge over a real journal, spool and ffmpeg, against fake storage:
tiles join while their window is open, the sprite goes after the footage, once."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.journal import Journal
from edge_uploader.lifecycle import SpriteState
from edge_uploader.spool import Spool
from edge_uploader.sprites import Sprites, sprite_policy
from edge_uploader.sprites.media import TILE_HEIGHT, TILE_WIDTH
from edge_uploader.uploader import Uploader, UploadPolicy
from footage.clock import FixedClock
from footage.description import META_SPRITE
from footage.keys import SPRITE_TILES, build_spool_name, sprite_tile
from tests.support.media import make_clip
from tests.unit.fakes import FakeStorage

SP = SpriteState
W0 = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
DAYS = 30
SPRITE_KEY = sprite_tile("HO", "lobby", W0, retention_days=DAYS).key
POLICY = UploadPolicy(workers=1, queue_ingest=False, describe=True,
                      retention={"lobby": timedelta(days=DAYS)})  # fmt: skip


@dataclass
class Site:
    spool: Spool
    journal: Journal
    clock: FixedClock
    storage: FakeStorage
    uploader: Uploader
    clip: Path

    def record(self, minute: int) -> Path:
        src = self.spool.recording_dir("lobby") / build_spool_name(W0 + timedelta(minutes=minute))
        shutil.copy(self.clip, src)
        target = self.spool.finalize(src, "lobby", "HO", self.clock.now())
        assert target is not None
        return target

    def at(self, minutes: float) -> None:
        self.clock.moment = W0 + timedelta(minutes=minutes)

    def sprite_state(self) -> SpriteState | None:
        window = self.journal.sprites.window(SPRITE_KEY)
        return window.state if window else None


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=1)


@pytest.fixture
def site(tmp_path: Path, clip: Path) -> Iterator[Site]:
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    spool = Spool(tmp_path / "spool", journal, quota_bytes=10**9, min_free_bytes=0)
    spool.prepare(["lobby"])
    clock, storage = FixedClock(W0), FakeStorage()
    sprites = Sprites(journal, storage, clock, spool.sprites_dir, sprite_policy({"lobby": 60}))
    uploader = Uploader(journal, storage, clock, POLICY, random.Random(1), sprites=sprites)
    yield Site(spool, journal, clock, storage, uploader, clip)


def _segments(storage: FakeStorage) -> dict[str, dict[str, str]]:
    return {k: o.metadata for k, o in storage.objects.items() if k.startswith("segments/")}


def _tile_brightness(jpeg: bytes, tmp: Path) -> list[float]:
    """The mean luma of each tile of a sprite (black: about 16 of 255 or less)."""
    (tmp / "s.jpg").write_bytes(jpeg)
    args = ["ffmpeg", "-v", "error", "-i", str(tmp / "s.jpg"), "-f", "rawvideo", "-pix_fmt",
            "gray", "-"]  # fmt: skip
    raw = subprocess.run(args, capture_output=True, check=True, timeout=30)
    width = TILE_WIDTH * SPRITE_TILES
    assert len(raw.stdout) == width * TILE_HEIGHT
    rows = [raw.stdout[y * width : (y + 1) * width] for y in range(TILE_HEIGHT)]
    return [
        sum(sum(row[i * TILE_WIDTH : (i + 1) * TILE_WIDTH]) for row in rows)
        / (TILE_WIDTH * TILE_HEIGHT)
        for i in range(SPRITE_TILES)
    ]


def test_tiles_join_while_open_and_the_sprite_goes_after_the_footage(site: Site, tmp_path):
    for minute in (0, 1, 3):
        site.record(minute)
    site.at(4)
    assert site.uploader.tick() == 3
    metadata = _segments(site.storage)
    assert len(metadata) == 3 and all(m.get(META_SPRITE) == "1" for m in metadata.values())
    assert site.sprite_state() is SP.OPEN and SPRITE_KEY not in site.storage.objects

    site.at(10 + 2 - 0.1)  # the window is over, its grace (60 s segments + 60 s) not yet
    assert site.uploader.tick() == 0 and site.sprite_state() is SP.OPEN
    site.at(12)
    assert site.uploader.tick() == 2  # assembled, then sent: no footage was due
    sprite = site.storage.objects[SPRITE_KEY]
    assert sprite.content_type == "image/jpeg" and site.sprite_state() is SP.SENT
    lit = [b > 40 for b in _tile_brightness(sprite.data, tmp_path)]
    assert lit == [i in (0, 1, 3) for i in range(SPRITE_TILES)]  # the rest: black
    assert not list(site.spool.sprites_dir.rglob("*.jpg"))  # nothing left in the spool

    late = site.record(5)  # a leftover found at a restart, long after its window closed
    site.uploader.upload_one(site.journal.uploads.item(late))  # type: ignore[arg-type]
    (late_meta,) = [m for k, m in _segments(site.storage).items() if "T093500Z" in k]
    assert META_SPRITE not in late_meta  # its row gets no tile of a sprite already sent


def test_the_next_windows_first_segment_closes_a_window_but_footage_goes_first(site: Site):
    site.record(0)
    site.at(1)
    site.uploader.tick()
    site.record(10)  # the next window began
    site.at(10.5)
    assert site.uploader.tick() == 2  # the segment, and the window closed + assembled
    assert site.sprite_state() is SP.READY  # not sent: footage was due in that tick
    assert site.uploader.tick() == 1 and site.sprite_state() is SP.SENT
    order = list(site.storage.objects)
    assert order.index(SPRITE_KEY) > max(order.index(k) for k in _segments(site.storage))


def test_a_window_stays_open_while_its_footage_waits_for_the_link(site: Site):
    site.record(0)
    site.at(1)
    site.uploader.tick()
    site.record(1)
    site.storage.fail_puts = 1  # the link is down for the second segment
    site.at(2)
    site.uploader.tick()
    site.at(60)  # long past the window's end: its segment still waits, so must its sprite
    site.storage.fail_puts = 0
    assert site.sprite_state() is SP.OPEN
    assert site.uploader.tick() == 2  # the segment first; then its window closed, assembled
    assert all(m.get(META_SPRITE) == "1" for m in _segments(site.storage).values())
    assert site.sprite_state() is SP.READY
    assert site.uploader.tick() == 1 and site.sprite_state() is SP.SENT


def test_a_sprite_the_store_already_holds_is_done_and_not_replaced(site: Site):
    site.record(0)
    site.at(1)
    site.uploader.tick()
    site.storage.put_bytes(SPRITE_KEY, b"sent before the crash", content_type="image/jpeg")
    site.at(13)
    site.uploader.tick()
    site.uploader.tick()
    assert site.sprite_state() is SP.SENT
    assert site.storage.objects[SPRITE_KEY].data == b"sent before the crash"


def test_a_failed_send_is_retried_later(site: Site):
    site.record(0)
    site.at(1)
    site.uploader.tick()
    site.at(13)
    site.storage.fail_puts = 1
    site.uploader.tick()  # assembled, its send failed
    window = site.journal.sprites.window(SPRITE_KEY)
    assert window is not None and window.state is SP.READY and window.attempts == 1
    assert site.uploader.tick() == 0  # not due yet
    site.clock.moment = window.retry_at
    assert site.uploader.tick() == 1 and site.sprite_state() is SP.SENT


def test_the_full_spool_drops_sprites_before_footage(site: Site):
    site.record(0)
    site.at(1)
    site.uploader.tick()  # the tile is in the spool, the segment sent
    waiting = site.record(1)
    site.spool.quota_bytes = waiting.stat().st_size  # the footage fits, with the tile not
    result = site.spool.enforce_quota(site.clock.now())
    assert result.dropped == 0 and site.sprite_state() is SP.DROPPED
    assert site.journal.uploads.item(waiting).state.value == "recorded"  # type: ignore[union-attr]
    assert not list(site.spool.sprites_dir.rglob("*.jpg"))
    site.at(2)
    site.uploader.tick()
    (meta,) = [m for k, m in _segments(site.storage).items() if "T093100Z" in k]
    assert META_SPRITE not in meta  # its window's sprite will never exist


def test_a_restart_sweeps_folders_of_sprites_sent_or_dropped(site: Site):
    site.record(0)
    site.at(1)
    site.uploader.tick()
    (folder,) = site.spool.sprites_dir.glob("*/*/*")
    stray = site.spool.sprites_dir / "HO" / "lobby" / "30d_20261205T092000Z"
    stray.mkdir()  # a folder no journal row knows (a crash before the tile joined)
    site.spool.reconcile({"lobby": "HO"}, site.clock.now())
    assert folder.exists() and not stray.exists()  # an open window's tiles stay
