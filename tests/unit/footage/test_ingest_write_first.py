"""footage.services.ingest: a described segment is written first, read only on a lost
condition (its event again: a duplicate; another object in the slot: kept apart)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime

from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.clock import SystemClock
from footage.description import SegmentDescription, to_metadata
from footage.models import ObjectInfo, SegmentStatus
from footage.services.ingest import IngestContext, Outcome, ingest_object
from footage.services.ingest_types import CameraPolicy
from footage.storage import META_SHA256
from tests.unit.fakes import FakeStorage

START = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
KEY = "segments/HO/lobby/2026/12/05/lobby_20261205T093000Z.mp4"


class VouchingStorage(FakeStorage):
    """As S3 with ChecksumSHA256: the HEAD says which SHA-256 the store checked."""

    def head(self, key: str) -> ObjectInfo | None:
        info = super().head(key)
        return info and replace(info, stored_sha256=info.metadata.get(META_SHA256))


class CountingCatalog(SqliteCatalog):
    reads = 0

    def get_segment(self, camera, start, variant=""):  # type: ignore[no-untyped-def]
        self.reads += 1
        return super().get_segment(camera, start, variant)


def _put(storage: FakeStorage, data: bytes) -> None:
    sha = hashlib.sha256(data).hexdigest()
    described = SegmentDescription(
        site="HO", camera="lobby", start=START, duration_ms=60_000, codec="h264", width=1280,
        height=720, fps=15.0, size=len(data), init_size=100, sha256=sha,
    )  # fmt: skip
    storage.put_bytes(KEY, data, {META_SHA256: sha, **to_metadata(described)})


def test_a_described_segment_is_written_without_reading_first(tmp_path):
    storage, catalog = VouchingStorage(), CountingCatalog(tmp_path / "i.sqlite3")
    catalog.initialize()
    ctx = IngestContext(storage, catalog, SystemClock(), {"lobby": CameraPolicy(30, site="HO")})
    _put(storage, b"a" * 4000)
    assert ingest_object(ctx, KEY).outcome is Outcome.INDEXED
    assert catalog.reads == 0
    again = ingest_object(ctx, KEY)  # the same event twice: one row
    assert (again.outcome, again.reason, catalog.reads) == (Outcome.DUPLICATE, "already indexed", 1)
    _put(storage, b"b" * 4000)  # other footage under the same key: kept apart, never over it
    other = ingest_object(ctx, KEY)
    assert other.outcome is Outcome.CONFLICT and other.segment is not None
    assert other.segment.status is SegmentStatus.CONFLICT
    row = catalog.get_segment("lobby", START)
    assert row is not None and row.sha256 == hashlib.sha256(b"a" * 4000).hexdigest()
