"""Ingest reads a camera's evidence holds once per segment (issue 17): the service
checks them (to preserve a held segment's objects first) and the DynamoDB catalog
does not Query them again for the same write. A held segment is indexed protected,
without expiry, so TTL never deletes its row."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from footage.adapters.dynamodb import DynamoCatalog
from footage.clock import SystemClock
from footage.description import SegmentDescription, to_metadata
from footage.models import ObjectInfo, Protection
from footage.services.ingest import IngestContext, Outcome, ingest_object
from footage.services.ingest_types import CameraPolicy
from footage.storage import META_SHA256
from tests.support.cloud import REGION, count_aws_calls
from tests.unit.fakes import FakeStorage

pytestmark = pytest.mark.integration
START = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


class VouchingStorage(FakeStorage):
    """As S3 with ChecksumSHA256: the HEAD says which SHA-256 the store checked."""

    def head(self, key: str) -> ObjectInfo | None:
        info = super().head(key)
        return info and replace(info, stored_sha256=info.metadata.get(META_SHA256))


def _described(storage: FakeStorage, start: datetime) -> str:
    data = start.isoformat().encode() * 200
    sha = hashlib.sha256(data).hexdigest()
    key = f"segments/HO/lobby/{start:%Y/%m/%d}/lobby_{start:%Y%m%dT%H%M%S}Z.mp4"
    described = SegmentDescription(
        site="HO", camera="lobby", start=start, duration_ms=60_000, codec="h264", width=1280,
        height=720, fps=15.0, size=len(data), init_size=100, sha256=sha,
    )  # fmt: skip
    storage.put_bytes(key, data, {META_SHA256: sha, **to_metadata(described)})
    return key


def test_a_described_segment_costs_one_holds_query_and_a_held_one_has_no_expiry(
    moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = DynamoCatalog(f"holds-{uuid.uuid4().hex[:8]}", REGION, moto_server)
    catalog.initialize()
    held = Protection("lobby", START + timedelta(minutes=1), START + timedelta(minutes=2), "x")
    catalog.add_protection(held)
    storage = VouchingStorage()
    ctx = IngestContext(storage, catalog, SystemClock(), {"lobby": CameraPolicy(30, site="HO")})
    keys = [_described(storage, START + timedelta(minutes=m)) for m in (0, 1)]
    calls = count_aws_calls(monkeypatch)
    assert ingest_object(ctx, keys[0]).outcome is Outcome.INDEXED
    assert (calls["Query"], calls["PutItem"]) == (1, 1), calls  # the holds, the row

    assert ingest_object(ctx, keys[1]).outcome is Outcome.INDEXED
    assert calls["Query"] == 2, calls
    row = catalog.get_segment("lobby", START + timedelta(minutes=1))
    assert row is not None and row.protected and row.expires_at is None
    free = catalog.get_segment("lobby", START)
    assert free is not None and not free.protected and free.expires_at is not None
