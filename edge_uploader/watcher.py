"""Folder ingest: take the files an NVR/DVR drops into a folder, losing none.

A file is taken when it is *stable* (size and mtime unchanged for
``stable_seconds``) and *whole* (footage.media.complete: its container declares
nothing missing and its end decodes to its stated length). Its start comes from
the configured file-name pattern, else the container's creation_time, else its
mtime minus its duration. H.264/H.265 is remuxed (stream copy; G.711 to AAC)
into fragmented MP4; older codecs (MPEG-4 Part 2/DivX, MJPEG...) are transcoded
to H.264 and the file itself goes up too, as the segment's *original*.

Every file is accounted for in the journal (edge_uploader.journal.watched,
footage.watch_account): waiting (why), ingested, duplicate (same content as a
file taken before), quarantined (why; left in place and re-examined if it
changes), salvaged, removed. Policy (edge_uploader.watch_policy): a file that
stays incomplete for ``salvage_after_s`` is taken as far as it plays and its
source kept; a source is deleted only after its stored copy is verified; a file
that changes after it was taken is taken again as a new version that declares
the stored segment it supersedes (ingest marks that one replaced). Hidden files
(a name starting with ".") are a copy tool's temporaries and are not looked at.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from edge_uploader.journal.watched import WatchedFile
from edge_uploader.lifecycle import PENDING, SegmentState
from edge_uploader.spool import Spool
from edge_uploader.watch_policy import salvage_due, source_deletable, take_again
from edge_uploader.watch_take import TakeFailed, Taker, TakeRequest
from footage.clock import Clock
from footage.config import Camera, WatchFolder
from footage.errors import CorruptMedia
from footage.media.complete import check_whole
from footage.media.layout import declared_cut
from footage.media.ops import sha256_file
from footage.media.probe import probe_file
from footage.models import MediaInfo
from footage.watch_account import DropReason, FileOutcome, reason_text

log = logging.getLogger(__name__)
_Signature = tuple[int, int]  # size, mtime_ns
#: Outcomes that say nothing final of a file as it is now (a removed file may come back).
_LOOK_AGAIN = {FileOutcome.WAITING, FileOutcome.REMOVED}


@dataclass(slots=True)
class _Seen:
    signature: _Signature
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
        self.journal = spool.journal
        self.clock = clock
        self.taker = Taker(camera, spool)
        self._seen: dict[Path, _Seen] = {}

    def tick(self) -> int:
        """Scan once: account for every file, take the ones now whole. Returns files taken."""
        now = self.clock.now()
        rows = self.journal.watched.under(self.folder.path)
        present: dict[Path, _Signature] = {}
        taken = 0
        for path in self._files():
            try:
                stat = path.stat()
                present[path] = (stat.st_size, stat.st_mtime_ns)
                row = rows[path] if path in rows else self.journal.watched.get(path)  # deleted once
                taken += self._visit(path, present[path], row, now)
            except OSError as exc:  # it went away, or cannot be read yet: next tick
                log.warning("cannot look at %s: %s", path.name, exc, extra=self._ctx())
        self._gone(rows, present, now)
        self._seen = {p: s for p, s in self._seen.items() if p in present}
        return taken

    def run(self, stop: threading.Event, poll_s: float = 2.0) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except OSError as exc:
                log.error("cannot scan %s: %s", self.folder.path, exc, extra=self._ctx())
            stop.wait(poll_s)

    def _files(self) -> list[Path]:
        root = self.folder.path
        return sorted(
            p for p in root.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )  # fmt: skip

    def _visit(self, path: Path, sig: _Signature, row: WatchedFile | None, now: datetime) -> int:
        same = row is not None and (row.size, row.mtime_ns) == sig
        if row is not None and same and row.outcome not in _LOOK_AGAIN:
            if row.outcome is FileOutcome.INGESTED:
                self._settle(path, row, now)
            return 0
        if row is not None and same and row.code is DropReason.INCOMPLETE:
            if salvage_due(row, now, self.folder.salvage_after_s):
                return self._take(path, sig, row, now, salvage=True)
            return 0  # unchanged: the verdict stands
        if not self._stable(path, sig, now):
            self._waiting(path, sig, row, DropReason.WRITING, now)
            return 0
        return self._examine(path, sig, row, now)

    def _stable(self, path: Path, sig: _Signature, now: datetime) -> bool:
        seen = self._seen.get(path)
        if seen is None or seen.signature != sig:
            self._seen[path] = _Seen(sig, now)
            return False
        return now - seen.stable_since >= timedelta(seconds=self.folder.stable_seconds)

    def _examine(self, path: Path, sig: _Signature, row: WatchedFile | None, now: datetime) -> int:
        if sig[0] == 0:
            self._refuse(path, sig, row, DropReason.EMPTY, None, now)
            return 0
        previous = row if row is not None and row.taken and not row.deleted else None
        if previous is not None and previous.segment is not None:
            state = self.journal.uploads.upload_state(previous.segment)
            if state is not None and state[0] in PENDING:
                self._waiting(path, sig, row, DropReason.EARLIER_UPLOADING, now)
                return 0
        try:
            info = probe_file(path, codecs=())
        except CorruptMedia as exc:
            cut = declared_cut(path)
            if cut is not None:
                self._waiting(path, sig, row, DropReason.INCOMPLETE, now, f"{cut} ({exc.reason})")
            else:
                code = self.taker.classify(path, sig[0], exc.reason)
                self._refuse(path, sig, row, code, exc.reason, now)
            return 0
        whole = check_whole(path, info)
        if not whole.whole:
            self._waiting(path, sig, row, DropReason.INCOMPLETE, now, whole.detail)
            return 0
        return self._take(path, sig, row, now, info=info)

    def _take(
        self,
        path: Path,
        sig: _Signature,
        row: WatchedFile | None,
        now: datetime,
        *,
        info: MediaInfo | None = None,
        salvage: bool = False,
    ) -> int:
        sha = sha256_file(path)
        if row is not None and row.taken and row.sha256 == sha:
            if row.deleted:  # the same file dropped again after it was taken
                return self._duplicate(path, sig, row, row, now)
            touched = replace(row, size=sig[0], mtime_ns=sig[1], outcome=FileOutcome.INGESTED,
                              code=None, params={}, reason=None)  # fmt: skip
            self._remember(touched, now)  # touched, not changed: still the file taken
            return 0
        earlier = self.journal.watched.taken_with(self.camera.id, sha)
        if earlier is not None and earlier.path != path:
            return self._duplicate(path, sig, row, earlier, now)
        try:
            info = info or probe_file(path, codecs=())  # salvage: what plays of it
            entry = self.taker.take(self._request(path, sig, row, info, sha, salvage), now)
        except CorruptMedia as exc:
            self._refuse(path, sig, row, DropReason.TRUNCATED, exc.reason, now)
            return 0
        except TakeFailed as exc:
            self._refuse(path, sig, row, exc.code, exc.detail, now)
            return 0
        self._log(entry, logging.WARNING if entry.outcome is FileOutcome.SALVAGED else logging.INFO)
        return 1

    def _request(
        self,
        path: Path,
        sig: _Signature,
        row: WatchedFile | None,
        info: MediaInfo,
        sha: str,
        salvage: bool,
    ) -> TakeRequest:
        """A taken file that changed keeps its start and declares what it supersedes."""
        previous = row if row is not None and row.taken and not row.deleted else None
        supersedes = None
        if previous is not None and previous.segment is not None:
            state = self.journal.uploads.upload_state(previous.segment)
            uploaded = state is not None and state[0] is SegmentState.UPLOADED
            supersedes = state[1] if state is not None and uploaded else None
        if previous is not None and previous.start is not None:
            start, source = previous.start, "its earlier version"
        else:
            mtime = datetime.fromtimestamp(sig[1] / 1e9, ZoneInfo("UTC"))
            start, source = resolve_start(path.name, self.folder, self.zone, info, mtime)
        return TakeRequest(path, sig, info, sha, start, source, supersedes, salvage)

    def _settle(self, path: Path, row: WatchedFile, now: datetime) -> None:
        """A taken file, unchanged: delete it once stored and verified; take it again
        if its segment never reached storage."""
        if row.deleted or row.segment is None:
            return
        segment = self.journal.uploads.upload_state(row.segment)
        if take_again(segment[0] if segment else None):
            log.error("the segment of %s never reached storage: taking it again", path.name,
                      extra=self._ctx())  # fmt: skip
            fresh = replace(row, segment=None, original=None, sha256=None, start=None)
            self._waiting(path, (row.size, row.mtime_ns), fresh, DropReason.WRITING, now)
            return
        uploads = [row.segment, *([row.original] if row.original else [])]
        states = [s[0] if s else None for s in map(self.journal.uploads.upload_state, uploads)]
        if self.folder.delete_source and source_deletable(
            row, states, now, self.folder.delete_after_s
        ):
            path.unlink()
            done = "deleted: its stored copy is verified"
            self._remember(replace(row, deleted=True), now, logging.INFO, done)

    def _gone(
        self, rows: dict[Path, WatchedFile], present: dict[Path, _Signature], now: datetime
    ) -> None:
        """Files that left the folder while waiting: taken ones stay taken, others removed."""
        for path, row in rows.items():
            if path in present or row.outcome is not FileOutcome.WAITING:
                continue
            if row.taken:
                self._remember(replace(row, outcome=FileOutcome.INGESTED, code=None, params={},
                                       reason=None, detail=None), now)  # fmt: skip
            else:
                self._remember(replace(row, outcome=FileOutcome.REMOVED, code=DropReason.REMOVED,
                                       reason=reason_text(DropReason.REMOVED), detail=None),
                               now, logging.WARNING)  # fmt: skip

    def _waiting(
        self,
        path: Path,
        sig: _Signature,
        row: WatchedFile | None,
        code: DropReason,
        now: datetime,
        detail: str | None = None,
    ) -> None:
        if (
            row is not None
            and row.outcome is FileOutcome.WAITING
            and row.code is code
            and (code is DropReason.WRITING or (row.size, row.mtime_ns) == sig)
        ):
            return  # said already (a growing file is not rewritten at every tick)
        base = row or WatchedFile(path, 0, 0, FileOutcome.WAITING, self.camera.id)
        entry = replace(base, size=sig[0], mtime_ns=sig[1], outcome=FileOutcome.WAITING, code=code,
                        params={}, reason=reason_text(code), detail=detail, since=now)  # fmt: skip
        level = logging.INFO if code is DropReason.WRITING else logging.WARNING
        self._remember(entry, now, level)

    def _refuse(
        self,
        path: Path,
        sig: _Signature,
        row: WatchedFile | None,
        code: DropReason,
        detail: str | None,
        now: datetime,
    ) -> None:
        """Quarantined: left where it is, remembered; looked at again if it changes."""
        base = row or WatchedFile(path, 0, 0, FileOutcome.QUARANTINED, self.camera.id)
        self._remember(replace(base, size=sig[0], mtime_ns=sig[1], outcome=FileOutcome.QUARANTINED,
                               code=code, params={}, reason=reason_text(code), detail=detail,
                               since=now), now, logging.ERROR)  # fmt: skip

    def _duplicate(
        self,
        path: Path,
        sig: _Signature,
        row: WatchedFile | None,
        earlier: WatchedFile,
        now: datetime,
    ) -> int:
        root = self.folder.path
        name = earlier.path.relative_to(root) if earlier.path.is_relative_to(root) else earlier.path
        params = {"earlier": str(name)}
        base = row or WatchedFile(path, 0, 0, FileOutcome.DUPLICATE, self.camera.id)
        entry = replace(base, size=sig[0], mtime_ns=sig[1], outcome=FileOutcome.DUPLICATE,
                        code=DropReason.DUPLICATE, params=params, since=now, detail=None,
                        reason=reason_text(DropReason.DUPLICATE, params))  # fmt: skip
        self._remember(entry, now, logging.WARNING)  # a row's own earlier take is kept
        return 0

    def _remember(
        self, entry: WatchedFile, now: datetime, level: int | None = None, message: str = ""
    ) -> None:
        self.journal.watched.remember(replace(entry, updated=now))
        if level is not None:
            self._log(entry, level, message)

    def _log(self, entry: WatchedFile, level: int, message: str = "") -> None:
        what = message or f"{entry.outcome}: {entry.reason or ''}".rstrip(": ")
        extra = f" ({entry.detail})" if entry.detail and level >= logging.WARNING else ""
        log.log(level, "%s %s%s", entry.path.name, what, extra, extra=self._ctx())

    def _ctx(self) -> dict[str, str]:
        return {"camera": self.camera.id, "site": self.camera.site}
