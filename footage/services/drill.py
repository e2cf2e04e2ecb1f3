"""Restore drills: fetch sampled segments back from storage and prove they still
hold what was recorded (issue 18 item 6).

A run picks ``count`` segments across cameras (so sites) and ages, stratified by
:data:`AGE_BUCKETS` so that old footage (Glacier IR in AWS) is drawn as often as
yesterday's. For each one it GETs the whole object through the Storage port,
compares its SHA-256 with the index row and, when the site's signed manifests
carry the segment's chain record, with that record; then decodes it whole
(``ffmpeg -v error -i F -f null -``). The run is recorded (footage.drills.DrillLog)
and every failure logged with site, camera and key. ``seed`` makes the sample
reproducible (tests); by default it is random.
"""

from __future__ import annotations

import hashlib
import logging
import random
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from footage.catalog import Catalog
from footage.chain import Record, RecordKind
from footage.drills import DrillCheck, DrillLog, DrillRun, Outcome
from footage.errors import (
    ChainFormatError,
    KeyFormatError,
    MediaError,
    ObjectNotFound,
    StorageError,
)
from footage.keys import build_manifest_day_prefix, chain_object_name, parse_manifest_key
from footage.manifest import parse_manifest
from footage.media.commands import FFMPEG
from footage.media.runner import run_tool_stderr
from footage.models import Segment
from footage.services.orphans import CameraScope
from footage.storage import Storage

log = logging.getLogger(__name__)
DEFAULT_COUNT = 50
#: age buckets in days, [lo, hi); the last has no end
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 1), (1, 7), (7, 30), (30, 90), (90, None))
#: a draw looks at a window of a camera's footage this wide, doubled on a miss ...
FIRST_WINDOW = timedelta(hours=6)
#: ... up to this wide (a window's rows are read whole)
WIDEST_WINDOW = timedelta(days=2)
#: draws per wanted segment before the run settles for fewer (an empty bucket)
DRAWS_PER_SEGMENT = 4
#: manifests read after a segment's end to find its record (one per 10 minutes)
MANIFESTS_AFTER = 6
DECODE_TIMEOUT_S = 300.0
#: a run stops fetching when the caller has less time than this left (one more
#: segment's download and decode, and the run's record), so it is recorded
RESERVE_S = 120.0


def decode_command(path: Path) -> list[str]:
    """Decode every stream of ``path`` and throw the frames away; errors on stderr."""
    return [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"]


def decode_file(path: Path) -> None:
    """Raise MediaError unless ffmpeg decodes the whole file without an error."""
    _, errors = run_tool_stderr(decode_command(path), DECODE_TIMEOUT_S)
    if errors.strip():
        raise MediaError(errors.strip().splitlines()[0][:200])


@dataclass(frozen=True)
class DrillJob:
    storage: Storage
    catalog: Catalog
    drills: DrillLog
    cameras: Sequence[CameraScope]
    workdir: Path
    decode: Callable[[Path], None] = decode_file
    #: seconds the caller has left (a Lambda's remaining time); None: no limit
    time_left: Callable[[], float] | None = None

    @property
    def manifest_classes(self) -> Mapping[str, int]:
        """Each site's manifest class: the longest retention of its cameras."""
        classes: dict[str, int] = {}
        for cam in self.cameras:
            classes[cam.site] = max(classes.get(cam.site, 0), cam.retention_days)
        return classes


def run_drill(job: DrillJob, now: datetime, count: int = DEFAULT_COUNT,
              seed: int | None = None) -> DrillRun:  # fmt: skip
    """Sample, fetch, check and decode ``count`` segments; record and return the run."""
    archive = sum(job.catalog.camera_totals(c.camera).segments for c in job.cameras)
    rng = random.Random(seed)
    chains = _Manifests(job.storage, job.manifest_classes)
    checks: list[DrillCheck] = []
    read = 0
    job.workdir.mkdir(parents=True, exist_ok=True)
    for seg in pick_segments(job.catalog, job.cameras, now, count, rng):
        if job.time_left is not None and job.time_left() < RESERVE_S:
            log.warning("restore drill out of time after %d of %d segments", len(checks), count)
            break
        check, size = check_segment(job, chains, seg, now)
        checks.append(check)
        read += size
        if not check.ok:
            log.warning("restore drill failed: %s", check.reason, extra={
                "site": seg.site, "camera": seg.camera, "key": seg.key,
                "outcome": check.outcome.value})  # fmt: skip
    run = DrillRun(now, tuple(checks), archive, read)
    job.drills.record(run)
    return run


def pick_segments(catalog: Catalog, cameras: Sequence[CameraScope], now: datetime, count: int,
                  rng: random.Random) -> list[Segment]:  # fmt: skip
    """Up to ``count`` distinct segments, the draws going round the age buckets."""
    picked: dict[tuple[str, datetime], Segment] = {}
    if not cameras:
        return []
    for draw in range(count * DRAWS_PER_SEGMENT):
        if len(picked) >= count:
            break
        cam = rng.choice(list(cameras))
        lo, hi = AGE_BUCKETS[draw % len(AGE_BUCKETS)]
        if lo >= cam.retention_days:
            continue
        oldest = now - timedelta(days=min(hi or cam.retention_days, cam.retention_days))
        bucket = (oldest, now - timedelta(days=lo))
        seg = _draw(catalog, cam.camera, bucket, rng, picked)
        if seg is not None:
            picked[(seg.camera, seg.start)] = seg
    return list(picked.values())


def _draw(catalog: Catalog, camera: str, bucket: tuple[datetime, datetime], rng: random.Random,
          taken: Mapping[tuple[str, datetime], Segment]) -> Segment | None:  # fmt: skip
    """A random segment of ``camera`` in ``bucket``: a window around a random time,
    widened on a miss; then (sparse footage) the bucket in WIDEST_WINDOW steps
    from there on, wrapping round, so a lone old segment is found too."""
    first, last = bucket
    at = first + (last - first) * rng.random()
    window = FIRST_WINDOW
    while window <= WIDEST_WINDOW:
        if rows := _rows(catalog, camera, max(first, at - window / 2),
                         min(last, at + window / 2), taken):  # fmt: skip
            return rng.choice(rows)
        window *= 2
    for lo in _steps(first, last, at):
        if rows := _rows(catalog, camera, lo, min(last, lo + WIDEST_WINDOW), taken):
            return rng.choice(rows)
    return None


def _steps(first: datetime, last: datetime, at: datetime) -> list[datetime]:
    starts, lo = [], first
    while lo < last:
        starts.append(lo)
        lo += WIDEST_WINDOW
    return [s for s in starts if s + WIDEST_WINDOW > at] + [
        s for s in starts if s + WIDEST_WINDOW <= at
    ]


def _rows(catalog: Catalog, camera: str, start: datetime, end: datetime,
          taken: Mapping[tuple[str, datetime], Segment]) -> list[Segment]:  # fmt: skip
    if end <= start:
        return []
    return [s for s in catalog.query_camera(camera, start, end)
            if (s.camera, s.start) not in taken and start <= s.start < end]  # fmt: skip


def check_segment(job: DrillJob, chains: _Manifests, seg: Segment,
                  now: datetime) -> tuple[DrillCheck, int]:  # fmt: skip
    """One segment fetched whole, hashed, compared and decoded; (check, bytes read)."""
    age = max(0, (now - seg.start).days)

    def result(outcome: Outcome, reason: str = "", chain: bool = False) -> DrillCheck:
        return DrillCheck(seg.camera, seg.site, seg.start, seg.key, age, outcome, reason, chain)

    with tempfile.TemporaryDirectory(dir=job.workdir) as tmp:
        path = Path(tmp) / "segment"
        try:
            job.storage.download(seg.key, path)
        except ObjectNotFound:
            return result(Outcome.MISSING, "not in storage"), 0
        except StorageError as exc:
            return result(Outcome.ERROR, f"storage: {exc}"[:200]), 0
        size, digest = path.stat().st_size, _sha256(path)
        if digest != seg.sha256:
            return result(Outcome.HASH_MISMATCH, f"SHA-256 {digest[:12]} is not the index's "
                          f"{seg.sha256[:12]}"), size  # fmt: skip
        record = chains.record_of(seg)
        if record is not None and record.fields.get("sha256") != digest:
            return result(Outcome.CHAIN_MISMATCH, f"chain record seq {record.seq} names other "
                          "bytes", chain=True), size  # fmt: skip
        try:
            job.decode(path)
        except MediaError as exc:
            return result(Outcome.UNDECODABLE, str(exc)[:200], record is not None), size
    return result(Outcome.OK, chain=record is not None), size


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class _Manifests:
    """A segment's chain record, from the site's manifests issued after it ended
    (listings cached for the run; at most MANIFESTS_AFTER manifests read)."""

    storage: Storage
    classes: Mapping[str, int]
    _listed: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)

    def record_of(self, seg: Segment) -> Record | None:
        try:
            name = chain_object_name(seg.key)
        except KeyFormatError:
            return None
        for key in self._after(seg):
            try:
                manifest = parse_manifest(self.storage.read_range(key))
            except (StorageError, ChainFormatError) as exc:
                log.warning("manifest unreadable in a drill: %s", exc, extra={"key": key})
                continue
            for record in manifest.cameras.get(seg.camera, ()):
                if record.kind is RecordKind.SEGMENT and record.fields.get("object") == name:
                    return record
        return None

    def _after(self, seg: Segment) -> Iterator[str]:
        days = (seg.end.date(), seg.end.date() + timedelta(days=1))
        issued = sorted(m for day in days for m in self._listing(seg.site, day))
        later = [key for at, key in issued if at >= seg.end]
        yield from later[:MANIFESTS_AFTER]

    def _listing(self, site: str, day: date) -> list[tuple[datetime, str]]:
        retention = self.classes.get(site)
        if retention is None:
            return []
        prefix = build_manifest_day_prefix(site, day, retention_days=retention)
        if prefix not in self._listed:
            found = []
            for obj in self.storage.list(prefix):
                try:
                    parsed = parse_manifest_key(obj.key)
                except KeyFormatError:
                    continue
                if parsed.extension == "json":
                    found.append((parsed.issued_at, obj.key))
            self._listed[prefix] = found
        return self._listed[prefix]
