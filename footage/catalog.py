"""The ``Catalog`` port: the footage index (SQLite on-prem, DynamoDB in AWS).

Access patterns it serves (the DynamoDB key design follows them):
- one camera over a time range (playback, coverage and gaps);
- one site over one day (search);
- totals of bytes and hours per camera and per site (DynamoDB: kept by the
  table's stream, so they follow writes after the stream's batching window);
- segments whose retention has expired (sweep), protected ranges (evidence).

Every adapter passes tests/integration/test_catalog_contract.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import datetime

from footage.models import Protection, Segment, Totals


class Catalog(ABC):
    @abstractmethod
    def initialize(self) -> None:
        """Create tables/indexes if missing. Safe to call every start."""

    @abstractmethod
    def put_segment(self, segment: Segment) -> bool:
        """Insert or replace the row of (camera, start, variant). True if it was new.

        Totals are kept in step in the same transaction. Ingest never calls this
        for a new object: it adds (:meth:`add_segment`) and never replaces.
        """

    @abstractmethod
    def add_segment(self, segment: Segment, *, holds_checked: bool = False) -> bool:
        """Insert the row unless one with its (camera, start, variant) exists, atomically
        (two ingests racing for one slot: one wins). True if it was added.

        A row under an evidence hold is stored protected, without expiry. With
        ``holds_checked`` the caller has just read the camera's holds and marked
        ``segment`` protected if one covers it (ingest does, to preserve its objects
        first): an adapter that would read them again for this (DynamoDB: a Query)
        does not."""

    @abstractmethod
    def replace_segment(self, segment: Segment, expected: Segment) -> bool:
        """Replace the row of ``segment``'s identity only if it still holds the object
        of ``expected`` (same key and SHA-256), atomically. True if it was replaced."""

    @abstractmethod
    def get_segment(self, camera: str, start: datetime, variant: str = "") -> Segment | None: ...

    @abstractmethod
    def query_camera(
        self, camera: str, start: datetime, end: datetime, *, include_quarantined: bool = False
    ) -> list[Segment]:
        """Segments of ``camera`` that overlap [start, end), oldest first. Only playable
        ones unless ``include_quarantined``, which adds quarantined rows and the rows
        kept apart (variants, each after the segment of its start)."""

    @abstractmethod
    def query_site(
        self, site: str, start: datetime, end: datetime, *, include_quarantined: bool = False
    ) -> list[Segment]:
        """Segments of every camera of ``site`` starting in [start, end), by start.

        Used for "site + day" with the day's bounds in the site's zone.
        """

    @abstractmethod
    def delete_segment(self, camera: str, start: datetime, variant: str = "") -> bool:
        """Remove the row and subtract it from totals. True if it existed."""

    def delete_segments(self, segments: Iterable[Segment]) -> int:
        """Remove the rows of ``segments`` (gone ones are no error), in as few calls
        as the store allows (DynamoDB: BatchWriteItem, 25 a call). Returns how many
        were asked for."""
        return sum(1 for s in segments if self.delete_segment(*s.identity) or True)

    def rows_starting(self, camera: str, start: datetime, end: datetime) -> list[Segment]:
        """Every row of ``camera`` (kept apart too, whatever its status or expiry) that
        starts in [start, end), by start: the sweep's net compares a camera-day's rows
        with its objects (DynamoDB: one Query of the day's rows, one of those apart)."""
        rows = self.query_camera(camera, start, end, include_quarantined=True)
        return [s for s in rows if start <= s.start < end]

    @abstractmethod
    def latest_segment(self, camera: str) -> Segment | None:
        """The camera's newest playable segment (by start), if any: one key lookup."""

    @abstractmethod
    def camera_revision(self, camera: str) -> int:
        """A number that changes whenever a segment of ``camera`` is written, changed
        or deleted: readers cache per camera on it (the viewer's footage queries)."""

    @abstractmethod
    def camera_totals(self, camera: str) -> Totals: ...

    @abstractmethod
    def site_totals(self, site: str) -> Totals: ...

    @abstractmethod
    def list_expired(self, now: datetime, limit: int) -> list[Segment]:
        """Unprotected rows (variants too) whose ``expires_at`` is at or before ``now``."""

    @abstractmethod
    def list_ending_before(self, camera: str, cutoff: datetime, limit: int) -> list[Segment]:
        """The oldest unprotected rows (variants too) of ``camera`` that end at or
        before ``cutoff``."""

    @abstractmethod
    def add_protection(self, protection: Protection) -> None:
        """Record an evidence hold and mark the overlapping segments protected."""

    @abstractmethod
    def list_protections(self, camera: str | None = None) -> list[Protection]: ...

    @abstractmethod
    def remove_protection(self, protection: Protection) -> bool:
        """Forget the hold of (camera, start, end); True if it existed. The rows it
        marked stay marked: footage.services.evidence.release_hold unmarks those no
        other hold covers."""

    @abstractmethod
    def cameras(self) -> list[str]:
        """Every camera id that has totals (i.e. ever had footage)."""
