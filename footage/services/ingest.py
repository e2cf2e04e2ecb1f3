"""Ingest one stored segment: verify, probe, transcode by policy, thumbnail, index.

The same function runs in the on-prem worker and in the AWS ingest Lambda.
It is idempotent: the same object twice yields one catalog row. A segment its
edge described (footage.services.ingest_described) is indexed from its HEAD,
with no GET and no ffmpeg; every other object takes the FFmpeg path below.

Footage is evidence, so ingest trusts no upload:

* **Site.** An edge may write only under its own site's prefix, so the key's
  site is what the uploader could prove. A key whose camera is not configured,
  or is configured at another site, is refused: moved to quarantine/ (kept for
  the investigation, expired by the quarantine rule) and never indexed.
* **Never replaced.** The segment of a camera and start is added, never
  replaced: a second, different object for the same camera and start (an
  edge's variant upload, an overwrite where the store allowed one) is indexed
  apart as a CONFLICT row, or QUARANTINED if it does not play, and never played.
  Only a segment that does not play gives way to one that does; it stays, apart,
  and a longer version of the very same file the edge took (it says which); the
  earlier stays, apart, as REPLACED. An NVR file overlapping footage that plays is
  indexed as OVERLAP and never played; an original (the file an old codec came
  in, kept beside its transcoded segment) joins that segment's row. See
  footage.services.ingest_versions.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from footage.description import SegmentDescription
from footage.errors import CorruptMedia, KeyFormatError, MediaError
from footage.keys import (
    KeyKind,
    ParsedKey,
    build_quarantine_key,
    build_rendition_key,
    build_thumbnail_key,
    parse_key,
    variant_of,
)
from footage.media.mp4 import read_init_section_size
from footage.media.ops import make_thumbnail, sha256_file, transcode
from footage.media.probe import probe_file
from footage.models import MediaInfo, ObjectInfo, Protection, Segment, SegmentStatus
from footage.profiles import VideoCodec
from footage.retention import expiry, is_protected
from footage.services.evidence import preserved
from footage.services.ingest_described import described_row, trusted_description
from footage.services.ingest_types import (
    CameraPolicy,
    IngestContext,
    IngestResult,
    Outcome,
    Upload,
    context_from_config,
    policies_from_cameras,
)
from footage.services.ingest_versions import (
    attach_original,
    declares_superseding,
    flag_overlap,
    original_keys,
    replaced_reason,
    supersedes,
)
from footage.storage import META_SHA256

__all__ = [
    "CameraPolicy", "IngestContext", "IngestResult", "Outcome", "context_from_config",
    "index_described", "ingest_object", "policies_from_cameras", "refusal",
]  # fmt: skip
log = logging.getLogger(__name__)


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
    refused = refusal(ctx, parsed)
    if refused:
        return _refuse(ctx, parsed, head, refused)
    if parsed.is_original:
        row = attach_original(ctx.catalog, ctx.storage, parsed, head)
        why = "kept beside its segment" if row else "kept; it joins its segment when indexed"
        return IngestResult(Outcome.ORIGINAL, key, why, row)
    policy = ctx.policy(parsed.camera)
    described = trusted_description(policy, parsed, head)
    if not isinstance(described, str) and not parsed.variant:
        return index_described(ctx, parsed, head, described)  # from its HEAD
    upload = Upload(parsed, head, ctx.catalog.get_segment(parsed.camera, parsed.start))
    known = _known(ctx, upload)
    if known is not None:
        return known
    if not isinstance(described, str):  # a variant key's described copy
        segment = described_row(policy, parsed, head, described)
        return _place(ctx, upload, _held(ctx, segment), Outcome.INDEXED)
    log.info("probing: %s", described,
             extra={"camera": parsed.camera, "site": parsed.site, "key": key})  # fmt: skip
    with _local_copy(ctx, key) as (path, scratch):
        digest = sha256_file(path)
        try:
            return _process(ctx, upload, path, scratch, digest)
        except CorruptMedia as exc:
            return _quarantine(ctx, upload, digest, exc.reason)


def index_described(
    ctx: IngestContext, parsed: ParsedKey, head: ObjectInfo, described: SegmentDescription,
    protections: Sequence[Protection] | None = None,
) -> IngestResult:  # fmt: skip
    """Index a segment from its trusted description (no GET, no ffmpeg), written
    first: the slot is nearly always free, and a lost condition reads the row that
    won (_place: duplicate, a slot given way, or kept apart, as when read before).
    ``protections``: its camera's evidence holds, when the caller read them."""
    segment = described_row(ctx.policy(parsed.camera), parsed, head, described)
    held = _held(ctx, segment, protections)
    return _place(ctx, Upload(parsed, head, None), held, Outcome.INDEXED)


def refusal(ctx: IngestContext, parsed: ParsedKey) -> str:
    """Why the key's site may not add footage of its camera ("" if it may)."""
    policy = ctx.policies.get(parsed.camera)
    if policy is None:
        return f"camera {parsed.camera} is not configured"
    if policy.site != parsed.site:
        return f"camera {parsed.camera} belongs to site {policy.site}, not {parsed.site}"
    return ""


def _refuse(ctx: IngestContext, parsed: ParsedKey, head: ObjectInfo, reason: str) -> IngestResult:
    """Move the object out of segments/ (nobody plays it; the quarantine rule expires
    it) and index nothing: another site's camera keeps its own footage."""
    target = build_quarantine_key(head.key)
    ctx.storage.move(head.key, target)
    log.error("refused: %s", reason,
              extra={"camera": parsed.camera, "site": parsed.site, "key": target})  # fmt: skip
    return IngestResult(Outcome.REFUSED, head.key, reason)


def _known(ctx: IngestContext, upload: Upload) -> IngestResult | None:
    """DUPLICATE when the index already holds this very object (a redundant copy
    under a variant key is then deleted); None when it must be ingested."""
    parsed, head = upload.parsed, upload.head
    row = upload.primary
    if row is not None and not _same_object(row, head):
        row = None
    if row is None and parsed.variant:  # a copy kept apart under its variant key
        apart = ctx.catalog.get_segment(parsed.camera, parsed.start, parsed.variant)
        row = apart if apart and _same_object(apart, head) else None
    if row is None:
        return None
    if parsed.variant and head.key not in row.all_keys:
        ctx.storage.delete(head.key)  # the edge sent it again: a copy of what is indexed
    return IngestResult(Outcome.DUPLICATE, head.key, "already indexed", row)


def _process(
    ctx: IngestContext, upload: Upload, path: Path, scratch: Path, digest: str
) -> IngestResult:
    parsed, head, primary = upload.parsed, upload.head, upload.primary
    expected = head.metadata.get(META_SHA256)
    if expected and expected != digest:
        raise CorruptMedia(f"checksum mismatch: uploaded {expected[:12]}, stored {digest[:12]}")
    info = probe_file(path)
    playing = primary is not None and primary.status is SegmentStatus.OK
    if playing and primary is not None and not declares_superseding(head, primary):
        return _keep_apart(ctx, upload, digest, info)
    policy = ctx.policy(parsed.camera)
    play = _playable(ctx, parsed, head, path, scratch, policy, info, digest)
    thumb_key = _thumbnail(ctx, parsed, play, scratch, digest) if policy.thumbnails else None
    end = parsed.start + timedelta(seconds=play.info.duration_s)
    info = play.info
    segment = Segment(
        camera=parsed.camera, site=parsed.site, start=parsed.start, end=end,
        size_bytes=play.size, sha256=digest, key=play.key, codec=info.codec,
        width=info.width, height=info.height, fps=info.fps, audio_codec=info.audio_codec,
        thumbnail_key=thumb_key, expires_at=expiry(end, policy.retention_days),
        source_etag=head.etag, init_size=play.init_size,
        derived_keys=original_keys(ctx.storage, head),
    )  # fmt: skip
    result = _place(ctx, upload, _held(ctx, segment), Outcome.INDEXED)
    if result.outcome is Outcome.INDEXED and play.key != head.key:
        ctx.storage.delete(head.key)  # the policy keeps the rendition only
    return result


def _place(ctx: IngestContext, upload: Upload, segment: Segment, outcome: Outcome) -> IngestResult:
    """Index ``segment`` as its camera's segment at its start: added if the slot
    is free; given the slot if that holds footage that does not play (which stays,
    apart); else kept apart itself. Never over footage that plays."""
    primary = upload.primary
    for _ in range(_PLACE_ATTEMPTS):  # each loss is another ingest winning a race
        if primary is None:
            segment = flag_overlap(ctx.catalog, upload.head, segment)
            if ctx.catalog.add_segment(segment, holds_checked=True):  # by _held
                return _indexed(upload, segment, outcome)
        taken = primary is not None and _gives_way(ctx, upload, primary, segment)
        if taken and primary is not None and _take_over(ctx, segment, primary):
            return _indexed(upload, segment, outcome)
        primary = ctx.catalog.get_segment(segment.camera, segment.start)
        if primary is not None and primary.sha256 == segment.sha256:
            return IngestResult(Outcome.DUPLICATE, upload.head.key, "already indexed", primary)
        if primary is not None and not _gives_way(ctx, upload, primary, segment):
            break
    held = primary.sha256[:12] if primary else "?"
    status = SegmentStatus.CONFLICT if segment.status is SegmentStatus.OK else segment.status
    reason = segment.reason or (
        f"{segment.camera} at {segment.start:%Y-%m-%d %H:%M:%S}Z already holds other footage "
        f"(sha256 {held}); this object is kept apart"
    )
    apart = _apart(segment, status, reason)
    ctx.catalog.add_segment(apart)
    kept = Outcome.CONFLICT if status is SegmentStatus.CONFLICT else outcome
    return _indexed(upload, apart, kept)


#: Rounds of add/replace when racing ingests keep changing a camera's slot.
_PLACE_ATTEMPTS = 5


def _gives_way(ctx: IngestContext, upload: Upload, primary: Segment, segment: Segment) -> bool:
    """Only footage that does not play gives its slot, and only to footage that does;
    or footage that plays, to a longer version of itself (ingest_versions.supersedes)."""
    if primary.status is not SegmentStatus.OK:
        return segment.status is SegmentStatus.OK
    return supersedes(ctx.catalog, upload.head, primary, segment)


def _take_over(ctx: IngestContext, segment: Segment, primary: Segment) -> bool:
    """Keep ``primary`` apart, then put ``segment`` in its slot if it still holds it."""
    if primary.status is SegmentStatus.OK:  # a new version: the earlier one is replaced
        apart = _apart(primary, SegmentStatus.REPLACED, replaced_reason(segment))
    else:
        apart = _apart(primary, primary.status, primary.reason or "")
    ctx.catalog.add_segment(apart)
    return ctx.catalog.replace_segment(segment, expected=primary)


def _apart(segment: Segment, status: SegmentStatus, reason: str) -> Segment:
    """``segment`` as a row kept apart, named by its content (rows of older versions
    may lack a SHA-256: then by their key)."""
    try:
        variant = variant_of(segment.sha256)
    except KeyFormatError:
        variant = variant_of(hashlib.sha256(segment.key.encode()).hexdigest())
    return replace(segment, variant=variant, status=status, reason=reason)


def _indexed(upload: Upload, segment: Segment, outcome: Outcome) -> IngestResult:
    parsed = upload.parsed
    ctx = {"camera": parsed.camera, "site": parsed.site, "key": segment.key}
    if outcome is Outcome.CONFLICT:
        log.error("kept apart: %s", segment.reason, extra=ctx)
    elif outcome is Outcome.QUARANTINED:
        log.error("quarantined: %s", segment.reason, extra=ctx)
    else:
        log.info(outcome.value, extra=ctx)
    return IngestResult(outcome, upload.head.key, segment.reason or "", segment)


def _keep_apart(ctx: IngestContext, upload: Upload, digest: str, info: MediaInfo) -> IngestResult:
    """A playable object for a camera and start whose segment plays already: it is
    indexed apart (where it lies; it makes no derived files) and never played."""
    parsed, head = upload.parsed, upload.head
    end = parsed.start + timedelta(seconds=info.duration_s)
    segment = Segment(
        camera=parsed.camera, site=parsed.site, start=parsed.start, end=end,
        size_bytes=head.size, sha256=digest, key=head.key, codec=info.codec, width=info.width,
        height=info.height, fps=info.fps, audio_codec=info.audio_codec,
        expires_at=expiry(end, ctx.policy(parsed.camera).retention_days), source_etag=head.etag,
    )  # fmt: skip
    return _place(ctx, upload, _held(ctx, segment), Outcome.INDEXED)


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
    info: MediaInfo,
    digest: str,
) -> _Playable:
    """The object viewers will play: the upload itself, or its rendition by policy."""
    if policy.profile.codec is VideoCodec.COPY:
        return _Playable(head.key, path, info, head.size, _init_size(path))
    out = scratch / f"rendition-{policy.profile_name}.mp4"
    transcode(path, out, policy.profile, info)
    rendition = probe_file(out)
    key = build_rendition_key(parsed.site, parsed.camera, parsed.start, policy.profile_name,
                              variant_of(digest))  # fmt: skip
    stored = ctx.storage.put_file(key, out, metadata={META_SHA256: sha256_file(out)})
    return _Playable(key, out, rendition, stored.size, _init_size(out))


def _init_size(path: Path) -> int:
    try:
        return read_init_section_size(path)
    except MediaError as exc:
        raise CorruptMedia(f"not playable as HLS: {exc}") from exc


def _thumbnail(
    ctx: IngestContext, parsed: ParsedKey, play: _Playable, scratch: Path, digest: str
) -> str:
    key = build_thumbnail_key(
        parsed.site,
        parsed.camera,
        parsed.start,
        variant_of(digest),
        retention_days=parsed.retention_days,
    )  # the segment's class
    jpeg = scratch / "thumb.jpg"
    make_thumbnail(play.path, jpeg, play.info)
    ctx.storage.put_file(key, jpeg, content_type="image/jpeg")
    return key


def _quarantine(ctx: IngestContext, upload: Upload, digest: str, reason: str) -> IngestResult:
    """Move the object aside and index it as not playable, with the reason: as the
    camera's segment at its start if nothing holds it, else apart."""
    parsed, head = upload.parsed, upload.head
    alone = upload.primary is None
    target = build_quarantine_key(head.key, variant=None if alone else variant_of(digest))
    ctx.storage.move(head.key, target)
    policy = ctx.policy(parsed.camera)
    segment = Segment(
        camera=parsed.camera, site=parsed.site, start=parsed.start, end=parsed.start,
        size_bytes=head.size, sha256=digest, key=target, status=SegmentStatus.QUARANTINED,
        reason=reason, expires_at=expiry(parsed.start, policy.retention_days),
        source_etag=head.etag,
    )  # fmt: skip
    return _place(ctx, upload, _held(ctx, segment), Outcome.QUARANTINED)


def _held(
    ctx: IngestContext, segment: Segment, protections: Sequence[Protection] | None = None
) -> Segment:
    """Footage that arrives inside an evidence hold is preserved before it is indexed,
    and indexed protected, without expiry (TTL never deletes its row). The one read
    of the camera's holds per segment (or the caller's, per batch): the catalog is
    told not to read them again."""
    if protections is None:
        protections = ctx.catalog.list_protections(segment.camera)
    if not is_protected(segment, protections):
        return segment
    kept = preserved(ctx.storage, segment)
    return replace(kept, protected=True, expires_at=None)


def _already_handled(ctx: IngestContext, parsed: ParsedKey, key: str) -> IngestResult:
    existing = ctx.catalog.get_segment(parsed.camera, parsed.start, parsed.variant or "")
    if existing is not None:
        return IngestResult(Outcome.DUPLICATE, key, f"already {existing.status}", existing)
    return IngestResult(Outcome.SKIPPED, key, "object no longer exists")


def _same_object(existing: Segment, head: ObjectInfo) -> bool:
    sha = head.metadata.get(META_SHA256)
    if sha:
        return existing.sha256 == sha
    return existing.source_etag is not None and existing.source_etag == head.etag


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
