"""footage.services.ingest_manifest: a site manifest's described segments are indexed
without touching their objects; what disagrees takes the object's own ingest; a missing
manifest is skipped, a failing store is retried (raised), not dropped."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.chain import RecordKind, append, genesis, segment_fields
from footage.clock import SystemClock
from footage.description import SegmentDescription, to_metadata
from footage.errors import StorageError
from footage.keys import build_manifest_key, build_segment_key, chain_object_name
from footage.manifest import Stored, build_manifest
from footage.models import SegmentStatus
from footage.services.ingest_manifest import ingest_announced, ingest_manifest
from footage.services.ingest_types import CameraPolicy, IngestContext, Outcome
from footage.storage import META_SHA256
from tests.unit.fakes import FakeStorage

START = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
ISSUED = START + timedelta(minutes=10)
SIG = build_manifest_key("HO", ISSUED, retention_days=30, extension="sig")


class Failing(FakeStorage):
    def read_range(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        raise StorageError("SlowDown: the store is throttling")


def _context(tmp_path, storage: FakeStorage) -> IngestContext:
    catalog = SqliteCatalog(tmp_path / "i.sqlite3")
    catalog.initialize()
    policies = {"lobby": CameraPolicy(30, site="HO")}
    return IngestContext(storage, catalog, SystemClock(), policies, tmp_path)


def _send(storage: FakeStorage, minutes: int, *, claimed_size: int | None = None) -> list[str]:
    """The edge's segments and its manifest (.json, then .sig) of them."""
    head, records, index, keys = genesis("HO", "lobby", START, "k1"), [], [], []
    records.append(head)
    for minute in range(minutes):
        start, data = START + timedelta(minutes=minute), f"minute {minute}".encode() * 100
        sha, key = hashlib.sha256(data).hexdigest(), build_segment_key(
            "HO", "lobby", start, retention_days=30)  # fmt: skip
        described = SegmentDescription(
            site="HO", camera="lobby", start=start, duration_ms=60_000, codec="h264",
            width=1280, height=720, fps=15.0, size=claimed_size or len(data), init_size=100,
            sha256=sha,
        )  # fmt: skip
        storage.put_bytes(key, data, {META_SHA256: sha, **to_metadata(described)})
        end = start + timedelta(minutes=1)
        fields = segment_fields(start, end, sha, len(data), chain_object_name(key))
        record = append(records[-1], RecordKind.SEGMENT, fields)
        records.append(record)
        index.append(Stored("lobby", record.seq, key, to_metadata(described)))
        keys.append(key)
    manifest = build_manifest("HO", 0, "0" * 64, "k1", ISSUED, records, index)
    storage.put_bytes(SIG[: -len("sig")] + "json", manifest.canonical(), {})
    storage.put_bytes(SIG, b"\0" * 64, {})
    return keys


def test_a_manifest_indexes_its_described_segments_without_a_head(tmp_path) -> None:
    storage = FakeStorage()
    ctx = _context(tmp_path, storage)
    keys = _send(storage, 3)

    results = ingest_announced(ctx, SIG)

    assert [r.outcome for r in results] == [Outcome.INDEXED] * 3
    assert storage.head_calls == 0
    rows = ctx.catalog.query_camera("lobby", START, START + timedelta(hours=1))
    assert [r.key for r in rows] == keys and all(r.status is SegmentStatus.OK for r in rows)
    # the same announcement again (SQS delivers at least once): nothing new
    assert {r.outcome for r in ingest_manifest(ctx, SIG)} == {Outcome.DUPLICATE}


def test_a_description_that_disagrees_with_its_record_takes_the_objects_own_ingest(
    tmp_path,
) -> None:
    storage = FakeStorage()
    ctx = _context(tmp_path, storage)
    _send(storage, 1, claimed_size=5)  # the description claims 5 bytes, the record more

    (result,) = ingest_manifest(ctx, SIG)

    assert storage.head_calls >= 1, "the object itself was not looked at"
    assert result.key.startswith("segments/") and result.outcome is not Outcome.SKIPPED


def test_a_missing_manifest_is_skipped_and_a_failing_store_is_retried(tmp_path) -> None:
    storage = FakeStorage()
    ctx = _context(tmp_path, storage)
    (missing,) = ingest_manifest(ctx, SIG)
    assert missing.outcome is Outcome.SKIPPED and "not a manifest" in missing.reason

    _send(storage, 1)
    failing = Failing(objects=storage.objects)
    with pytest.raises(StorageError, match="SlowDown"):
        ingest_manifest(_context(tmp_path / "b", failing), SIG)
    tsr = ingest_manifest(ctx, SIG[: -len("sig")] + "tsr")
    assert [r.outcome for r in tsr] == [Outcome.SKIPPED]
