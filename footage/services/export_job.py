"""An export job: what was asked, how far it got, and what the range lacks.

A job is a JSON object in the storage next to its output (``exports/<id>/job.json``,
footage.services.exports), so it works the same on a NAS folder, S3 and GCS.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from footage.coverage import Coverage, Gap, GapReason
from footage.models import TimeRange


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ExportJob:
    id: str
    camera: str
    site: str
    start: datetime
    end: datetime
    created_by: str
    created_at: datetime
    status: ExportStatus = ExportStatus.QUEUED
    parts_total: int = 0
    parts_done: int = 0
    segments_total: int = 0
    segments_done: int = 0
    error: str | None = None
    file_name: str | None = None
    size_bytes: int | None = None
    duration_s: float | None = None
    finished_at: datetime | None = None
    part_files: tuple[str, ...] = field(default=())
    #: the site's zone: names and the sidecar read in it (UTC for jobs made before)
    timezone: str = "UTC"
    #: what people download the MP4 as (site time); ``file_name`` is its stored name
    download_name: str | None = None
    #: the sidecar's stored name, once it is written
    sidecar: str | None = None
    covered: tuple[TimeRange, ...] = ()
    missing: tuple[Gap, ...] = ()
    #: export as evidence: the clip, its segments, manifests and keys in one ZIP
    #: (footage.services.evidence_export); ``package`` is its stored name once written
    evidence: bool = False
    package: str | None = None
    #: segments put into the package so far (progress)
    packed: int = 0

    @property
    def progress(self) -> float:
        if self.status is ExportStatus.DONE:
            return 1.0
        # downloading and cutting segments is most of the work; the final join the rest
        work = self.segments_total * (2 if self.evidence else 1) + self.parts_total
        done = self.segments_done + self.parts_done + self.packed
        return 0.0 if work == 0 else min(0.99, done / work)

    @property
    def missing_s(self) -> float:
        return sum((g.duration for g in self.missing), timedelta()).total_seconds()

    def to_json(self) -> bytes:
        raw = asdict(self)
        for name in ("start", "end", "created_at", "finished_at"):
            raw[name] = raw[name].isoformat() if raw[name] else None
        for part in (*raw["covered"], *raw["missing"]):
            part["start"], part["end"] = part["start"].isoformat(), part["end"].isoformat()
        return json.dumps(raw).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ExportJob:
        raw = json.loads(data)
        for name in ("start", "end", "created_at", "finished_at"):
            raw[name] = datetime.fromisoformat(raw[name]) if raw[name] else None
        raw["status"] = ExportStatus(raw["status"])
        raw["part_files"] = tuple(raw["part_files"])
        when = datetime.fromisoformat
        raw["covered"] = tuple(TimeRange(when(r["start"]), when(r["end"]))
                               for r in raw.get("covered", ()))  # fmt: skip
        raw["missing"] = tuple(Gap(when(g["start"]), when(g["end"]), GapReason(g["reason"]),
                                   g["detail"]) for g in raw.get("missing", ()))  # fmt: skip
        return cls(**raw)

    def with_coverage(self, coverage: Coverage) -> ExportJob:
        return replace(self, covered=tuple(coverage.covered), missing=tuple(coverage.missing))
