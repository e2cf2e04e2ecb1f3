"""Evidence holds: recorded in the index, and the objects moved out of lifecycle's reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.keys import build_evidence_key, build_segment_key, build_thumbnail_key
from footage.models import Protection, Segment
from footage.services.evidence import protect
from tests.unit.fakes import FakeStorage

T0 = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


def _world(tmp_path, storage: FakeStorage) -> SqliteCatalog:
    catalog = SqliteCatalog(tmp_path / "i.sqlite3")
    catalog.initialize()
    for minute in range(5):
        start = T0 + timedelta(minutes=minute)
        key, thumb = (
            build_segment_key("HO", "lobby", start, retention_days=180),
            build_thumbnail_key("HO", "lobby", start, retention_days=180),
        )
        storage.put_bytes(key, b"v")
        storage.put_bytes(thumb, b"j")
        catalog.put_segment(Segment("lobby", "HO", start, start + timedelta(minutes=1), 1, "0" * 64,
                                    key, thumbnail_key=thumb))  # fmt: skip
    return catalog


HOLD = Protection("lobby", T0 + timedelta(minutes=1), T0 + timedelta(minutes=3), "case 9")


def test_hold_moves_only_the_range_and_rows_follow(tmp_path):
    storage = FakeStorage(evidence_moves=True)
    catalog = _world(tmp_path, storage)
    assert protect(catalog, storage, HOLD) == 2
    rows = catalog.query_camera("lobby", T0, T0 + timedelta(minutes=5))
    held = [r for r in rows if r.start in {T0 + timedelta(minutes=m) for m in (1, 2)}]
    assert all(r.key.startswith("evidence/segments/") for r in held)
    assert all((r.thumbnail_key or "").startswith("evidence/thumbnails/") for r in held)
    for row in rows:
        assert all(k in storage.objects for k in row.all_keys)  # every row reads its objects
    assert sum(k.startswith("evidence/") for k in storage.objects) == 4
    assert catalog.list_protections("lobby") == [HOLD]
    assert protect(catalog, storage, HOLD) == 2  # again: nothing moves twice
    assert sum(k.startswith("evidence/") for k in storage.objects) == 4


def test_stores_without_lifecycle_keep_objects_in_place(tmp_path):
    storage = FakeStorage()
    catalog = _world(tmp_path, storage)
    before = set(storage.objects)
    assert protect(catalog, storage, HOLD) == 2
    assert set(storage.objects) == before


def test_evidence_keys_round_trip_and_refuse_other_keys():
    key = build_segment_key("HO", "lobby", T0, retention_days=180)
    assert build_evidence_key(key) == f"evidence/{key}"
    assert build_evidence_key(build_evidence_key(key)) == f"evidence/{key}"
    from footage.errors import KeyFormatError
    from footage.keys import parse_evidence_key, parse_key

    assert parse_evidence_key(build_evidence_key(key)) == parse_key(key)
    with pytest.raises(KeyFormatError):
        build_evidence_key("config/secret.yaml")
