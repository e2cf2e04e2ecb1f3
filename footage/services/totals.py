"""Camera totals kept from the catalog's change stream (DynamoDB Streams in AWS).

A segment row is written alone (one PutItem); its camera's totals follow from
the table's stream: every insert, change and removal of a row (DynamoDB TTL's
deletions too, which no code of ours sees) is a :class:`RowChange`. A batch is
aggregated per camera (:func:`aggregate`, pure) and applied with one write per
camera (:class:`TotalsStore`).

Lambda delivers a stream batch at least once. A camera's records come in order
from one shard, so the store records the sequence number of the last record it
applied, and applies a camera's delta only if that is below the delta's first
record. A redelivered batch is then skipped camera by camera; a batch that
overlaps what was applied (after a split on error) is cut at the stored number
(:func:`apply_changes`). Exactly once, per camera.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from footage.models import Totals

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RowChange:
    """What one stream record changes in its camera's totals (signed)."""

    camera: str
    site: str
    seq: str  # the stream's sequence number, zero-padded: string order is stream order
    segments: int
    bytes: int
    seconds: float
    by_ttl: bool = False  # a removal by DynamoDB's TTL


@dataclass(frozen=True, slots=True)
class CameraDelta:
    camera: str
    site: str
    first_seq: str
    last_seq: str
    records: int
    totals: Totals


class TotalsStore(Protocol):
    def apply(self, delta: CameraDelta) -> bool:
        """Add ``delta`` and bump the revision by its records, unless a record at or
        after ``delta.first_seq`` was applied already. False if it was not applied."""

    def applied_seq(self, camera: str) -> str | None:
        """The sequence number of the last record applied to ``camera``'s totals."""


@dataclass(slots=True)
class TotalsReport:
    records: int = 0
    cameras: int = 0
    writes: int = 0
    by_ttl: int = 0
    skipped: int = 0  # records applied before (a redelivered batch)


def aggregate(changes: Iterable[RowChange]) -> list[CameraDelta]:
    """One delta per camera, in the order cameras first appear."""
    by_camera: dict[str, list[RowChange]] = {}
    for change in changes:
        by_camera.setdefault(change.camera, []).append(change)
    return [_delta(rows) for rows in by_camera.values()]


def _delta(rows: Sequence[RowChange]) -> CameraDelta:
    ordered = sorted(rows, key=lambda r: r.seq)
    return CameraDelta(
        camera=ordered[0].camera,
        site=ordered[-1].site,
        first_seq=ordered[0].seq,
        last_seq=ordered[-1].seq,
        records=len(ordered),
        totals=Totals(
            sum(r.segments for r in ordered),
            sum(r.bytes for r in ordered),
            sum(r.seconds for r in ordered),
        ),
    )


def apply_changes(store: TotalsStore, changes: Sequence[RowChange]) -> TotalsReport:
    """Apply a stream batch: one write per camera (two for a camera whose records
    were partly applied before)."""
    report = TotalsReport(records=len(changes), by_ttl=sum(c.by_ttl for c in changes))
    for delta in aggregate(changes):
        report.cameras += 1
        report.writes += 1
        if store.apply(delta):
            continue
        done = store.applied_seq(delta.camera) or ""
        rest = [c for c in changes if c.camera == delta.camera and c.seq > done]
        report.skipped += delta.records - len(rest)
        if rest:
            report.writes += 1
            if not store.apply(aggregate(rest)[0]):
                raise RuntimeError(f"totals of {delta.camera} changed during the batch")
    log.info(
        "totals: %d records (%d by TTL), %d cameras, %d writes, %d already applied",
        report.records, report.by_ttl, report.cameras, report.writes, report.skipped,
    )  # fmt: skip
    return report
