"""Evidence holds are enforced by the store itself: S3 Object Lock legal holds on
moto, GCS temporary holds on the (strict) emulator, read-only held files on a NAS.

Neither the retention sweep nor a bucket lifecycle removes held footage; held
footage stays playable (a pre-signed GET) and exportable (the export downloads
each segment) past its retention; a release by an admin lets the sweep delete it.
moto runs no lifecycle rules: :func:`_lifecycle_expiry` does what an expiration
rule on ``segments/`` does to a versioned bucket (a delete marker on each current
object, then every noncurrent version deleted).
"""

from __future__ import annotations

import stat
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.aws_local import ServerlessNames, provision
from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.gcs import GcsStorage, make_gcs_client
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.adapters.sqlite_audit import SqliteAuditLog
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.audit import AuditAction
from footage.errors import ObjectHeld
from footage.keys import build_segment_key
from footage.models import Protection, Segment
from footage.services.evidence import EvidenceDesk, Requester, place_hold, release_hold
from footage.services.retention import RetentionJob, run_retention
from footage.storage import Storage

pytestmark = pytest.mark.integration
REGION = "ap-southeast-3"
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=45)  # past the 30-day retention of every segment
ADMIN = Requester("boss", True, "10.0.0.9")
HOLD = Protection("lobby", T0 + timedelta(minutes=1), T0 + timedelta(minutes=3), "case 7", "boss")


def _world(tmp_path: Path, storage: Storage) -> EvidenceDesk:
    """Four one-minute segments of lobby (30 days' retention), indexed."""
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    for minute in range(4):
        start = T0 + timedelta(minutes=minute)
        key = build_segment_key("HO", "lobby", start, retention_days=30)
        storage.put_bytes(key, f"footage {minute}".encode(), content_type="video/mp4")
        end, expires = start + timedelta(minutes=1), start + timedelta(days=30)
        catalog.put_segment(
            Segment("lobby", "HO", start, end, 9, "0" * 64, key, expires_at=expires)
        )
    audit = SqliteAuditLog(tmp_path / "audit.sqlite3")
    audit.initialize()
    return EvidenceDesk(catalog, storage, audit, NOW, {"HO": (30,)})


def _sweep(desk: EvidenceDesk):
    return run_retention(RetentionJob(desk.storage, desk.catalog, {"lobby": 30}), NOW)


def _held_rows(desk: EvidenceDesk) -> list[Segment]:
    return desk.catalog.query_camera("lobby", HOLD.start, HOLD.end)


@pytest.fixture
def s3(moto_server: str) -> S3Storage:
    """A bucket as the data stack makes it (versioned, Object Lock on)."""
    bucket = f"footage-{uuid.uuid4().hex[:12]}"
    provision(ServerlessNames(bucket, f"t-{bucket}", f"q-{bucket}"), moto_server, REGION)
    return S3Storage(make_s3_client(moto_server, REGION), bucket)


def _lifecycle_expiry(store: S3Storage, prefix: str) -> list[str]:
    """Expire every object under ``prefix`` as S3 does in a versioned bucket; the
    versions S3 refused to delete (held) are returned."""
    client, refused = store.client, []
    for item in client.list_objects_v2(Bucket=store.bucket, Prefix=prefix).get("Contents", []):
        client.delete_object(Bucket=store.bucket, Key=item["Key"])  # the delete marker
    listed = client.list_object_versions(Bucket=store.bucket, Prefix=prefix)
    for version in listed.get("Versions", []):
        answer = client.delete_objects(Bucket=store.bucket, Delete={"Objects": [
            {"Key": version["Key"], "VersionId": version["VersionId"]}]})  # fmt: skip
        refused += [e["Key"] for e in answer.get("Errors", [])]
    return refused


def test_s3_held_footage_outlives_sweep_and_lifecycle_until_an_admin_releases_it(
    s3: S3Storage, tmp_path: Path
) -> None:
    desk = _world(tmp_path, s3)
    place_hold(desk, ADMIN, HOLD, "HO")
    held = _held_rows(desk)
    assert [r.key.startswith("evidence/segments/") for r in held] == [True, True]
    assert all(s3.is_held(r.key) for r in held)
    with pytest.raises(ObjectHeld):
        s3.delete(held[0].key)
    version = s3.client.head_object(Bucket=s3.bucket, Key=held[0].key)["VersionId"]
    with pytest.raises(Exception, match="AccessDenied"):  # not even by version
        s3.client.delete_object(Bucket=s3.bucket, Key=held[0].key, VersionId=version)

    assert _sweep(desk).segments == 2  # the two unheld ones
    assert _lifecycle_expiry(s3, "segments/") == []  # the originals were copies: all go
    assert sorted(_lifecycle_expiry(s3, "evidence/")) == sorted(r.key for r in held)
    # A lifecycle rule over evidence/ (there is none) could only hide the copies
    # behind delete markers: their bytes stay, and a release lifts every held version.
    release_hold(desk, ADMIN, f"lobby.{_ms(HOLD.start)}.{_ms(HOLD.end)}", "HO", 30)
    assert _lifecycle_expiry(s3, "evidence/") == []


def test_s3_held_footage_plays_and_exports_past_retention(s3: S3Storage, tmp_path: Path) -> None:
    desk = _world(tmp_path, s3)
    place_hold(desk, ADMIN, HOLD, "HO")
    _sweep(desk)
    _lifecycle_expiry(s3, "segments/")  # what the class's expiration rule does
    held = _held_rows(desk)
    assert [r.start for r in held] == [HOLD.start, HOLD.start + timedelta(minutes=1)]
    url = s3.presign(held[0].key, timedelta(minutes=5))
    with urllib.request.urlopen(url, timeout=10) as answer:  # moto on loopback
        assert answer.read() == b"footage 1"  # playback
    s3.download(held[1].key, tmp_path / "cut.mp4")  # what an export does with each segment
    assert (tmp_path / "cut.mp4").read_bytes() == b"footage 2"


def test_s3_release_by_admin_lets_the_sweep_delete_and_is_audited(
    s3: S3Storage, tmp_path: Path
) -> None:
    desk = _world(tmp_path, s3)
    placed = place_hold(desk, ADMIN, HOLD, "HO")
    keys = [r.key for r in _held_rows(desk)]
    assert release_hold(desk, ADMIN, placed.id, "HO", 30).objects == 2
    assert not any(s3.is_held(k) for k in keys)
    assert _sweep(desk).segments == 4
    assert all(s3.head(k) is None for k in keys)
    events = desk.audit.query(NOW - timedelta(hours=1), NOW + timedelta(hours=1), 10)
    assert [e.action for e in events] == [AuditAction.RELEASE, AuditAction.HOLD]


def test_gcs_temporary_hold_refuses_deletes_until_released(
    gcs_emulator: str, tmp_path: Path
) -> None:
    client = make_gcs_client(gcs_emulator, "test-project")
    bucket = f"footage-{uuid.uuid4().hex[:12]}"
    client.create_bucket(bucket)
    store = GcsStorage(client, bucket)
    desk = _world(tmp_path, store)
    placed = place_hold(desk, ADMIN, HOLD, "HO")
    held = _held_rows(desk)
    assert [r.key.startswith("segments/") for r in held] == [True, True]  # held in place
    assert all(store.is_held(r.key) for r in held)
    with pytest.raises(ObjectHeld):
        store.delete(held[0].key)  # what a lifecycle Delete action or anyone else meets
    with pytest.raises(ObjectHeld):
        store.put_bytes(held[0].key, b"fake")
    assert _sweep(desk).segments == 2
    assert store.read_range(held[0].key) == b"footage 1"
    release_hold(desk, ADMIN, placed.id, "HO", 30)
    assert _sweep(desk).segments == 2 and store.head(held[0].key) is None


def test_nas_held_files_are_read_only_and_the_sweep_cannot_delete_them(tmp_path: Path) -> None:
    store = FilesystemStorage(tmp_path / "nas", signing_key=b"k" * 32)
    desk = _world(tmp_path, store)
    placed = place_hold(desk, ADMIN, HOLD, "HO")
    held = _held_rows(desk)
    path = store.local_path(held[0].key)
    assert path is not None and stat.S_IMODE(path.stat().st_mode) == 0o444
    # an index that lost the hold (restored from an old backup): the sweep tries, and fails
    desk.catalog.remove_protection(HOLD)
    for row in held:
        desk.catalog.put_segment(row.__class__(**{**_fields(row), "protected": False}))
    report = _sweep(desk)
    assert report.segments == 2 and len(report.errors) == 2
    assert all(store.read_range(r.key) for r in held)
    assert len(desk.catalog.query_camera("lobby", HOLD.start, HOLD.end)) == 2  # rows kept too
    desk.catalog.add_protection(HOLD)
    release_hold(desk, ADMIN, placed.id, "HO", 30)
    assert stat.S_IMODE(path.stat().st_mode) & stat.S_IWUSR
    assert _sweep(desk).segments == 2 and not path.exists()


def _fields(row: Segment) -> dict[str, object]:
    return {name: getattr(row, name) for name in row.__dataclass_fields__}


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
