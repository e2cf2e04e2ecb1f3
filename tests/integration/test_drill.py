"""Restore drills on the NAS (filesystem + SQLite) and on moto (S3 + DynamoDB):
healthy segments pass (one checked against its signed chain record), a flipped
byte, an overwritten object and a deleted one are found by the next drill and
reported by drill_status (what vms status and /api/status show)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.adapters.sqlite_drills import SqliteDrillLog
from footage.catalog import Catalog
from footage.chain import RecordKind, append, genesis, segment_fields
from footage.drills import DrillLog, Outcome, drill_status
from footage.keys import KeyKind, build_key, build_manifest_key, chain_object_name
from footage.manifest import build_manifest
from footage.models import Segment
from footage.services.drill import DrillJob, run_drill
from footage.services.orphans import CameraScope
from footage.storage import Storage
from tests.support.media import make_clip

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
AGES = (timedelta(hours=5), timedelta(days=3), timedelta(days=40))  # three age buckets
CAMERA = CameraScope("HO-CAM01", "HO", 90)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=1)


def _archive(storage: Storage, catalog: Catalog, clip: Path) -> list[Segment]:
    """Three segments of different ages; the newest has a chain record in a manifest
    (unsigned here: the signature is vms verify's to check, not the drill's)."""
    digest, size = hashlib.sha256(clip.read_bytes()).hexdigest(), clip.stat().st_size
    segments = []
    for age in AGES:
        start = (NOW - age).replace(microsecond=0)
        key = build_key(KeyKind.SEGMENT, CAMERA.site, CAMERA.camera, start, retention_days=90)
        storage.put_file(key, clip)
        seg = Segment(CAMERA.camera, CAMERA.site, start, start + timedelta(seconds=1), size,
                      digest, key, codec="h264")  # fmt: skip
        catalog.add_segment(seg)
        segments.append(seg)
    newest = segments[0]
    head = genesis(CAMERA.site, CAMERA.camera, newest.start - timedelta(hours=1), "k1")
    record = append(head, RecordKind.SEGMENT, segment_fields(
        newest.start, newest.end, digest, size, chain_object_name(newest.key)))  # fmt: skip
    issued = newest.end + timedelta(minutes=10)
    manifest = build_manifest(CAMERA.site, 0, "0" * 64, "k1", issued, [head, record])
    storage.put_bytes(build_manifest_key(CAMERA.site, issued, retention_days=90),
                      manifest.canonical(), content_type="application/json")  # fmt: skip
    return segments


def _job(storage: Storage, catalog: Catalog, drills: DrillLog, tmp: Path) -> DrillJob:
    drills.initialize()
    return DrillJob(storage, catalog, drills, [CAMERA], tmp / "work")


def test_a_drill_on_the_nas_finds_damage(tmp_path: Path, clip: Path) -> None:
    from footage.adapters.filesystem import FilesystemStorage

    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    segments = _archive(storage, catalog, clip)
    job = _job(storage, catalog, SqliteDrillLog(tmp_path / "drills.sqlite3"), tmp_path)

    first = run_drill(job, NOW, count=3, seed=7)
    assert sorted(c.age_days for c in first.checks) == [0, 3, 40] and not first.failed
    assert [c.chain for c in first.checks if c.age_days == 0] == [True]

    flipped = tmp_path / "nas" / segments[1].key
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.chmod(0o644)
    flipped.write_bytes(bytes(data))
    (tmp_path / "nas" / segments[2].key).unlink()

    second = run_drill(job, NOW + timedelta(days=1), count=3, seed=8)
    outcomes = {c.key: c.outcome for c in second.failed}
    assert outcomes == {segments[1].key: Outcome.HASH_MISMATCH,
                        segments[2].key: Outcome.MISSING}  # fmt: skip
    status = drill_status(job.drills, NOW + timedelta(days=1))
    assert status.sampled == 3 and {c.key for c in status.failed} == set(outcomes)
    assert status.fraction_verified_30d == pytest.approx(1.0)  # each passed once in 30 days


def test_a_drill_on_s3_finds_an_overwritten_object(tmp_path: Path, clip: Path,
                                                   moto_server: str) -> None:  # fmt: skip
    from footage.adapters.aws_local import ServerlessNames, provision
    from footage.adapters.dynamodb_drills import DynamoDrillLog
    from footage.adapters.s3 import S3Storage, make_s3_client
    from tests.support.totals_stream import StreamedCatalog

    suffix = uuid.uuid4().hex[:8]
    names = ServerlessNames(f"footage-{suffix}", f"footage-{suffix}", f"ingest-{suffix}")
    provision(names, moto_server, "us-east-1")
    storage = S3Storage(make_s3_client(moto_server, "us-east-1"), names.bucket)
    catalog = StreamedCatalog(names.table, "us-east-1", moto_server)
    segments = _archive(storage, catalog, clip)
    job = _job(storage, catalog, DynamoDrillLog(names.table, "us-east-1", moto_server), tmp_path)
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_server)
    s3.put_object(Bucket=names.bucket, Key=segments[0].key, Body=b"not the recorded bytes")

    run = run_drill(job, NOW, count=3, seed=7)

    assert [(c.key, c.outcome) for c in run.failed] == [(segments[0].key, Outcome.HASH_MISMATCH)]
    status = drill_status(job.drills, NOW)
    assert status.archive_segments == 3 and status.fraction_verified_30d == pytest.approx(2 / 3)


def test_the_drill_lambda_reports_a_damaged_segment(tmp_path: Path, clip: Path,
                                                   moto_server: str) -> None:  # fmt: skip
    """functions.drill.handler over moto: the run is recorded in the table, counted
    in DrillChecked/DrillFailed (the alarm's metric) and names the segment."""
    import importlib
    import sys

    from footage.adapters.dynamodb_drills import DynamoDrillLog
    from functions.local import LocalContext
    from tests.support.cloud import serverless

    with serverless(moto_server, tmp_path, {CAMERA.camera: (CAMERA.site, 90)}) as cloud:
        segments = _archive(cloud.storage, cloud.catalog, clip)
        (tmp_path / "damaged").write_bytes(b"not the recorded bytes")
        cloud.storage.put_file(segments[1].key, tmp_path / "damaged")
        sys.modules.pop("functions.drill.handler", None)
        drill = importlib.import_module("functions.drill.handler")
        with pytest.raises(ValueError, match="count must be a whole number"):
            drill.handler({"count": "3"}, LocalContext("drill"))
        # a sample of 3 of an archive of 3 (the default 50 would draw 200 times on moto)
        result = drill.handler({"count": 3}, LocalContext("drill", timeout_s=900))
        drills = DynamoDrillLog(cloud.names.table, "us-east-1", moto_server)
        status = drill_status(drills, drill.runtime.clock.now())

    assert result == {"checked": 3, "failed": 1, "bytes_read": result["bytes_read"]}
    assert [(c.key, c.outcome) for c in status.failed] == [
        (segments[1].key, Outcome.HASH_MISMATCH)]  # fmt: skip
