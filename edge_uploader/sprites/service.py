"""Thumbnail sprites made at the edge: one JPEG per camera per 10-minute window.

Only when the cloud ingests (``uploader.ingest: cloud``): on-prem the ingest
worker makes a JPEG per segment. The uploader asks :meth:`Sprites.tile_for`
while it describes a segment it recorded: the segment's first keyframe becomes
its tile (edge_uploader.sprites.media) in the spool, journalled in its window's
OPEN sprite, and only then does its description say ``sprite=1`` (ingest points
its row at the tile). A window that no longer takes tiles says no: that
segment's row has no thumbnail, never one that will not exist.

Between footage uploads the uploader calls :meth:`Sprites.tick`: windows that
are over close (lifecycle.window_closes), closed ones are assembled, and
assembled ones go up write-once when no footage is due (lifecycle.next_sprites).
Everything is journalled, so a kill -9, a reboot or an outage loses no sprite:
the next start assembles and sends what was left, and a send the store already
holds ("exists", as after a crash between the put and the journal) is done.
The spool-full policy drops sprites before any footage (edge_uploader.spool).

Layout: ``<spool>/sprites/<site>/<camera>/<days>d_<window stamp>/`` holds the
window's tiles (``<index>.jpg``), then ``sprite.jpg`` until it is sent.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from edge_uploader.journal import Journal
from edge_uploader.lifecycle import SegmentRow, SpriteState, SpriteWindow, next_sprites
from edge_uploader.sprites.media import make_sprite, make_tile
from footage.backoff import jittered_delay
from footage.clock import Clock
from footage.errors import FootageError, MediaError, ObjectExists
from footage.keys import SPRITE_WINDOW, SpriteTile, format_stamp, sprite_tile
from footage.storage import META_CAMERA, META_SITE, META_START, Storage

if TYPE_CHECKING:
    from edge_uploader.uploader import Uplink

log = logging.getLogger(__name__)
SP = SpriteState
SPRITE_NAME = "sprite.jpg"
#: After a window's end, its camera's last segment is recorded and journalled within
#: its own length; this much more is slack (a slow finalize, a restart).
SLACK = timedelta(seconds=60)
DEFAULT_GRACE = timedelta(seconds=300) + SLACK  # the longest segment there is


@dataclass(frozen=True, slots=True)
class SpritePolicy:
    #: per camera: how long after a window's end it closes if no later segment came
    grace: Mapping[str, timedelta] = field(default_factory=dict)
    retry_initial_s: float = 2.0
    retry_max_s: float = 300.0
    max_assembly_attempts: int = 5  # then the window is given up (an error log)
    per_tick: int = 8  # sprites sent per tick at most

    def grace_for(self, camera: str) -> timedelta:
        return self.grace.get(camera, DEFAULT_GRACE)


def sprite_policy(segment_seconds: Mapping[str, int], retry_max_s: float = 300.0) -> SpritePolicy:
    """Each camera's grace: its segment length plus :data:`SLACK`."""
    grace = {camera: timedelta(seconds=s) + SLACK for camera, s in segment_seconds.items()}
    return SpritePolicy(grace, retry_max_s=retry_max_s)


class Sprites:
    def __init__(
        self,
        journal: Journal,
        storage: Storage,
        clock: Clock,
        root: Path,
        policy: SpritePolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.journal = journal
        self.storage = storage
        self.clock = clock
        self.root = root
        self.policy = policy or SpritePolicy()
        self.rng = rng or random.Random()
        self.sent = 0

    # -- a segment's tile ------------------------------------------------------------

    def window_path(self, tile: SpriteTile, site: str, camera: str, days: int) -> Path:
        return self.root / site / camera / f"{days}d_{format_stamp(tile.window_start)}"

    def tile_for(self, item: SegmentRow, retention_days: int) -> bool:
        """Whether ``item``'s row may point at its tile: the tile is in its window's
        OPEN sprite (made now from ``item.source`` unless the tile already shows
        this segment or an earlier one of its minute)."""
        tile = sprite_tile(item.site, item.camera, item.start, retention_days=retention_days)
        sprites = self.journal.sprites
        needs = sprites.needs_tile(tile.key, tile.index, item.start)
        if needs is None:
            return False  # its window's sprite is closed, sent or given up
        if not needs:
            return True
        path = self.window_path(tile, item.site, item.camera, retention_days)
        window = SpriteWindow(tile.key, item.camera, item.site, tile.window_start, path)
        part = path / f"{tile.index}.{os.getpid()}-{threading.get_ident()}.part"
        ctx = {"camera": item.camera, "site": item.site, "key": tile.key}
        try:
            path.mkdir(parents=True, exist_ok=True)
            size = make_tile(item.source, part)
            final = path / f"{tile.index}.jpg"
            return sprites.join(window, tile.index, item.start, size,
                                lambda: os.replace(part, final))  # fmt: skip
        except (MediaError, OSError) as exc:
            log.warning("no thumbnail tile for %s: %s", item.path.name, exc, extra=ctx)
            return False
        finally:
            part.unlink(missing_ok=True)

    # -- windows: close, assemble, send ----------------------------------------------

    def tick(self, footage_due: int, link: Uplink) -> int:
        """Close what is over, assemble what is closed, send what is assembled (none
        while ``footage_due``); return how many sprites were assembled or sent."""
        now = self.clock.now()
        sprites = self.journal.sprites
        for window in sprites.windows(SP.OPEN):
            if now >= window.start + SPRITE_WINDOW:  # only an ended window may close
                sprites.close_if_over(window, now, self.policy.grace_for(window.camera))
        done = 0
        for window in sprites.windows(SP.CLOSED):
            if window.retry_at <= now:
                done += self._assemble(window, now)
        ready = sprites.windows(SP.READY)
        for window in next_sprites(ready, now, footage_due, self.policy.per_tick):
            done += self._send(window, link)
        return done

    def _assemble(self, window: SpriteWindow, now: datetime) -> int:
        """The window's tiles into its sprite (a tile whose file is gone: black)."""
        tiles = {i: window.path / f"{i}.jpg" for i in self.journal.sprites.tiles(window.key)}
        present = {i: path for i, path in tiles.items() if path.exists()}
        sprite, part = window.path / SPRITE_NAME, window.path / f"{SPRITE_NAME}.part"
        try:
            window.path.mkdir(parents=True, exist_ok=True)
            size = make_sprite(present, part)
            os.replace(part, sprite)
        except (MediaError, OSError) as exc:
            part.unlink(missing_ok=True)
            last = window.attempts + 1 >= self.policy.max_assembly_attempts
            self._failed(window, exc, now, give_up=last)
            return 0
        self.journal.sprites.assembled(window.key, size)
        for path in tiles.values():
            path.unlink(missing_ok=True)
        return 1

    def _send(self, window: SpriteWindow, link: Uplink) -> int:
        """Put the sprite write-once; a key the store already holds is this sprite."""
        sprite = window.path / SPRITE_NAME
        ctx = {"camera": window.camera, "site": window.site, "key": window.key}
        metadata = {META_SITE: window.site, META_CAMERA: window.camera,
                    META_START: format_stamp(window.start)}  # fmt: skip
        bucket, meter = link.budgets.get(window.site), link.meters[window.site]

        def progress(amount: int) -> None:
            meter.add(amount)
            if bucket is not None:
                bucket.consume(amount)

        try:
            with meter.sending():
                self.storage.put_file(window.key, sprite, metadata, content_type="image/jpeg",
                                      progress=progress, if_absent=True)  # fmt: skip
        except ObjectExists:
            log.info("sprite already stored (sent before a restart)", extra=ctx)
        except (FootageError, OSError) as exc:
            self._failed(window, exc, self.clock.now(), give_up=not sprite.exists())
            return 0
        self.journal.sprites.sent(window.key, self.clock.now())
        shutil.rmtree(window.path, ignore_errors=True)
        self.sent += 1
        log.info("sprite sent (%d bytes)", window.size, extra=ctx)
        return 1

    def _failed(
        self, window: SpriteWindow, exc: Exception, now: datetime, *, give_up: bool
    ) -> None:
        ctx = {"camera": window.camera, "site": window.site, "key": window.key}
        if give_up:  # its rows show no thumbnail: the viewer shows none, not an error
            self.journal.sprites.drop(window.key, str(exc), now)
            shutil.rmtree(window.path, ignore_errors=True)
            log.error("sprite given up: %s", exc, extra=ctx)
            return
        delay = jittered_delay(window.attempts + 1, self.policy.retry_initial_s,
                               self.policy.retry_max_s, self.rng)  # fmt: skip
        self.journal.sprites.failed(window.key, str(exc), now + timedelta(seconds=delay))
        log.warning("sprite %s failed (retry in %.0f s): %s", window.state, delay, exc, extra=ctx)
