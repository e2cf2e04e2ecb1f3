"""Evidence holds keep the signed manifests covering the held range: copied under
evidence/ and held where lifecycle rules expire by prefix (S3), held in place
elsewhere; released only when no other hold covers them; a held range verifies
against storage past its retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.sqlite_audit import SqliteAuditLog
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.errors import ObjectHeld
from footage.models import Protection
from footage.services.evidence import EvidenceDesk, Requester, hold_id, place_hold, release_hold
from footage.services.evidence_export import EvidenceSources
from footage.services.manifest_find import find_manifests, manifest_days
from footage.services.verify_range import verify_range
from tests.support.signed_site import RETENTION, SignedSite, public_key, record_site
from tests.unit.fakes import FakeStorage

T0 = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=400)  # past every retention
ADMIN = Requester("boss", True, "10.0.0.9")
SOURCES = EvidenceSources((public_key(T0 - timedelta(days=1)),), (RETENTION,))
#: lobby 12-14 min: manifest 1 only (records of minutes 10-19)
LOBBY = Protection("lobby", T0 + timedelta(minutes=12), T0 + timedelta(minutes=14), "case 1")
#: door 5-15 min: manifests 0 and 1
DOOR = Protection("door", T0 + timedelta(minutes=5), T0 + timedelta(minutes=15), "case 2")


def _world(tmp_path: Path, storage: FakeStorage) -> tuple[EvidenceDesk, SignedSite]:
    tmp_path.mkdir(exist_ok=True)
    catalog = SqliteCatalog(tmp_path / "i.sqlite3")
    catalog.initialize()
    site = record_site(storage, catalog, "HO", ("lobby", "door"), T0, 30, 10)
    audit = SqliteAuditLog(tmp_path / "audit.sqlite3")
    audit.initialize()
    return EvidenceDesk(catalog, storage, audit, NOW, {"HO": (RETENTION,)}), site


def _files(manifest: str) -> list[str]:
    return [manifest, manifest.removesuffix(".json") + ".sig"]


def _lifecycle(storage: FakeStorage) -> None:
    """What the classes' expiration rules do: everything unheld under their prefixes."""
    for key in [k for k in storage.objects if k.startswith(("segments/", "manifests/"))]:
        if key not in storage.held:
            storage.delete(key)


def _verify(storage: FakeStorage, hold: Protection) -> list[tuple[str, str]]:
    report = verify_range(storage, SOURCES, "HO", hold.camera, hold.start, hold.end, NOW.date())
    return [(p.code, p.subject) for p in report.problems]


def test_s3_a_hold_copies_and_holds_its_manifests_which_verify_past_retention(
    tmp_path: Path,
) -> None:
    storage = FakeStorage(evidence_moves=True)
    desk, site = _world(tmp_path, storage)
    outcome = place_hold(desk, ADMIN, LOBBY, "HO")
    held = [f"evidence/{f}" for f in _files(site.manifests[1])]
    assert outcome.manifests == 2 and sorted(storage.held) == sorted(
        [*held, *(f"evidence/{k}" for k in site.segments["lobby"][12:14])]
    )
    assert all(k in storage.objects for k in _files(site.manifests[1]))  # copied, not moved
    assert not any(k.startswith("evidence/manifests/") and k not in held for k in storage.objects)
    (event,) = desk.audit.query(NOW - timedelta(days=1), NOW + timedelta(days=1), 10)
    assert event.detail == "reason: case 1; segments: 2; manifest files: 2"
    with pytest.raises(ObjectHeld):
        storage.delete(held[0])

    _lifecycle(storage)
    assert not any(k.startswith("manifests/") for k in storage.objects)
    assert _verify(storage, LOBBY) == []
    unheld = FakeStorage(evidence_moves=True)
    _world(tmp_path / "unheld", unheld)
    _lifecycle(unheld)
    assert ("no_manifest", "lobby") in _verify(unheld, LOBBY)  # expired with its class


def test_a_release_keeps_the_manifests_another_hold_covers(tmp_path: Path) -> None:
    storage = FakeStorage(evidence_moves=True)
    desk, site = _world(tmp_path, storage)
    place_hold(desk, ADMIN, LOBBY, "HO")
    assert place_hold(desk, ADMIN, DOOR, "HO").manifests == 4  # manifests 0 and 1
    assert release_hold(desk, ADMIN, hold_id(DOOR), "HO", RETENTION).manifests == 2
    copies = sorted(k for k in storage.objects if k.startswith("evidence/manifests/"))
    assert copies == sorted(f"evidence/{f}" for f in _files(site.manifests[1]))  # lobby's
    assert all(k in storage.held for k in copies)
    assert release_hold(desk, ADMIN, hold_id(LOBBY), "HO", RETENTION).manifests == 2
    assert not any(k.startswith("evidence/manifests/") for k in storage.objects)
    assert not storage.held
    assert all(k in storage.objects for m in site.manifests for k in _files(m))  # originals


def test_nas_holds_manifests_in_place(tmp_path: Path) -> None:
    storage = FakeStorage()
    desk, site = _world(tmp_path, storage)
    place_hold(desk, ADMIN, DOOR, "HO")
    expected = [f for m in site.manifests[:2] for f in _files(m)]
    assert sorted(k for k in storage.held if k.startswith("manifests/")) == sorted(expected)
    with pytest.raises(ObjectHeld):
        storage.delete(expected[0])
    assert not any(k.startswith("evidence/") for k in storage.objects)
    assert _verify(storage, DOOR) == []
    assert release_hold(desk, ADMIN, hold_id(DOOR), "HO", RETENTION).manifests == 4
    assert not storage.held and all(k in storage.objects for k in expected)


def test_holding_again_after_a_crash_finishes_the_job(tmp_path: Path) -> None:
    """The .json copied and held, the .sig not yet: the reader takes each file from
    where it is, and placing the hold again copies and holds the rest."""
    storage = FakeStorage(evidence_moves=True)
    desk, site = _world(tmp_path, storage)
    json_key, sig_key = _files(site.manifests[1])
    storage.hold(storage.preserve(json_key, copy=True))
    (found,) = [m for m in find_manifests(storage, "HO", (RETENTION,),
                manifest_days(LOBBY.start, LOBBY.end, NOW.date())) if m.key.endswith(
                json_key.rsplit("/", 1)[-1])]  # fmt: skip
    assert found.files == (f"evidence/{json_key}", sig_key) and found.signature is not None
    place_hold(desk, ADMIN, LOBBY, "HO")
    place_hold(desk, ADMIN, LOBBY, "HO")  # idempotent
    assert {f"evidence/{json_key}", f"evidence/{sig_key}"} <= storage.held
    assert storage.objects[f"evidence/{sig_key}"] == storage.objects[sig_key]
