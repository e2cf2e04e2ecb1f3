"""Upload finished segments from the spool: hash, put, verify, then forget.

For each due journal row (RECORDED or READY: edge_uploader.lifecycle): claim it
(UPLOADING), SHA-256 the file (kept in the journal), put it under its
deterministic key with metadata, read the object's size and checksum back,
then in one journal transaction mark it UPLOADED and queue its ingest, and only
then delete the spool file. Failures go back to READY and are retried after an
exponential backoff with jitter. When fewer rows are due than workers, the
compressor's WAITING footage may go up as recorded (lifecycle.send_as_recorded).

Segments are write-once: the put asks the store to refuse an existing key. A
refused put whose key already holds this very file (a crash after the put,
before the journal) is done; otherwise (a reader-less edge cannot tell, or other
footage holds the key) the file goes under its variant key, named by its
SHA-256, and ingest keeps it apart or drops it as a duplicate. Nothing that is
stored is ever replaced, and nothing recorded is lost.

When the cloud ingests, a described segment's tile joins its window's thumbnail
sprite (edge_uploader.sprites) before its put; after each round of footage the
sprites' work runs, and a sprite goes only in a round with no footage due.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from edge_uploader.budget import LinkMeters
from edge_uploader.chain import Manifests
from edge_uploader.describe import description_metadata
from edge_uploader.journal import Journal
from edge_uploader.lifecycle import (
    SegmentRow,
    SegmentState,
    expired,
    held_at,
    idle_workers,
    send_as_recorded,
)
from edge_uploader.sprites import Sprites
from footage.backoff import jittered_delay
from footage.bandwidth import TokenBucket
from footage.clock import Clock
from footage.config import IngestMode, UploaderConfig, UploadOrder
from footage.description import META_SPRITE, description_of
from footage.errors import FootageError, ObjectExists, StorageError
from footage.keys import (
    DEFAULT_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    build_upload_key,
    format_stamp,
    variant_of,
)
from footage.media.ops import sha256_file
from footage.media.probe import probe_file
from footage.models import ObjectInfo
from footage.storage import (
    META_CAMERA,
    META_PROFILE,
    META_SHA256,
    META_SITE,
    META_START,
    ProgressCallback,
    Storage,
)

log = logging.getLogger(__name__)
S = SegmentState


@dataclass(frozen=True, slots=True)
class UploadPolicy:
    workers: int = 2
    retry_initial_s: float = 2.0
    retry_max_s: float = 300.0
    oldest_first: bool = True
    queue_ingest: bool = True  # False when the cloud indexes uploads (S3 notifications)
    #: per camera: older footage is not worth sending (lifecycle.expired)
    retention: Mapping[str, timedelta] = field(default_factory=dict)
    #: describe each recording in its metadata, so ingest needs no download (describe.py)
    describe: bool = False

    def retention_class(self, camera: str) -> int:
        """The retention class a camera's uploads go under (footage.keys): its
        configured retention now (whole days, as the config gives it), else the
        default one (a camera removed from the config with footage left in the spool)."""
        retention = self.retention.get(camera)
        if retention is None:
            return DEFAULT_RETENTION_DAYS
        return max(MIN_RETENTION_DAYS, math.ceil(retention / timedelta(days=1)))


def upload_policy(
    config: UploaderConfig,
    retry_max_s: float | None = None,
    retention: Mapping[str, timedelta] | None = None,
) -> UploadPolicy:
    return UploadPolicy(
        config.workers,
        config.retry_initial_s,
        config.retry_max_s if retry_max_s is None else min(config.retry_max_s, retry_max_s),
        oldest_first=config.order is UploadOrder.OLDEST_FIRST,
        queue_ingest=config.ingest is IngestMode.LOCAL,
        retention=retention or {},
        describe=config.ingest is IngestMode.CLOUD,  # the NAS worker makes thumbnails
    )


@dataclass(frozen=True, slots=True)
class Uplink:
    """Each site's link: the cap all its uploads share, and what they put on the
    wire (shared with the compressor, which learns the link's rate from it)."""

    budgets: Mapping[str, TokenBucket] = field(default_factory=dict)
    meters: LinkMeters = field(default_factory=LinkMeters)


class VerificationError(FootageError):
    """The stored object does not match the spool file."""


class Uploader:
    def __init__(
        self,
        journal: Journal,
        storage: Storage,
        clock: Clock,
        policy: UploadPolicy,
        rng: random.Random | None = None,
        link: Uplink | None = None,
        sprites: Sprites | None = None,
        manifests: Manifests | None = None,
    ) -> None:
        self.journal = journal
        self.storage = storage
        self.clock = clock
        self.policy = policy
        self.rng = rng or random.Random()
        self.link = link or Uplink()
        #: thumbnail sprites of described segments (cloud ingest), sent after footage
        self.sprites = sprites
        #: the chain of custody's signed manifests, sent after footage
        self.manifests = manifests
        self.expired = 0
        self.uploaded = 0
        self.uploaded_bytes = 0
        self.last_error: str | None = None

    def tick(self) -> int:
        """Upload every due segment (in parallel up to ``workers``), then the sprites'
        work (sent only if no footage was due: footage first); return how many."""
        due = self.journal.uploads.due(self.clock.now(), 64, self.policy.oldest_first)
        spare = idle_workers(len(due), self.policy.workers)
        if spare:
            # Nothing (or too little) is ready and the compressor is far behind: rather
            # than let the link idle, send as recorded what it would reach last.
            cameras = self.sends_as_recorded()
            if cameras:
                due += self.journal.uploads.waiting(spare, not self.policy.oldest_first, cameras)
        done = self._upload_all(due)
        if self.manifests is not None:  # after the footage they vouch for, before sprites
            self.manifests.tick()  # not counted: tick() counts footage and sprites
        if self.sprites is not None:
            done += self.sprites.tick(len(due), self.link)
        return done

    def _upload_all(self, due: list[SegmentRow]) -> int:
        if self.policy.workers == 1 or len(due) <= 1:
            return sum(self.upload_one(item) for item in due)
        with ThreadPoolExecutor(self.policy.workers, thread_name_prefix="upload") as pool:
            return sum(pool.map(self.upload_one, due))

    def sends_as_recorded(self) -> frozenset[str]:
        """Cameras whose WAITING footage goes up as recorded when the link would idle
        (lifecycle.send_as_recorded, by the compressor's plan in the journal)."""
        plan = self.journal.plan.current()
        waiting = {}
        for site in plan.sites:
            cameras = held_at(site, plan)
            if cameras and not site.overflowing:
                _, count, size = self.journal.stats.compression_backlog(cameras)
                waiting[site.site] = (count, size)
        return send_as_recorded(plan, waiting)

    def run(self, stop: threading.Event, idle_s: float = 1.0) -> None:
        while not stop.is_set():
            if self.tick() == 0:
                stop.wait(idle_s)

    def upload_one(self, item: SegmentRow) -> bool:
        ctx = {"camera": item.camera, "site": item.site, "key": str(item.path.name)}
        uploads = self.journal.uploads
        claimed = uploads.claim_for_upload(item.path)
        if claimed is None:
            return False  # the compressor took it first: it comes back smaller
        item = claimed
        if not item.source.exists():
            log.error("spool file vanished before upload", extra=ctx)
            uploads.close_row(item.path, S.LOST, "file vanished", self.clock.now())
            return False
        key = build_upload_key(item.site, item.camera, item.start, item.path.name,
                               retention_days=self.policy.retention_class(item.camera))  # fmt: skip
        ctx["key"] = key
        now = self.clock.now()
        if expired(item, self.policy.retention.get(item.camera), now):
            # Retention would delete it on arrival: do not spend the uplink on it.
            uploads.close_row(item.path, S.EXPIRED, "older than retention", now)
            for path in item.files:
                path.unlink(missing_ok=True)
            self.expired += 1
            log.warning("not uploaded: older than the camera's retention", extra=ctx)
            return False
        try:
            key, described = self._transfer(item, key)
        except (FootageError, OSError) as exc:
            self._failed(item, exc, ctx)
            return False
        uploads.mark_uploaded(item.path, key, self.clock.now(), end=segment_end(item),
                              queue_ingest=self.policy.queue_ingest,
                              described=described)  # fmt: skip
        for path in item.files:
            path.unlink(missing_ok=True)
        self.uploaded += 1
        self.uploaded_bytes += item.size
        self.last_error = None
        log.info("uploaded %d bytes", item.size, extra=ctx)
        return True

    def _failed(self, item: SegmentRow, exc: Exception, ctx: dict[str, str]) -> None:
        """Back to READY, retried after an exponential, jittered delay."""
        delay = jittered_delay(
            item.attempts + 1, self.policy.retry_initial_s, self.policy.retry_max_s, self.rng
        )
        self.last_error = str(exc)
        self.journal.uploads.mark_failed(
            item.path, str(exc), self.clock.now() + timedelta(seconds=delay)
        )
        log.warning("upload failed (retry in %.0f s): %s", delay, exc, extra=ctx)

    def _transfer(self, item: SegmentRow, key: str) -> tuple[str, dict[str, str]]:
        """Put the segment write-once and verify it; return the key it went to and
        its description (empty: it went up undescribed)."""
        size = item.source.stat().st_size
        digest = item.sha256
        if digest is None or size != item.size:
            digest = sha256_file(item.source)
            self.journal.uploads.record_hash(item.path, size, digest)
        metadata = {
            META_SHA256: digest,
            META_CAMERA: item.camera,
            META_SITE: item.site,
            META_START: format_stamp(item.start),
            META_PROFILE: item.profile or "copy",
            **self.journal.uploads.upload_metadata(
                item.path
            ),  # the folder watcher's (supersedes...)
        }
        if self.policy.describe:
            metadata |= self._described(item, digest, metadata)
        bucket, meter = self.link.budgets.get(item.site), self.link.meters[item.site]

        def progress(amount: int) -> None:
            meter.add(amount)
            if bucket is not None:
                bucket.consume(amount)

        with meter.sending():
            key, put = self._put_or_variant(key, item, metadata, progress)
        if put is not None:
            self._verify(put, key, size, digest)
        return key, description_of(metadata)

    def _described(self, item: SegmentRow, digest: str, metadata: dict[str, str]) -> dict[str, str]:
        """The segment's description; ``sprite=1`` once its tile is in its window's
        sprite (edge_uploader.sprites), so its row points only at a sprite that goes up."""
        described = description_metadata(
            item.source, site=item.site, camera=item.camera, start=item.start,
            sha256=digest, extra=metadata,
        )  # fmt: skip
        days = self.policy.retention_class(item.camera)
        if described and self.sprites is not None and self.sprites.tile_for(item, days):
            described[META_SPRITE] = "1"
        return described

    def _put_or_variant(
        self, key: str, item: SegmentRow, metadata: dict[str, str], progress: ProgressCallback
    ) -> tuple[str, ObjectInfo | None]:
        """The key the file went to, and the put's answer (None: it was there already)."""
        digest = metadata[META_SHA256]
        try:
            return key, self._put_once(key, item, metadata, progress)
        except ObjectExists:
            if self._already_stored(key, item.source.stat().st_size, digest):
                return key, None  # sent before a crash, but not journalled as done
        key = build_upload_key(item.site, item.camera, item.start, item.path.name,
                               variant_of(digest),
                               retention_days=self.policy.retention_class(item.camera))  # fmt: skip
        log.warning("key taken by other footage: sent apart as %s", key,
                    extra={"camera": item.camera, "site": item.site, "key": key})  # fmt: skip
        try:
            return key, self._put_once(key, item, metadata, progress)
        except ObjectExists:
            return key, None  # a variant is named by its content: this one is ours

    def _put_once(
        self, key: str, item: SegmentRow, metadata: dict[str, str], progress: ProgressCallback
    ) -> ObjectInfo:
        """Segments are write-once: the store refuses to replace one (ObjectExists)."""
        return self.storage.put_file(
            key, item.source, metadata, progress=progress,
            sessions=self.journal.sessions,  # a large upload resumes after a crash
            if_absent=True,
        )  # fmt: skip

    def _already_stored(self, key: str, size: int, digest: str) -> bool:
        """Whether the object at ``key`` is this very file. An edge that may not read
        (AWS, GCS: write-only credentials) cannot tell, and sends a variant."""
        try:
            stored = self.storage.head(key)
        except StorageError:
            return False
        return (
            stored is not None
            and stored.size == size
            and (stored.metadata.get(META_SHA256) == digest)
        )

    def _verify(self, put: ObjectInfo, key: str, size: int, digest: str) -> None:
        if put.checksum_verified and put.size == size:
            return  # the store refused any byte that did not match our SHA-256
        stored = self.storage.head(key)
        if stored is None:
            raise VerificationError(f"{key} is missing right after upload")
        if stored.size != size or stored.metadata.get(META_SHA256) != digest:
            raise VerificationError(
                f"{key} verification failed: size {stored.size}/{size}, "
                f"sha256 {stored.metadata.get(META_SHA256)}/{digest}"
            )


def segment_end(item: SegmentRow) -> datetime | None:
    """The segment's end for its chain record (its start plus the duration a probe
    reads); None when the file cannot be probed (the record then ends at its start)."""
    try:
        return item.start + timedelta(seconds=probe_file(item.source, timeout_s=20).duration_s)
    except (FootageError, OSError, ValueError):
        return None
