"""Evidence holds: recorded in the index, objects moved out of lifecycle's reach and
held by the store; released only by an admin; every step audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from footage.adapters.sqlite_audit import SqliteAuditLog
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.audit import AuditAction
from footage.errors import HoldRefused, KeyFormatError, NotFound, ObjectHeld
from footage.keys import build_evidence_key, build_segment_key, build_thumbnail_key
from footage.models import Protection, Segment
from footage.services.evidence import (
    EvidenceDesk,
    Requester,
    hold_id,
    parse_hold_id,
    place_hold,
    protect,
    release_hold,
)
from tests.unit.fakes import FakeStorage

T0 = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=400)  # every segment is past its 180 days
ADMIN = Requester("boss", True, "10.0.0.9")
VIEWER = Requester("kasir", False, "10.0.0.7")


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


def _desk(tmp_path, storage: FakeStorage) -> EvidenceDesk:
    audit = SqliteAuditLog(tmp_path / "audit.sqlite3")
    audit.initialize()
    return EvidenceDesk(_world(tmp_path, storage), storage, audit, NOW, {"HO": (30,)})


def _events(desk: EvidenceDesk):
    return desk.audit.query(NOW - timedelta(days=1), NOW + timedelta(days=1), 10)


def test_hold_moves_only_the_range_holds_it_and_rows_follow(tmp_path):
    storage = FakeStorage(evidence_moves=True)
    catalog = _world(tmp_path, storage)
    outcome = protect(catalog, storage, HOLD)
    assert (outcome.segments, outcome.objects) == (2, 4)
    rows = catalog.query_camera("lobby", T0, T0 + timedelta(minutes=5))
    held = [r for r in rows if r.start in {T0 + timedelta(minutes=m) for m in (1, 2)}]
    assert all(r.key.startswith("evidence/segments/") for r in held)
    assert all((r.thumbnail_key or "").startswith("evidence/thumbnails/") for r in held)
    for row in rows:
        assert all(k in storage.objects for k in row.all_keys)  # every row reads its objects
    assert storage.held == {k for r in held for k in r.all_keys}
    assert catalog.list_protections("lobby") == [HOLD]
    assert protect(catalog, storage, HOLD).segments == 2  # again: nothing moves twice
    assert sum(k.startswith("evidence/") for k in storage.objects) == 4
    with pytest.raises(ObjectHeld):
        storage.delete(held[0].key)


def test_stores_without_lifecycle_hold_objects_in_place(tmp_path):
    storage = FakeStorage()
    catalog = _world(tmp_path, storage)
    before = set(storage.objects)
    assert protect(catalog, storage, HOLD).segments == 2
    assert set(storage.objects) == before
    assert len(storage.held) == 4 and storage.held <= before


def test_a_viewer_can_neither_hold_nor_release_and_each_refusal_is_audited(tmp_path):
    storage = FakeStorage()
    desk = _desk(tmp_path, storage)
    with pytest.raises(HoldRefused):
        place_hold(desk, VIEWER, HOLD, "HO")
    assert desk.catalog.list_protections() == [] and storage.held == set()
    place_hold(desk, ADMIN, HOLD, "HO")
    with pytest.raises(HoldRefused):
        release_hold(desk, VIEWER, hold_id(HOLD), "HO", 180)
    assert desk.catalog.list_protections() == [HOLD] and len(storage.held) == 4
    actions = [(e.username, e.action) for e in reversed(_events(desk))]
    assert actions == [("kasir", AuditAction.HOLD_REFUSED), ("boss", AuditAction.HOLD),
                       ("kasir", AuditAction.RELEASE_REFUSED)]  # fmt: skip


def test_admin_places_and_releases_audited_then_retention_may_delete(tmp_path):
    storage = FakeStorage()
    desk = _desk(tmp_path, storage)
    placed = place_hold(desk, ADMIN, HOLD, "HO")
    assert all(r.protected and r.expires_at is None
               for r in desk.catalog.query_camera("lobby", HOLD.start, HOLD.end))  # fmt: skip
    released = release_hold(desk, ADMIN, placed.id, "HO", 180)
    assert (released.segments, released.objects) == (2, 4)
    assert storage.held == set() and desk.catalog.list_protections() == []
    rows = desk.catalog.query_camera("lobby", HOLD.start, HOLD.end)
    assert [r.expires_at for r in rows] == [r.end + timedelta(days=180) for r in rows]
    assert not any(r.protected for r in rows)
    assert desk.catalog.list_expired(NOW, 10) == rows  # the sweep may take them now
    release, hold = _events(desk)
    assert (release.action, release.username, release.client) == (AuditAction.RELEASE, "boss",
                                                                   "10.0.0.9")  # fmt: skip
    assert (release.start, release.end, release.camera, release.site) == (
        HOLD.start, HOLD.end, "lobby", "HO")  # fmt: skip
    assert hold.detail == release.detail == "reason: case 9; segments: 2"
    with pytest.raises(NotFound):
        release_hold(desk, ADMIN, placed.id, "HO", 180)


def test_release_keeps_what_another_hold_covers(tmp_path):
    storage = FakeStorage()
    desk = _desk(tmp_path, storage)
    place_hold(desk, ADMIN, HOLD, "HO")
    wider = Protection("lobby", T0 + timedelta(minutes=2), T0 + timedelta(minutes=4), "case 10")
    place_hold(desk, ADMIN, wider, "HO")
    assert release_hold(desk, ADMIN, hold_id(HOLD), "HO", 180).segments == 1
    kept = desk.catalog.get_segment("lobby", T0 + timedelta(minutes=2))
    assert kept is not None and kept.protected and storage.is_held(kept.key)
    assert desk.catalog.list_protections() == [wider]


@pytest.mark.parametrize(
    "text",
    ["lobby", "lobby.1.x", "lob.by.1.2", "../x.1.2", "lobby.5.5", "lobby.9.1", "a.1." + "9" * 16],
)
def test_hold_ids_round_trip_and_refuse_anything_else(text):
    assert parse_hold_id(hold_id(HOLD)) == (HOLD.camera, HOLD.start, HOLD.end)
    with pytest.raises(KeyFormatError):
        parse_hold_id(text)


def test_evidence_keys_round_trip_and_refuse_other_keys():
    key = build_segment_key("HO", "lobby", T0, retention_days=180)
    assert build_evidence_key(key) == f"evidence/{key}"
    assert build_evidence_key(build_evidence_key(key)) == f"evidence/{key}"
    from footage.keys import parse_evidence_key, parse_key

    assert parse_evidence_key(build_evidence_key(key)) == parse_key(key)
    with pytest.raises(KeyFormatError):
        build_evidence_key("config/secret.yaml")
