"""Overwriting footage that is indexed, at the store itself.

The attacker holds a site's edge credentials (a stolen box): write access to
its own ``segments/<SITE>/`` and nothing else. Replacing a segment there would
swap evidence for a fake (ingest keeps the index, but playback and exports read
the object) or, with garbage, erase it. The store must refuse any write over an
existing segment, whoever sends it and however:

* S3: the bucket policy the deployment ships (synthesized by CDK here) denies a
  segment PUT without ``If-None-Match``; with it S3 answers 412. moto evaluates
  no bucket policy, so tests/support/policy_gate evaluates the shipped one in
  front of it.
* GCS: ``ifGenerationMatch=0`` (the emulator gains GCS's semantics for it).
* A NAS folder: a segment file is published by a hard link, never renamed over.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.gcs import GcsStorage, make_gcs_client
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.errors import ObjectExists
from footage.keys import build_segment_key
from footage.storage import META_SHA256, Storage
from tests.support.policy_gate import moto_behind_policy, shipped_footage_policy

pytestmark = pytest.mark.integration
BUCKET = "footage"
KEY = build_segment_key(
    "CABANG-01", "cab-kasir", datetime(2026, 11, 25, 3, 0, tzinfo=UTC), retention_days=180
)
REAL, FAKE = b"real footage " * 1000, b"fake footage " * 1000
MB = 1024 * 1024


@pytest.fixture(scope="module")
def gated_s3(fake_aws_env: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server behind the footage bucket policy that ``cdk synth`` ships."""
    policy = shipped_footage_policy(BUCKET)
    with moto_behind_policy(policy, tmp_path_factory.mktemp("gate")) as endpoint:
        make_s3_client(endpoint, "us-east-1").create_bucket(Bucket=BUCKET)
        yield endpoint


@dataclass
class Indexed:
    store: S3Storage
    key: str  # a segment of its own per test: the bucket (and its policy) is shared

    @property
    def full(self) -> str:
        return self.store.prefix + self.key


@pytest.fixture
def indexed(gated_s3: str, tmp_path: Path) -> Indexed:
    """The edge's own upload of the real segment, as the uploader sends it."""
    store = S3Storage(make_s3_client(gated_s3, "us-east-1"), BUCKET)  # the deployment's layout
    start = datetime(2026, 11, 25, 3, 0, tzinfo=UTC) + timedelta(seconds=next(_SECONDS))
    key = build_segment_key("CABANG-01", "cab-kasir", start, retention_days=180)
    source = tmp_path / "real.mp4"
    source.write_bytes(REAL)
    store.put_file(key, source, {META_SHA256: hashlib.sha256(REAL).hexdigest()}, if_absent=True)
    return Indexed(store, key)


_SECONDS = itertools.count()


def _stored(indexed: Indexed) -> bytes:
    return indexed.store.read_range(indexed.key)


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_s3_plain_put_over_a_segment_is_denied(indexed: Indexed) -> None:
    with pytest.raises(ClientError) as denied:
        indexed.store.client.put_object(Bucket=BUCKET, Key=indexed.full, Body=FAKE)
    assert _code(denied) == "AccessDenied"
    assert _stored(indexed) == REAL


def test_s3_conditional_put_over_a_segment_fails(indexed: Indexed) -> None:
    with pytest.raises(ClientError) as refused:
        indexed.store.client.put_object(Bucket=BUCKET, Key=indexed.full, Body=FAKE,
                                  IfNoneMatch="*")  # fmt: skip
    assert _code(refused) == "PreconditionFailed"
    assert _stored(indexed) == REAL


def test_s3_multipart_over_a_segment_is_denied_at_completion(indexed: Indexed) -> None:
    client, full = indexed.store.client, indexed.full
    upload = client.create_multipart_upload(Bucket=BUCKET, Key=full)["UploadId"]
    part = client.upload_part(Bucket=BUCKET, Key=full, UploadId=upload, PartNumber=1, Body=FAKE)
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}

    with pytest.raises(ClientError) as denied:
        client.complete_multipart_upload(Bucket=BUCKET, Key=full, UploadId=upload,
                                         MultipartUpload=parts)  # fmt: skip
    assert _code(denied) == "AccessDenied"
    with pytest.raises(ClientError) as refused:
        client.complete_multipart_upload(Bucket=BUCKET, Key=full, UploadId=upload,
                                         MultipartUpload=parts, IfNoneMatch="*")  # fmt: skip
    assert _code(refused) == "PreconditionFailed"
    assert _stored(indexed) == REAL


def test_s3_copy_over_a_segment_is_denied(indexed: Indexed) -> None:
    fake = f"segments/CABANG-01/cab-kasir/fake-{uuid.uuid4().hex}.mp4"
    with pytest.raises(ClientError):  # even placing the fake is a segment write without the header
        indexed.store.client.put_object(Bucket=BUCKET, Key=fake, Body=FAKE)
    indexed.store.client.put_object(Bucket=BUCKET, Key=fake, Body=FAKE, IfNoneMatch="*")

    with pytest.raises(ClientError) as denied:
        indexed.store.client.copy_object(Bucket=BUCKET, Key=indexed.full,
                                   CopySource={"Bucket": BUCKET, "Key": fake})  # fmt: skip
    assert _code(denied) == "AccessDenied"
    assert _stored(indexed) == REAL


def test_s3_edge_upload_over_a_segment_is_refused(indexed: Indexed, tmp_path: Path) -> None:
    edge = S3Storage(indexed.store.client, BUCKET, multipart_threshold=5 * MB,
                     multipart_chunk=5 * MB)  # fmt: skip
    for size in (len(FAKE), 6 * MB):  # one PUT, and a multipart upload
        fake = tmp_path / "fake.mp4"
        fake.write_bytes(FAKE * (size // len(FAKE) + 1))
        with pytest.raises(ObjectExists):
            edge.put_file(indexed.key, fake, if_absent=True)
    assert _stored(indexed) == REAL


def _folder(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return FilesystemStorage(tmp_path / "nas", b"k" * 32)


def _gcs(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    client = make_gcs_client(request.getfixturevalue("gcs_emulator"), "test-project")
    bucket = f"footage-{uuid.uuid4().hex[:12]}"
    client.create_bucket(bucket)
    return GcsStorage(client, bucket, chunk_size=4 * MB)


@pytest.mark.parametrize("make", [_folder, _gcs], ids=["nas", "gcs"])
@pytest.mark.parametrize("size", [len(FAKE), 9 * MB], ids=["single", "resumable"])
def test_nas_and_gcs_refuse_a_write_over_a_segment(
    make, size: int, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from tests.unit.fakes import MemorySessions

    store = make(request, tmp_path)
    real, fake = tmp_path / "real.mp4", tmp_path / "fake.mp4"
    real.write_bytes(REAL)
    fake.write_bytes(FAKE * (size // len(FAKE) + 1))
    store.put_file(KEY, real, if_absent=True)

    with pytest.raises(ObjectExists):
        store.put_file(KEY, fake, sessions=MemorySessions(), if_absent=True)

    assert store.read_range(KEY) == REAL
