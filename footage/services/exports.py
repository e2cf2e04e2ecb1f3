"""Clip exports: one MP4 of a camera over a range, by stream copy.

A job is a JSON object in the storage next to its output (``exports/<id>/``),
so it works the same on a NAS folder, S3 and GCS, and the web viewer polls it.
The range is cut into parts of at most :data:`PART_SPAN` of footage. Each part
downloads its segments, joins them with ffmpeg's concat demuxer and trims the
ends (``inpoint``/``outpoint``: exact to the keyframe, as stream copy allows),
then is stored. When every part is done they are joined (stream copy again,
``+faststart`` so players start at once). A worker that must stop between
parts (a Lambda near its timeout) leaves the job ``running``; calling
:func:`run_export` again continues with the first missing part.
Gaps are not padded: the file holds the recorded footage in order. What it
lacks is said instead: the job carries the covered and missing intervals (each
with its reason) from the moment it is queued, and the finished clip gets a
JSON sidecar beside it (footage.services.export_files), downloadable on its own.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from footage.catalog import Catalog
from footage.config import ExportQuota
from footage.coverage import Coverage, range_coverage
from footage.errors import (
    ExportNotFound,
    FootageError,
    KeyFormatError,
    NoFootage,
    ObjectNotFound,
)
from footage.keys import EXPORTS_PREFIX, build_export_key, parse_export_key, validate_export_id
from footage.media.ops import concat_copy, sha256_file
from footage.media.probe import probe_file
from footage.models import Segment
from footage.services.evidence_export import SourcesOf, package_export
from footage.services.export_files import (
    ClipFile,
    SidecarFacts,
    download_name,
    sidecar_json,
    sidecar_name,
    stored_name,
)
from footage.services.export_job import ExportJob as ExportJob  # re-exported: the job's
from footage.services.export_job import ExportStatus as ExportStatus  # home before
from footage.services.export_quota import ExportUse, refusal
from footage.services.playback import playable_timeline
from footage.storage import Storage

log = logging.getLogger(__name__)
MAX_EXPORT_RANGE = timedelta(hours=2)
PART_SPAN = timedelta(minutes=15)
DOWNLOAD_TTL = timedelta(minutes=15)
#: Exports are kept this long, then deleted (lifecycle rule / the retention job).
EXPORT_LIFETIME = timedelta(days=1)
_JOB = "job.json"
#: Job files read at once when listing jobs (quota counts, resuming).
READ_WORKERS = 16


class ExportStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def save(self, job: ExportJob) -> None:
        key = build_export_key(job.id, _JOB)
        self.storage.put_bytes(key, job.to_json(), content_type="application/json")

    def load(self, export_id: str) -> ExportJob:
        try:
            return ExportJob.from_json(
                self.storage.read_range(build_export_key(validate_export_id(export_id), _JOB))
            )
        except (ObjectNotFound, ValueError) as exc:
            raise ExportNotFound(f"no export {export_id!r}") from exc

    def discard(self, job: ExportJob) -> None:
        """Forget a job that was refused (its job file is all there is)."""
        self.storage.delete(build_export_key(job.id, _JOB))

    def download_url(self, job: ExportJob) -> str | None:
        if job.status is not ExportStatus.DONE or job.file_name is None:
            return None
        key = build_export_key(job.id, job.file_name)
        return self.storage.presign(key, DOWNLOAD_TTL,
                                    download_name=job.download_name or job.file_name)  # fmt: skip

    def package_url(self, job: ExportJob) -> str | None:
        """The evidence package's short-lived link, once it is written."""
        if job.status is not ExportStatus.DONE or job.package is None:
            return None
        key = build_export_key(job.id, job.package)
        return self.storage.presign(key, DOWNLOAD_TTL, download_name=job.package)

    def sidecar_url(self, job: ExportJob) -> str | None:
        """The sidecar's own short-lived link, saved as the clip's name with .json."""
        if job.status is not ExportStatus.DONE or job.sidecar is None:
            return None
        name = sidecar_name(job.download_name or job.file_name or job.sidecar)
        return self.storage.presign(build_export_key(job.id, job.sidecar), DOWNLOAD_TTL,
                                    download_name=name)  # fmt: skip


def stored_jobs(store: ExportStore) -> list[ExportJob]:
    """Every job in the storage: one listing of ``exports/`` (jobs are kept a day)
    and one read per job, :data:`READ_WORKERS` at a time (on S3 or GCS each read
    is a round trip). A job deleted meanwhile (expired, refused) is skipped."""
    ids = []
    for obj in store.storage.list(EXPORTS_PREFIX):
        try:
            export_id, name = parse_export_key(obj.key)
        except KeyFormatError:
            continue
        if name == _JOB:
            ids.append(export_id)
    if not ids:
        return []
    with ThreadPoolExecutor(min(READ_WORKERS, len(ids)), "export-jobs") as pool:
        return [job for job in pool.map(partial(_load_if_there, store), ids) if job]


def _load_if_there(store: ExportStore, export_id: str) -> ExportJob | None:
    try:
        return store.load(export_id)
    except ExportNotFound:
        return None


def pending_exports(store: ExportStore, now: datetime) -> list[ExportJob]:
    """Jobs of the last :data:`EXPORT_LIFETIME` a worker never finished (to resume)."""
    pending = [
        job
        for job in stored_jobs(store)
        if _unfinished(job) and now - job.created_at < EXPORT_LIFETIME
    ]
    return sorted(pending, key=lambda job: job.created_at)


def _unfinished(job: ExportJob) -> bool:
    return job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)


def expire_exports(store: ExportStore, now: datetime, *, dry_run: bool = False) -> int:
    """Delete the files of exports older than :data:`EXPORT_LIFETIME`, and files no
    readable job accounts for (leftovers). The API does it after each export; the
    retention sweep does it too, so exports expire while the API is down (S3 also
    has a lifecycle rule for ``exports/``). Returns how many objects went (dry: would)."""
    created: dict[str, datetime | None] = {}  # each job is read once
    removed = 0
    for obj in list(store.storage.list(EXPORTS_PREFIX)):
        try:
            export_id, _ = parse_export_key(obj.key)
        except KeyFormatError:
            export_id = None
        if export_id is not None and export_id not in created:
            job = _load_if_there(store, export_id)
            created[export_id] = job.created_at if job else None
        when = created.get(export_id) if export_id is not None else None
        if when is None or now - when >= EXPORT_LIFETIME:
            removed += 1 if dry_run else store.storage.delete(obj.key)
    return removed


def create_export(
    store: ExportStore,
    catalog: Catalog,
    camera: str,
    site: str,
    start: datetime,
    end: datetime,
    created_by: str,
    now: datetime,
    quota: ExportQuota | None = None,
    *,
    timezone: str = "UTC",
    evidence: bool = False,
) -> ExportJob:
    """Check the range, that footage exists and the user's ``quota`` (QuotaExceeded),
    and queue the job (with what the range covers and lacks). ``timezone`` is the
    site's: the names people see are in its time; ``evidence``: also package it."""
    start, end = _checked_range(start, end)
    rows, segments = _footage(catalog, camera, start, end)
    if not segments:
        raise NoFootage(f"no playable footage of {camera} between {start} and {end}")
    parts = _plan(segments, start, end)
    job = ExportJob(
        id=uuid.uuid4().hex, camera=camera, site=site, start=start, end=end,
        created_by=created_by, created_at=now, parts_total=len(parts),
        segments_total=len(segments), file_name=stored_name(camera, start, end),
        timezone=timezone, download_name=download_name(camera, start, end, timezone),
        evidence=evidence,
    ).with_coverage(range_coverage(rows, start, end))  # fmt: skip
    if quota is not None:
        _admit(store, job, quota, now, saved=False)  # over already: refused, nothing written
    store.save(job)
    if quota is not None:
        _admit(store, job, quota, now, saved=True)  # counted again with racing requests
    return job


def _footage(
    catalog: Catalog, camera: str, start: datetime, end: datetime
) -> tuple[list[Segment], list[Segment]]:
    """Every row of the range (what does not play explains the gaps) and what plays."""
    rows = catalog.query_camera(camera, start, end, include_quarantined=True)
    return rows, playable_timeline(rows)


def _checked_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end need a time zone")
    if end <= start:
        raise ValueError("end must be after start")
    if end - start > MAX_EXPORT_RANGE:
        hours = MAX_EXPORT_RANGE.total_seconds() / 3600
        raise ValueError(f"an export spans at most {hours:g} hours")
    return start.astimezone(UTC), end.astimezone(UTC)


def _admit(
    store: ExportStore, job: ExportJob, quota: ExportQuota, now: datetime, *, saved: bool
) -> None:
    """Count ``job`` with the user's other recent jobs (footage.services.export_quota);
    a refused job that was ``saved`` is deleted."""
    mine = [_use(j) for j in stored_jobs(store) if j.created_by == job.created_by]
    refused = refusal(mine, _use(job), quota, now)
    if refused is not None:
        if saved:
            store.discard(job)
        raise refused


def _use(job: ExportJob) -> ExportUse:
    return ExportUse(job.id, job.created_at, job.end - job.start, _unfinished(job),
                     job.status is ExportStatus.FAILED)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Cut:
    segment: Segment
    inpoint: float | None  # seconds into the segment
    outpoint: float | None


def run_export(
    store: ExportStore,
    catalog: Catalog,
    export_id: str,
    workdir: Path,
    now: Callable[[], datetime],
    should_pause: Callable[[], bool] = lambda: False,
    evidence: SourcesOf | None = None,
) -> ExportJob:
    """Work on the job until it is done or failed, or ``should_pause`` says stop
    (checked between parts; the job is then left ``running`` to be continued).
    An evidence export is packaged once its clip is done (``evidence``: the site's
    keys and classes; footage.services.evidence_export)."""
    job = store.load(export_id)
    if job.status in (ExportStatus.DONE, ExportStatus.FAILED):
        return job
    scratch = workdir / f"export-{job.id}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        if job.sidecar is None:  # the clip is not done yet
            job = _work(store, catalog, job, scratch, should_pause)
        if job.evidence and job.sidecar is not None and job.package is None:
            job = package_export(store.storage, catalog, job, evidence, workdir, now(), store.save)
    except FootageError as exc:
        log.warning("export failed: %s", exc, extra={"camera": job.camera, "site": job.site})
        job = replace(job, status=ExportStatus.FAILED, error=str(exc), finished_at=now())
        store.save(job)
        return job
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if job.status is ExportStatus.DONE:
        job = replace(job, finished_at=now())
        store.save(job)
    return job


def _work(
    store: ExportStore,
    catalog: Catalog,
    job: ExportJob,
    scratch: Path,
    should_pause: Callable[[], bool],
) -> ExportJob:
    rows, segments = _footage(catalog, job.camera, job.start, job.end)
    parts = _plan(segments, job.start, job.end)
    if not parts:
        raise NoFootage("the footage of this range was deleted")
    job = replace(job, status=ExportStatus.RUNNING, parts_total=len(parts),
                  segments_total=len(segments))  # fmt: skip
    job = job.with_coverage(range_coverage(rows, job.start, job.end))  # as it is now
    store.save(job)
    first = job.parts_done
    for number in range(first, len(parts)):
        if number > first and should_pause():
            return job
        done_before = sum(len(part) for part in parts[:number])
        job = _cut_part(store, replace(job, segments_done=done_before), number, parts[number],
                        scratch)  # fmt: skip
    if len(parts) > first and should_pause():
        return job
    return _join(store, job, scratch, [cut.segment for part in parts for cut in part])


def _cut_part(
    store: ExportStore, job: ExportJob, number: int, cuts: Sequence[_Cut], scratch: Path
) -> ExportJob:
    inputs: list[tuple[Path, float | None, float | None]] = []
    for cut in cuts:
        local = scratch / f"in-{len(inputs):04d}.mp4"
        try:
            store.storage.download(cut.segment.key, local)
        except ObjectNotFound as exc:
            raise NoFootage(f"{cut.segment.key} is no longer stored (deleted?)") from exc
        inputs.append((local, cut.inpoint, cut.outpoint))
        job = replace(job, segments_done=job.segments_done + 1)
        store.save(job)
    out = scratch / f"part-{number:04d}.mp4"
    concat_copy(inputs, out, scratch / "parts.ffconcat", faststart=False)
    name = out.name
    store.storage.put_file(build_export_key(job.id, name), out)
    for local, _, _ in inputs:
        local.unlink()
    out.unlink()
    job = replace(job, parts_done=number + 1, part_files=(*job.part_files, name))
    store.save(job)
    return job


def _join(
    store: ExportStore, job: ExportJob, scratch: Path, segments: Sequence[Segment]
) -> ExportJob:
    assert job.file_name is not None
    result = scratch / job.file_name
    parts: list[tuple[Path, float | None, float | None]] = []
    for name in job.part_files:
        local = scratch / name
        store.storage.download(build_export_key(job.id, name), local)
        parts.append((local, None, None))
    concat_copy(parts, result, scratch / "join.ffconcat", faststart=True)
    info = probe_file(result)
    stored = store.storage.put_file(build_export_key(job.id, job.file_name), result)
    clip = ClipFile(job.download_name or job.file_name, sha256_file(result), stored.size,
                    info.duration_s)  # fmt: skip
    _put_sidecar(store, job, segments, clip)
    for name in job.part_files:
        store.storage.delete(build_export_key(job.id, name))
    return replace(job, status=ExportStatus.DONE, size_bytes=stored.size, part_files=(),
                   duration_s=info.duration_s, sidecar=sidecar_name(job.file_name))  # fmt: skip


def _put_sidecar(
    store: ExportStore, job: ExportJob, segments: Sequence[Segment], clip: ClipFile
) -> None:
    facts = SidecarFacts(job.id, job.camera, job.site, job.timezone, job.start, job.end,
                         job.created_by, job.created_at)  # fmt: skip
    coverage = Coverage(list(job.covered), list(job.missing))
    store.storage.put_bytes(build_export_key(job.id, sidecar_name(job.file_name or "")),
                            sidecar_json(facts, coverage, segments, clip),
                            content_type="application/json")  # fmt: skip


def _plan(segments: Sequence[Segment], start: datetime, end: datetime) -> list[list[_Cut]]:
    """The cuts of each part: whole segments, the first and last trimmed to the range."""
    parts: list[list[_Cut]] = []
    part_start: datetime | None = None
    for segment in segments:
        if segment.end <= start or segment.start >= end:
            continue
        inpoint = (start - segment.start).total_seconds() if segment.start < start else None
        outpoint = (end - segment.start).total_seconds() if segment.end > end else None
        if part_start is None or segment.start - part_start >= PART_SPAN:
            parts.append([])
            part_start = segment.start
        parts[-1].append(_Cut(segment, inpoint, outpoint))
    return parts
