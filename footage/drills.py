"""Restore drills: what one run checked, and the small port that keeps the runs.

A drill fetches sampled segments back from storage (footage.services.drill) and
records one :class:`DrillRun` per run: each segment checked, with its outcome.
The runs of the last :data:`FRACTION_WINDOW` give "the fraction of the archive
verified per month": distinct segments that passed / segments in the archive.
Runs are kept :data:`DRILL_RETENTION` (SQLite on-prem, DynamoDB items in AWS).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from footage.errors import CatalogError

FRACTION_WINDOW = timedelta(days=30)
DRILL_RETENTION = timedelta(days=60)


class Outcome(StrEnum):
    OK = "ok"
    MISSING = "missing"  # the object is not in storage
    HASH_MISMATCH = "hash_mismatch"  # its bytes differ from the index row's SHA-256
    CHAIN_MISMATCH = "chain_mismatch"  # the signed chain record names other bytes
    UNDECODABLE = "undecodable"  # ffmpeg could not decode it
    ERROR = "error"  # storage or ffmpeg failed: the drill could not tell


@dataclass(frozen=True, slots=True)
class DrillCheck:
    camera: str
    site: str
    start: datetime
    key: str
    age_days: int
    outcome: Outcome
    reason: str = ""
    chain: bool = False  # the segment's chain record was found and compared

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


@dataclass(frozen=True, slots=True)
class DrillRun:
    at: datetime
    checks: tuple[DrillCheck, ...]
    archive_segments: int  # segments in the index when the run began
    bytes_read: int = 0

    @property
    def failed(self) -> list[DrillCheck]:
        return [c for c in self.checks if not c.ok]

    def to_json(self) -> str:
        checks = [asdict(c) | {"start": c.start.isoformat()} for c in self.checks]
        return json.dumps({"at": self.at.isoformat(), "archive_segments": self.archive_segments,
                           "bytes_read": self.bytes_read, "checks": checks})  # fmt: skip


def run_from_json(text: str) -> DrillRun:
    try:
        obj = json.loads(text)
        checks = tuple(
            DrillCheck(c["camera"], c["site"], datetime.fromisoformat(c["start"]), c["key"],
                       int(c["age_days"]), Outcome(c["outcome"]), c["reason"], bool(c["chain"]))
            for c in obj["checks"]
        )  # fmt: skip
        return DrillRun(datetime.fromisoformat(obj["at"]), checks, int(obj["archive_segments"]),
                        int(obj["bytes_read"]))  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"not a drill run: {exc}") from exc


def fraction_verified(runs: Iterable[DrillRun], archive_segments: int) -> float:
    """Distinct segments that passed in ``runs`` / segments in the archive (0..1)."""
    passed = {(c.camera, c.start) for run in runs for c in run.checks if c.ok}
    return min(1.0, len(passed) / archive_segments) if archive_segments else 0.0


class DrillLog(ABC):
    """Where drill runs are kept (small on purpose: one write per run)."""

    @abstractmethod
    def initialize(self) -> None:
        """Create what storage the log needs (idempotent)."""

    @abstractmethod
    def record(self, run: DrillRun) -> None: ...

    @abstractmethod
    def runs_since(self, since: datetime) -> list[DrillRun]:
        """Runs at or after ``since``, newest first."""


@dataclass(frozen=True, slots=True)
class DrillStatus:
    """What ``vms status`` and ``/api/status`` say about the drills."""

    last_at: datetime | None
    sampled: int
    failed: tuple[DrillCheck, ...]
    fraction_verified_30d: float
    archive_segments: int


def drill_status(drills: DrillLog, now: datetime) -> DrillStatus:
    runs = drills.runs_since(now - FRACTION_WINDOW)
    if not runs:
        return DrillStatus(None, 0, (), 0.0, 0)
    last = runs[0]
    fraction = fraction_verified(runs, last.archive_segments)
    return DrillStatus(last.at, len(last.checks), tuple(last.failed), fraction,
                       last.archive_segments)  # fmt: skip
