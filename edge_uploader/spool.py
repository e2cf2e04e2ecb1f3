"""The on-disk spool: where footage waits between the camera and storage.

Layout under the spool root::

    rec/<camera>/<YYYYMMDDTHHMMSSZ>.mp4     ffmpeg is writing (or just wrote) these
    ready/<camera>/<YYYYMMDDTHHMMSSZ>.mp4   finished, journalled, waiting for upload
    incoming/<camera>/<ready name>.part     an NVR file being converted (folder watcher):
                                            renamed into ``ready`` once journalled
    edge/<camera>/<YYYYMMDDTHHMMSSZ>.<profile>.mp4   compressed before upload (the
                                            journal row points at it; then the
                                            recording is deleted)
    sprites/<site>/<camera>/<days>d_<window>/  a thumbnail sprite's tiles, then the
                                            sprite, until it is sent (edge_uploader.sprites)
    journal.sqlite3                         the durable queue (edge_uploader.journal)

A file moves from ``rec`` to ``ready`` by an atomic rename and is journalled in
the same step, so a crash leaves it in one place or the other, never lost.

The spool-full policy (``spool.when_full: drop-oldest``; which segment goes is
edge_uploader.lifecycle.next_to_drop): when the footage waiting plus the logs
(footage.logfiles: the recorders' ffmpeg logs, and those under
``<data-dir>/logs`` and ``relay/logs``) pass ``spool.quota_gb``, or the disk has
less than ``spool.min_free_gb`` free, the oldest segment not yet uploaded is
dropped (any thumbnail sprite not sent yet goes before all footage:
lifecycle.next_sprite_to_drop), with an error log, its journal row closed
DROPPED and the ``full`` flag up (``vms status``: SPOOL FULL) for
:data:`FULL_HOLD`; recording goes on, nothing is corrupted. A segment the
journal could not take (the disk was full to the last byte) waits in ``ready``
and is journalled at the next check.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from edge_uploader.journal import Journal
from edge_uploader.lifecycle import (
    PENDING,
    SPRITE_PENDING,
    SegmentRow,
    SegmentState,
    SpriteWindow,
    next_sprite_to_drop,
)
from footage.errors import KeyFormatError
from footage.keys import build_original_spool_name, build_spool_name, parse_spool_name
from footage.logfiles import log_bytes
from footage.media.mp4 import complete_length

log = logging.getLogger(__name__)
#: After a drop the spool reports full this long: an alert must outlive the moment
#: when a drop has just made room for the next segment.
FULL_HOLD = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class QuotaResult:
    dropped: int
    freed_bytes: int
    full: bool


class Spool:
    def __init__(
        self,
        root: Path,
        journal: Journal,
        quota_bytes: int,
        min_free_bytes: int,
        log_dirs: Sequence[Path] = (),
    ) -> None:
        self.root = root
        self.journal = journal
        self.quota_bytes = quota_bytes
        self.min_free_bytes = min_free_bytes
        self.log_dirs = tuple(log_dirs)  # besides the recorders' own (rec/<camera>/)
        self.full = False
        self.last_drop: datetime | None = None
        self._unjournalled: dict[Path, tuple[str, str]] = {}  # ready file -> camera, site

    def recording_dir(self, camera: str) -> Path:
        return self.root / "rec" / camera

    def ready_dir(self, camera: str) -> Path:
        return self.root / "ready" / camera

    def compressed_dir(self, camera: str) -> Path:
        return self.root / "edge" / camera

    @property
    def sprites_dir(self) -> Path:
        return self.root / "sprites"

    def prepare(self, cameras: list[str]) -> None:
        for camera in cameras:
            self.recording_dir(camera).mkdir(parents=True, exist_ok=True)
            self.ready_dir(camera).mkdir(parents=True, exist_ok=True)
        self.journal.initialize()

    def finalize(
        self,
        src: Path,
        camera: str,
        site: str,
        now: datetime,
        start: datetime | None = None,
        *,
        cut_off: bool = False,
    ) -> Path | None:
        """Move a finished file into ``ready`` (named by ``start``, default its own
        name) and journal it. Empty files are removed. ``cut_off``: ffmpeg did not
        close it (it died, the disk was full, the power went): a fragment it was
        writing is cut from the end, so the file plays to its last whole fragment."""
        try:
            start = start or parse_spool_name(src.name)
        except KeyFormatError:
            log.warning("ignoring unexpected spool file %s", src, extra={"camera": camera})
            return None
        if cut_off:
            _trim(src, camera)
        if src.stat().st_size == 0:
            log.warning("removing empty segment %s", src.name, extra={"camera": camera})
            src.unlink()
            return None
        target = self._free_name(self.ready_dir(camera), start)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, target)
        self._journal(target, camera, site, now)
        return target

    def _journal(self, target: Path, camera: str, site: str, now: datetime) -> None:
        """Journal a file now in ``ready``. On a disk full to the last byte the
        journal cannot write: the file waits for the next quota check, and the
        caller (the recorder, housekeeping) goes on at once."""
        try:
            self.journal.uploads.enqueue_now(
                target, camera, site, parse_spool_name(target.name), now
            )
        except sqlite3.OperationalError as exc:
            self._unjournalled[target] = (camera, site)
            log.error("cannot journal %s yet: %s", target.name, exc, extra={"camera": camera})

    def import_names(self, camera: str, start: datetime, original: str | None) -> list[Path]:
        """Free ``ready`` names for an NVR file's segment (and its original, with
        extension ``original``): ``<start>`` moved a second on while either is taken.
        Only the names move: the journal rows keep the file's own start."""
        folder = self.ready_dir(camera)
        while True:
            names = [folder / build_spool_name(start)]
            if original is not None:
                names.append(folder / build_original_spool_name(start, original))
            if not any(p.exists() or self.journal.uploads.known(p) for p in names):
                return names
            start += timedelta(seconds=1)

    def staged(self, target: Path) -> Path:
        """Where a file for ``ready`` is made before it is journalled (folder watcher):
        ``incoming/<camera>/<name>.part``; :meth:`adopt` moves it in afterwards."""
        staging = self.root / "incoming" / target.parent.name
        staging.mkdir(parents=True, exist_ok=True)
        return staging / f"{target.name}.part"

    def adopt(self, targets: Sequence[Path]) -> None:
        """Move journalled files from staging into ``ready``."""
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staged(target), target)

    def _finish_adoptions(self) -> None:
        """After a crash: a staged file the journal took goes to ``ready``; any other
        was never taken (its NVR file is taken again) and is removed."""
        for part in sorted((self.root / "incoming").glob("*/*.part")):
            target = self.ready_dir(part.parent.name) / part.name.removesuffix(".part")
            if self.journal.uploads.known(target) and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(part, target)
            else:
                part.unlink(missing_ok=True)

    def reconcile(self, sites: dict[str, str], now: datetime) -> None:
        """After a crash: finish what the journal says, journal what it missed."""
        uploads = self.journal.uploads
        uploads.restart_cut_encodes()
        self._finish_adoptions()
        for item in uploads.items(SegmentState.UPLOADED):
            for path in item.files:
                path.unlink(missing_ok=True)
        for item in uploads.items(*PENDING):
            if not item.source.exists():
                log.error("spool file vanished before upload: %s", item.source)
                uploads.close_row(item.path, SegmentState.LOST, "file vanished", now)
            elif item.upload_path is not None:  # compressed: the recording is not needed
                item.path.unlink(missing_ok=True)
        needed = uploads.upload_paths()
        for orphan in (self.root / "edge").glob("*/*"):
            if orphan not in needed:  # an encode a crash cut short, or its output
                orphan.unlink(missing_ok=True)
        self._sweep_sprites()
        for camera, site in sites.items():
            for leftover in sorted(self.recording_dir(camera).glob("*.mp4")):
                self.finalize(leftover, camera, site, now, cut_off=True)
            for ready in sorted(self.ready_dir(camera).glob("*.mp4")):
                uploads.enqueue(ready, camera, site, parse_spool_name(ready.name), now)

    def enforce_quota(self, now: datetime) -> QuotaResult:
        """Drop the oldest waiting segments until the spool fits its quota and the
        disk has its free space; then journal what could not be journalled."""
        dropped = freed = 0
        while self._over_quota():
            sprite = next_sprite_to_drop(self.journal.sprites.windows(*SPRITE_PENDING))
            if sprite is not None:  # sprites go before any footage
                freed += self._drop_sprite(sprite, now)
                continue
            oldest = self.journal.uploads.next_to_drop(1)
            if not oldest:
                break
            freed += self._drop(oldest[0], now)
            dropped += 1
        for target, (camera, site) in list(self._unjournalled.items()):
            del self._unjournalled[target]
            if target.exists():
                self._journal(target, camera, site, now)
        if dropped:
            self.last_drop = now
        recent = self.last_drop is not None and now - self.last_drop < FULL_HOLD
        self.full = recent or self._over_quota()
        return QuotaResult(dropped, freed, self.full)

    def _drop(self, item: SegmentRow, now: datetime) -> int:
        """The policy's one step: files first (that frees the room), then the row."""
        for path in item.files:
            path.unlink(missing_ok=True)
        reason = "spool full: dropped oldest segment not yet uploaded"
        self.journal.uploads.close_row(item.path, SegmentState.DROPPED, reason, now)
        log.error(
            "%s: %s", reason, item.path.name, extra={"camera": item.camera, "site": item.site}
        )
        return item.size

    def _drop_sprite(self, window: SpriteWindow, now: datetime) -> int:
        """A thumbnail sprite not sent yet: its rows will show no thumbnail."""
        shutil.rmtree(window.path, ignore_errors=True)
        reason = "spool full: dropped a thumbnail sprite not yet sent"
        self.journal.sprites.drop(window.key, reason, now)
        ctx = {"camera": window.camera, "site": window.site, "key": window.key}
        log.error("%s: %s", reason, window.key, extra=ctx)
        return window.size

    def _sweep_sprites(self) -> None:
        """After a crash: a sprite folder (``<site>/<camera>/<window>``) whose sprite
        was sent or dropped, or that no window owns, goes."""
        owned = {w.path.parts[-3:] for w in self.journal.sprites.windows(*SPRITE_PENDING)}
        for folder in self.sprites_dir.glob("*/*/*"):
            if folder.relative_to(self.sprites_dir).parts not in owned:
                shutil.rmtree(folder, ignore_errors=True)

    def log_bytes(self) -> int:
        """Bytes of our logs: the recorders' (``rec/<camera>/.ffmpeg.log``) and ``log_dirs``'."""
        try:
            cameras = [entry for entry in (self.root / "rec").iterdir() if entry.is_dir()]
        except OSError:
            cameras = []
        return log_bytes([*self.log_dirs, *cameras])

    def _over_quota(self) -> bool:
        used = (self.journal.stats.backlog().bytes + self.journal.sprites.pending_bytes()
                + self.log_bytes())  # fmt: skip
        free = shutil.disk_usage(self.root).free
        return used > self.quota_bytes or free < self.min_free_bytes

    def _free_name(self, folder: Path, start: datetime) -> Path:
        """``<start>.mp4``, moved one second on in the (rare) case the name is taken
        on disk or by a journal row (a clock stepped back repeats a start time)."""
        candidate = folder / build_spool_name(start)
        while candidate.exists() or self.journal.uploads.known(candidate):
            start += timedelta(seconds=1)
            candidate = folder / build_spool_name(start)
        return candidate


def _trim(path: Path, camera: str) -> None:
    """Cut a half-written fragment from the end of ``path`` (footage.media.mp4)."""
    try:
        whole = complete_length(path)
        if whole is not None:
            os.truncate(path, whole)
            log.warning("cut a half-written fragment from %s (%d bytes kept)", path.name, whole,
                        extra={"camera": camera})  # fmt: skip
    except OSError as exc:
        log.warning("cannot check %s for a cut-off end: %s", path.name, exc,
                    extra={"camera": camera})  # fmt: skip
