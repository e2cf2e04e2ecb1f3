"""Taking one whole NVR file into the spool: convert, journal, then move into ``ready``.

H.264/H.265 is remuxed into fragmented MP4 (stream copy; G.711 audio to AAC);
any other video (MPEG-4 Part 2/DivX, MJPEG...) is transcoded to H.264 with
:data:`LEGACY_PROFILE`, and the file itself goes up beside it as the segment's
original (footage.keys.build_original_key), never compressed again at the edge.
The converted files are made in ``incoming/`` and journalled, with the file's
account row, in one transaction before they are renamed into ``ready``
(edge_uploader.spool: a crash in between is finished at the next start).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from edge_uploader.journal.watched import NewUpload, WatchedFile
from edge_uploader.spool import Spool
from edge_uploader.watch_policy import classify_unreadable, needs_transcode
from footage.config import AudioPolicy, Camera
from footage.errors import CorruptMedia, FootageError
from footage.keys import build_original_key, original_extension
from footage.media.layout import sniff
from footage.media.ops import remux_to_mp4, sha256_file, transcode
from footage.media.probe import probe_file
from footage.models import MediaInfo
from footage.profiles import BUILTIN_PROFILES
from footage.storage import (
    META_ORIGIN,
    META_ORIGINAL,
    META_SEGMENT,
    META_SUPERSEDES,
    ORIGIN_NVR,
)
from footage.watch_account import DropReason, FileOutcome, codec_name, reason_text

#: Old DVR codecs become H.264 at this quality (CRF 26: SD footage keeps its detail).
LEGACY_PROFILE = BUILTIN_PROFILES["h264-balanced"]


class TakeFailed(FootageError):
    """The file could not be converted: quarantined with ``code``."""

    def __init__(self, code: DropReason, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class TakeRequest:
    path: Path
    signature: tuple[int, int]  # size, mtime_ns
    info: MediaInfo
    sha256: str
    start: datetime
    start_source: str  # "file name", "container metadata", "mtime", "its earlier version"
    supersedes: str | None  # SHA-256 of the stored segment of the file's earlier version
    salvage: bool  # it never finished: take what plays, keep the source


@dataclass(frozen=True, slots=True)
class _Made:
    segment: Path
    original: Path | None
    info: MediaInfo  # of the segment as it will be stored


class Taker:
    def __init__(self, camera: Camera, spool: Spool) -> None:
        self.camera = camera
        self.spool = spool

    def classify(self, path: Path, size: int, error: str) -> DropReason:
        with path.open("rb") as handle:
            head = handle.read(4096)
        return classify_unreadable(size, sniff(head), error)

    def take(self, req: TakeRequest, now: datetime) -> WatchedFile:
        """Convert, journal and adopt ``req.path``; its account row (journalled)."""
        legacy = needs_transcode(req.info.codec)
        ext = original_extension(req.path.name) if legacy else None
        names = self.spool.import_names(self.camera.id, req.start, ext)
        made = self._convert(req, names, legacy)
        metadata = {META_ORIGIN: ORIGIN_NVR}
        if req.supersedes:
            metadata[META_SUPERSEDES] = req.supersedes
        uploads = [NewUpload(made.segment, self.camera.id, self.camera.site, req.start,
                             self.spool.staged(made.segment).stat().st_size, metadata,
                             "copy" if legacy else None)]  # fmt: skip
        code, params = self._note(req, made)
        if made.original is not None and ext is not None:
            key = build_original_key(self.camera.site, self.camera.id, req.start, ext,
                                     retention_days=self.camera.retention_days)  # fmt: skip
            metadata[META_ORIGINAL] = key
            params |= {"key": key}
            staged = self.spool.staged(made.original)
            uploads.append(NewUpload(made.original, self.camera.id, self.camera.site, req.start,
                                     staged.stat().st_size,
                                     {META_SEGMENT: sha256_file(self.spool.staged(made.segment))},
                                     "copy"))  # fmt: skip
        entry = WatchedFile(
            req.path, req.signature[0], req.signature[1],
            FileOutcome.SALVAGED if req.salvage else FileOutcome.INGESTED, self.camera.id,
            code, params, reason_text(code, params) if code else None,
            f"start from {req.start_source}", req.sha256, req.start, made.segment, made.original,
            False, now, now,
        )  # fmt: skip
        self.spool.journal.watched.take(entry, uploads, now)
        self.spool.adopt([u.path for u in uploads])
        return entry

    def _convert(self, req: TakeRequest, names: list[Path], legacy: bool) -> _Made:
        segment = names[0]
        staged = self.spool.staged(segment)
        try:
            if legacy:
                transcode(req.path, staged, LEGACY_PROFILE, req.info)
            else:
                keep = self.camera.audio is AudioPolicy.AAC
                remux_to_mp4(req.path, staged, req.info, keep)
            info = probe_file(staged)
        except FootageError as exc:
            staged.unlink(missing_ok=True)
            code = DropReason.TRUNCATED if req.salvage else DropReason.CANNOT_CONVERT
            reason = exc.reason if isinstance(exc, CorruptMedia) else str(exc)
            raise TakeFailed(code, reason) from exc
        if not legacy:
            return _Made(segment, None, info)
        shutil.copyfile(req.path, self.spool.staged(names[1]))
        return _Made(segment, names[1], info)

    def _note(self, req: TakeRequest, made: _Made) -> tuple[DropReason | None, dict[str, str]]:
        """What the account says of a file taken (None: nothing to say)."""
        if req.salvage:
            kept, stated = made.info.duration_s, req.info.duration_s
            return DropReason.SALVAGED, {"kept": f"{kept:.0f}", "stated": f"{stated:.0f}"}
        if made.original is not None:
            return DropReason.TRANSCODED, {"codec": codec_name(req.info.codec)}
        if req.supersedes:
            return DropReason.NEW_VERSION, {}
        return None, {}
