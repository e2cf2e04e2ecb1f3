"""A held range keeps its signed manifests and still verifies past its retention,
on a NAS (held in place, read-only) and on S3 (moto: copies under evidence/ with an
Object Lock legal hold, while lifecycle expiry takes the originals).

moto runs no lifecycle rules: :func:`_expire` does what the classes' expiration
rules do to a versioned bucket (a delete marker on each current object, then every
noncurrent version deleted).
"""

from __future__ import annotations

import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.aws_local import ServerlessNames, provision
from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.adapters.sqlite_audit import SqliteAuditLog
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.errors import ObjectHeld
from footage.models import Protection
from footage.services.evidence import EvidenceDesk, Requester, hold_id, place_hold, release_hold
from footage.services.evidence_export import EvidenceSources
from footage.services.retention import RetentionJob, run_retention
from footage.services.verify_range import verify_range
from footage.storage import Storage
from tests.support.signed_site import RETENTION, SignedSite, public_key, record_site

pytestmark = pytest.mark.integration
REGION = "ap-southeast-3"
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=45)  # past the 30-day retention
ADMIN = Requester("boss", True, "10.0.0.9")
SOURCES = EvidenceSources((public_key(T0 - timedelta(days=1)),), (RETENTION,))
#: minutes 3-5 of lobby: the second manifest (minutes 3-5 of both cameras)
HOLD = Protection("lobby", T0 + timedelta(minutes=3), T0 + timedelta(minutes=5), "case 7")


def _world(tmp_path: Path, storage: Storage) -> tuple[EvidenceDesk, SignedSite]:
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    site = record_site(storage, catalog, "HO", ("lobby", "door"), T0, 9, 3)
    audit = SqliteAuditLog(tmp_path / "audit.sqlite3")
    audit.initialize()
    return EvidenceDesk(catalog, storage, audit, NOW, {"HO": (RETENTION,)}), site


def _problems(storage: Storage) -> list[tuple[str, str]]:
    report = verify_range(storage, SOURCES, "HO", "lobby", HOLD.start, HOLD.end, NOW.date())
    return [(p.code, p.subject) for p in report.problems]


def _sweep(desk: EvidenceDesk) -> int:
    job = RetentionJob(desk.storage, desk.catalog, {"lobby": RETENTION, "door": RETENTION})
    return run_retention(job, NOW).segments


def _sig(manifest: str) -> str:
    return manifest.removesuffix(".json") + ".sig"


def test_nas_held_manifests_are_read_only_and_the_range_verifies_past_retention(
    tmp_path: Path,
) -> None:
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    desk, site = _world(tmp_path, storage)
    assert place_hold(desk, ADMIN, HOLD, "HO").manifests == 2
    held = [site.manifests[1], _sig(site.manifests[1])]
    for key in held:
        assert storage.is_held(key)
        assert not stat.S_IMODE((storage.root / key).stat().st_mode) & 0o222
        with pytest.raises(ObjectHeld):
            storage.delete(key)
    assert _sweep(desk) == 2 * 9 - 2  # all but the two held segments
    assert _problems(storage) == []
    release_hold(desk, ADMIN, hold_id(HOLD), "HO", RETENTION)
    assert not any(storage.is_held(key) for key in held)


@pytest.fixture
def s3(moto_server: str) -> S3Storage:
    """A bucket as the data stack makes it (versioned, Object Lock on)."""
    bucket = f"footage-{uuid.uuid4().hex[:12]}"
    provision(ServerlessNames(bucket, f"t-{bucket}", f"q-{bucket}"), moto_server, REGION)
    return S3Storage(make_s3_client(moto_server, REGION), bucket)


def _expire(store: S3Storage, prefix: str) -> list[str]:
    """Expire every object under ``prefix`` as S3 does in a versioned bucket; the
    keys of the versions S3 refused to delete (legally held) are returned."""
    client, refused = store.client, []
    for item in client.list_objects_v2(Bucket=store.bucket, Prefix=prefix).get("Contents", []):
        client.delete_object(Bucket=store.bucket, Key=item["Key"])
    for version in client.list_object_versions(Bucket=store.bucket, Prefix=prefix).get(
        "Versions", []
    ):
        answer = client.delete_objects(Bucket=store.bucket, Delete={"Objects": [
            {"Key": version["Key"], "VersionId": version["VersionId"]}]})  # fmt: skip
        refused += [e["Key"] for e in answer.get("Errors", [])]
    return refused


def test_s3_held_manifests_survive_lifecycle_expiry_and_the_range_verifies(
    s3: S3Storage, tmp_path: Path
) -> None:
    desk, site = _world(tmp_path, s3)
    place_hold(desk, ADMIN, HOLD, "HO")
    copies = sorted(f"evidence/{k}" for k in (site.manifests[1], _sig(site.manifests[1])))
    assert sorted(o.key for o in s3.list("evidence/manifests/")) == copies
    assert all(s3.is_held(key) for key in copies)

    _sweep(desk)
    assert _expire(s3, "manifests/") == [] and _expire(s3, "segments/") == []  # originals go
    assert list(s3.list("manifests/")) == [] and list(s3.list("segments/")) == []
    for key in copies:  # no rule covers evidence/; nobody deletes a held version either
        with pytest.raises(ObjectHeld):
            s3.delete(key)
    assert _problems(s3) == []

    assert release_hold(desk, ADMIN, hold_id(HOLD), "HO", RETENTION).manifests == 2
    assert list(s3.list("evidence/manifests/")) == []  # the copies go with the hold
    assert ("no_manifest", "lobby") in _problems(s3)
