"""Ingest one stored segment: verify, probe, transcode by policy, thumbnail, index.

The same function runs in the on-prem worker and in the AWS ingest Lambda.
It is idempotent: the same object twice yields one catalog row.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from footage.catalog import Catalog
from footage.clock import Clock
from footage.config import Camera, Config
from footage.errors import CorruptMedia, KeyFormatError, MediaError
from footage.keys import (
    KeyKind,
    ParsedKey,
    build_quarantine_key,
    build_rendition_key,
    build_thumbnail_key,
    parse_key,
)
from footage.media.mp4 import read_init_section_size
from footage.media.ops import make_thumbnail, sha256_file, transcode
from footage.media.probe import probe_file
from footage.models import MediaInfo, ObjectInfo, Segment, SegmentStatus
from footage.profiles import BUILTIN_PROFILES, Profile, VideoCodec
from footage.retention import DEFAULT_RETENTION_DAYS, expiry, is_protected
from footage.services.evidence import preserved
from footage.storage import META_SHA256, Storage

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    INDEXED = "indexed"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class IngestResult:
    outcome: Outcome
    key: str
    reason: str = ""
    segment: Segment | None = None


@dataclass(frozen=True, slots=True)
class CameraPolicy:
    retention_days: int = DEFAULT_RETENTION_DAYS
    profile_name: str = "copy"
    profile: Profile = BUILTIN_PROFILES["copy"]
    thumbnails: bool = True


@dataclass(frozen=True, slots=True)
class IngestContext:
    storage: Storage
    catalog: Catalog
    clock: Clock
    policies: dict[str, CameraPolicy]
    workdir: Path | None = None

    def policy(self, camera: str) -> CameraPolicy:
        return self.policies.get(camera, CameraPolicy())


def policies_from_cameras(
    cameras: list[Camera], profiles: dict[str, Profile]
) -> dict[str, CameraPolicy]:
    return {
        c.id: CameraPolicy(
            c.retention_days, c.ingest_profile, profiles[c.ingest_profile], c.thumbnails
        )
        for c in cameras
    }


def context_from_config(
    config: Config, storage: Storage, catalog: Catalog, clock: Clock, workdir: Path
) -> IngestContext:
    """The ingest context of a deployment: its adapters and each camera's policy."""
    workdir.mkdir(parents=True, exist_ok=True)
    policies = policies_from_cameras(config.cameras, config.all_profiles)
    return IngestContext(storage, catalog, clock, policies, workdir)


def ingest_object(ctx: IngestContext, key: str) -> IngestResult:
    try:
        parsed = parse_key(key)
    except KeyFormatError as exc:
        return IngestResult(Outcome.SKIPPED, key, str(exc))
    if parsed.kind is not KeyKind.SEGMENT:
        return IngestResult(Outcome.SKIPPED, key, f"not a segment upload ({parsed.kind})")
    head = ctx.storage.head(key)
    if head is None:
        return _already_handled(ctx, parsed, key)
    existing = ctx.catalog.get_segment(parsed.camera, parsed.start)
    if existing and existing.status is SegmentStatus.OK and _same_object(existing, head):
        return IngestResult(Outcome.DUPLICATE, key, "already indexed", existing)
    with _local_copy(ctx, key) as (path, scratch):
        try:
            return _process(ctx, parsed, head, path, scratch, existing)
        except CorruptMedia as exc:
            return _quarantine(ctx, parsed, head, exc.reason, existing)


def _process(
    ctx: IngestContext,
    parsed: ParsedKey,
    head: ObjectInfo,
    path: Path,
    scratch: Path,
    old: Segment | None,
) -> IngestResult:
    digest = sha256_file(path)
    expected = head.metadata.get(META_SHA256)
    if expected and expected != digest:
        raise CorruptMedia(f"checksum mismatch: uploaded {expected[:12]}, stored {digest[:12]}")
    policy = ctx.policy(parsed.camera)
    play = _playable(ctx, parsed, head, path, scratch, policy)
    thumb_key = _thumbnail(ctx, parsed, play, scratch) if policy.thumbnails else None
    end = parsed.start + timedelta(seconds=play.info.duration_s)
    info = play.info
    segment = Segment(
        camera=parsed.camera, site=parsed.site, start=parsed.start, end=end,
        size_bytes=play.size, sha256=digest, key=play.key, codec=info.codec,
        width=info.width, height=info.height, fps=info.fps, audio_codec=info.audio_codec,
        thumbnail_key=thumb_key, derived_keys=_leftovers(old, play.key),
        expires_at=expiry(end, policy.retention_days), source_etag=head.etag,
        init_size=play.init_size,
    )  # fmt: skip
    segment = _held(ctx, segment)
    ctx.catalog.put_segment(segment)
    if play.key != head.key:
        ctx.storage.delete(head.key)
    log.info("indexed", extra={"camera": parsed.camera, "site": parsed.site, "key": play.key})
    return IngestResult(Outcome.INDEXED, head.key, segment=segment)


@dataclass(frozen=True, slots=True)
class _Playable:
    key: str
    path: Path
    info: MediaInfo
    size: int
    init_size: int


def _playable(
    ctx: IngestContext,
    parsed: ParsedKey,
    head: ObjectInfo,
    path: Path,
    scratch: Path,
    policy: CameraPolicy,
) -> _Playable:
    """The object viewers will play: the upload itself, or its rendition by policy."""
    info = probe_file(path)
    if policy.profile.codec is VideoCodec.COPY:
        return _Playable(head.key, path, info, head.size, _init_size(path))
    out = scratch / f"rendition-{policy.profile_name}.mp4"
    transcode(path, out, policy.profile, info)
    rendition = probe_file(out)
    key = build_rendition_key(parsed.site, parsed.camera, parsed.start, policy.profile_name)
    stored = ctx.storage.put_file(key, out, metadata={META_SHA256: sha256_file(out)})
    return _Playable(key, out, rendition, stored.size, _init_size(out))


def _init_size(path: Path) -> int:
    try:
        return read_init_section_size(path)
    except MediaError as exc:
        raise CorruptMedia(f"not playable as HLS: {exc}") from exc


def _thumbnail(ctx: IngestContext, parsed: ParsedKey, play: _Playable, scratch: Path) -> str:
    key = build_thumbnail_key(parsed.site, parsed.camera, parsed.start)
    jpeg = scratch / "thumb.jpg"
    make_thumbnail(play.path, jpeg, play.info)
    ctx.storage.put_file(key, jpeg, content_type="image/jpeg")
    return key


def _quarantine(
    ctx: IngestContext, parsed: ParsedKey, head: ObjectInfo, reason: str, old: Segment | None
) -> IngestResult:
    """Move the object aside and index it as not playable, with the reason."""
    target = build_quarantine_key(head.key)
    ctx.storage.move(head.key, target)
    policy = ctx.policy(parsed.camera)
    segment = Segment(
        camera=parsed.camera, site=parsed.site, start=parsed.start, end=parsed.start,
        size_bytes=head.size, sha256=head.metadata.get(META_SHA256, ""), key=target,
        derived_keys=_leftovers(old, target), status=SegmentStatus.QUARANTINED, reason=reason,
        expires_at=expiry(parsed.start, policy.retention_days), source_etag=head.etag,
    )  # fmt: skip
    segment = _held(ctx, segment)
    ctx.catalog.put_segment(segment)
    log.error(
        "quarantined: %s",
        reason,
        extra={"camera": parsed.camera, "site": parsed.site, "key": target},
    )
    return IngestResult(Outcome.QUARANTINED, head.key, reason, segment)


def _held(ctx: IngestContext, segment: Segment) -> Segment:
    """Footage that arrives inside an evidence hold is preserved before it is indexed."""
    if not is_protected(segment, ctx.catalog.list_protections(segment.camera)):
        return segment
    return preserved(ctx.storage, segment)


def _already_handled(ctx: IngestContext, parsed: ParsedKey, key: str) -> IngestResult:
    existing = ctx.catalog.get_segment(parsed.camera, parsed.start)
    if existing is not None:
        return IngestResult(Outcome.DUPLICATE, key, f"already {existing.status}", existing)
    return IngestResult(Outcome.SKIPPED, key, "object no longer exists")


def _same_object(existing: Segment, head: ObjectInfo) -> bool:
    sha = head.metadata.get(META_SHA256)
    if sha:
        return existing.sha256 == sha
    return existing.source_etag is not None and existing.source_etag == head.etag


def _leftovers(old: Segment | None, new_key: str) -> tuple[str, ...]:
    """Objects of a replaced row (e.g. a quarantined copy) stay owned by the new row,
    so retention deletes them together."""
    if old is None:
        return ()
    keys = [k for k in (old.key, *old.derived_keys) if k != new_key]
    return tuple(dict.fromkeys(keys))


@contextmanager
def _local_copy(ctx: IngestContext, key: str) -> Iterator[tuple[Path, Path]]:
    """A readable local path of ``key`` (the NAS file itself when possible) and a
    scratch folder, both gone afterwards."""
    direct = ctx.storage.local_path(key)
    with tempfile.TemporaryDirectory(dir=ctx.workdir, prefix="ingest-") as tmp:
        scratch = Path(tmp)
        if direct is not None:
            yield direct, scratch
            return
        target = scratch / f"source{Path(key).suffix}"
        ctx.storage.download(key, target)
        yield target, scratch
