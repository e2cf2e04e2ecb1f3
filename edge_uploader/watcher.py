"""Folder ingest: pick up files an NVR/DVR drops into a folder.

A file counts as complete once its size and mtime have not changed for
``stable_seconds``. Its start time comes from the configured file-name pattern,
else the container's creation_time, else its mtime minus its duration (mtime is
when the NVR stopped writing). It is remuxed (stream copy; G.711 audio to AAC)
into fragmented MP4 in the spool and journalled for upload like a recorded
segment. Files that are not video are skipped once, with the reason logged.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from edge_uploader.spool import Spool
from footage.clock import Clock
from footage.config import AudioPolicy, Camera, WatchFolder
from footage.errors import CorruptMedia, MediaError
from footage.media.ops import remux_to_mp4
from footage.media.probe import probe_file
from footage.models import MediaInfo

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Seen:
    size: int
    mtime_ns: int
    stable_since: datetime


def start_from_name(name: str, pattern: str | None, zone: ZoneInfo) -> datetime | None:
    """Start time from a file name via named groups Y m d H M S (ms optional)."""
    if not pattern:
        return None
    match = re.search(pattern, name)
    if not match:
        return None
    parts = match.groupdict()
    try:
        local = datetime(
            int(parts["Y"]), int(parts["m"]), int(parts["d"]),
            int(parts["H"]), int(parts["M"]), int(parts["S"]),
            int(parts.get("ms") or 0) * 1000, tzinfo=zone,
        )  # fmt: skip
    except (ValueError, TypeError):
        return None
    return local.astimezone(ZoneInfo("UTC"))


def resolve_start(
    name: str, folder: WatchFolder, zone: ZoneInfo, info: MediaInfo, mtime: datetime
) -> tuple[datetime, str]:
    """The file's start time and where it came from."""
    from_name = start_from_name(name, folder.filename_pattern, zone)
    if from_name is not None:
        return from_name, "file name"
    if info.creation_time is not None:
        return info.creation_time, "container metadata"
    return mtime - timedelta(seconds=info.duration_s), "mtime"


class FolderWatcher:
    def __init__(
        self, folder: WatchFolder, camera: Camera, zone: ZoneInfo, spool: Spool, clock: Clock
    ) -> None:
        self.folder = folder
        self.camera = camera
        self.zone = ZoneInfo(folder.filename_timezone) if folder.filename_timezone else zone
        self.spool = spool
        self.clock = clock
        self._seen: dict[Path, _Seen] = {}
        self.ingested = 0
        self.skipped = 0

    def tick(self) -> int:
        """Scan once; take every file that is now stable. Returns files taken."""
        now = self.clock.now()
        taken = 0
        present = set()
        for path in sorted(p for p in self.folder.path.rglob("*") if p.is_file()):
            present.add(path)
            if self._stable(path, now) and self._take(path):
                taken += 1
        self._seen = {p: s for p, s in self._seen.items() if p in present}
        return taken

    def run(self, stop: threading.Event, poll_s: float = 2.0) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except OSError as exc:
                log.error("cannot scan %s: %s", self.folder.path, exc, extra=self._ctx())
            stop.wait(poll_s)

    def _stable(self, path: Path, now: datetime) -> bool:
        stat = path.stat()
        seen = self._seen.get(path)
        if seen is None or (seen.size, seen.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            self._seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, now)
            return False
        stable = now - seen.stable_since >= timedelta(seconds=self.folder.stable_seconds)
        return stable and self.spool.journal.watched(path) != (stat.st_size, stat.st_mtime_ns)

    def _take(self, path: Path) -> bool:
        stat = path.stat()
        try:
            info = probe_file(path)
        except CorruptMedia as exc:
            self._remember(path, "skipped", f"not video: {exc.reason}")
            self.skipped += 1
            return False
        mtime = datetime.fromtimestamp(stat.st_mtime, ZoneInfo("UTC"))
        start, source = resolve_start(path.name, self.folder, self.zone, info, mtime)
        staging = self.spool.root / "incoming" / self.camera.id
        staging.mkdir(parents=True, exist_ok=True)
        tmp = staging / f".{path.stem}.mp4"
        try:
            remux_to_mp4(path, tmp, info, self.camera.audio is AudioPolicy.AAC)
        except MediaError as exc:
            tmp.unlink(missing_ok=True)
            self._remember(path, "skipped", f"cannot remux: {exc}")
            self.skipped += 1
            return False
        target = self.spool.adopt(tmp, self.camera.id, self.camera.site, start, self.clock.now())
        self._remember(path, "ingested", f"start from {source}: {target.name}")
        if self.folder.delete_source:
            path.unlink(missing_ok=True)
        self.ingested += 1
        return True

    def _remember(self, path: Path, outcome: str, reason: str) -> None:
        stat = path.stat()
        self.spool.journal.remember_watched(path, stat.st_size, stat.st_mtime_ns, outcome, reason)
        level = logging.INFO if outcome == "ingested" else logging.WARNING
        log.log(level, "%s %s: %s", outcome, path.name, reason, extra=self._ctx())

    def _ctx(self) -> dict[str, str]:
        return {"camera": self.camera.id, "site": self.camera.site}
