"""The on-disk spool: where footage waits between the camera and storage.

Layout under the spool root::

    rec/<camera>/<YYYYMMDDTHHMMSSZ>.mp4     ffmpeg is writing (or just wrote) these
    ready/<camera>/<YYYYMMDDTHHMMSSZ>.mp4   finished, journalled, waiting for upload
    edge/<camera>/<YYYYMMDDTHHMMSSZ>.<profile>.mp4   compressed before upload (the
                                            journal row points at it; then the
                                            recording is deleted)
    journal.sqlite3                         the durable queue (edge_uploader.journal)

A file moves from ``rec`` to ``ready`` by an atomic rename and is journalled in
the same step, so a crash leaves it in one place or the other, never lost.
When the spool is over quota the oldest waiting segment is dropped, with an
error log and a status flag: recording goes on, nothing is corrupted.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from edge_uploader.journal import Journal, UploadState
from footage.errors import KeyFormatError
from footage.keys import build_spool_name, parse_spool_name

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QuotaResult:
    dropped: int
    freed_bytes: int
    full: bool


class Spool:
    def __init__(self, root: Path, journal: Journal, quota_bytes: int, min_free_bytes: int) -> None:
        self.root = root
        self.journal = journal
        self.quota_bytes = quota_bytes
        self.min_free_bytes = min_free_bytes
        self.full = False

    def recording_dir(self, camera: str) -> Path:
        return self.root / "rec" / camera

    def ready_dir(self, camera: str) -> Path:
        return self.root / "ready" / camera

    def compressed_dir(self, camera: str) -> Path:
        return self.root / "edge" / camera

    def prepare(self, cameras: list[str]) -> None:
        for camera in cameras:
            self.recording_dir(camera).mkdir(parents=True, exist_ok=True)
            self.ready_dir(camera).mkdir(parents=True, exist_ok=True)
        self.journal.initialize()

    def finalize(
        self, src: Path, camera: str, site: str, now: datetime, start: datetime | None = None
    ) -> Path | None:
        """Move a finished file into ``ready`` (named by ``start``, default its own
        name) and journal it. Empty files are removed."""
        try:
            start = start or parse_spool_name(src.name)
        except KeyFormatError:
            log.warning("ignoring unexpected spool file %s", src, extra={"camera": camera})
            return None
        if src.stat().st_size == 0:
            log.warning("removing empty segment %s", src.name, extra={"camera": camera})
            src.unlink()
            return None
        target = self._free_name(self.ready_dir(camera), start)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, target)
        self.journal.enqueue(target, camera, site, parse_spool_name(target.name), now)
        return target

    def adopt(self, path: Path, camera: str, site: str, start: datetime, now: datetime) -> Path:
        """Take a file made elsewhere (folder ingest) into ``ready`` and journal it."""
        target = self._free_name(self.ready_dir(camera), start)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        self.journal.enqueue(target, camera, site, parse_spool_name(target.name), now)
        return target

    def reconcile(self, sites: dict[str, str], now: datetime) -> None:
        """After a crash: finish what the journal says, journal what it missed."""
        for item in self.journal.items(UploadState.DONE):
            for path in item.files:
                path.unlink(missing_ok=True)
        for item in self.journal.items(UploadState.PENDING):
            if not item.source.exists():
                log.error("spool file vanished before upload: %s", item.source)
                self.journal.close_row(item.path, UploadState.LOST, "file vanished", now)
            elif item.upload_path is not None:  # compressed: the recording is not needed
                item.path.unlink(missing_ok=True)
        needed = self.journal.upload_paths()
        for orphan in (self.root / "edge").glob("*/*"):
            if orphan not in needed:  # an encode a crash cut short, or its output
                orphan.unlink(missing_ok=True)
        for camera, site in sites.items():
            for leftover in sorted(self.recording_dir(camera).glob("*.mp4")):
                self.finalize(leftover, camera, site, now)
            for ready in sorted(self.ready_dir(camera).glob("*.mp4")):
                self.journal.enqueue(ready, camera, site, parse_spool_name(ready.name), now)

    def enforce_quota(self, now: datetime) -> QuotaResult:
        """Drop the oldest waiting segments until the spool fits its quota."""
        dropped = freed = 0
        while self._over_quota():
            oldest = self.journal.oldest_pending(1)
            if not oldest:
                break
            item = oldest[0]
            for path in item.files:
                path.unlink(missing_ok=True)
            reason = "spool full: dropped oldest segment not yet uploaded"
            self.journal.close_row(item.path, UploadState.DROPPED, reason, now)
            log.error(reason, extra={"camera": item.camera, "site": item.site})
            dropped, freed = dropped + 1, freed + item.size
        self.full = dropped > 0 or self._over_quota()
        return QuotaResult(dropped, freed, self.full)

    def _over_quota(self) -> bool:
        used = self.journal.backlog().bytes
        free = shutil.disk_usage(self.root).free
        return used > self.quota_bytes or (free < self.min_free_bytes and used > 0)

    def _free_name(self, folder: Path, start: datetime) -> Path:
        """``<start>.mp4``, moved one second on in the (rare) case the name is taken
        on disk or by a journal row (a clock stepped back repeats a start time)."""
        candidate = folder / build_spool_name(start)
        while candidate.exists() or self.journal.known(candidate):
            start += timedelta(seconds=1)
            candidate = folder / build_spool_name(start)
        return candidate
