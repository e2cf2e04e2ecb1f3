"""One contract for every Storage adapter: a folder, S3 (moto server), GCS (emulator)."""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from footage.bandwidth import BURST_S, TokenBucket
from footage.errors import ObjectExists, ObjectNotFound, StorageError
from footage.storage import META_CAMERA, META_SHA256, Storage
from tests.unit.fakes import MemorySessions

pytestmark = pytest.mark.integration

MB = 1024 * 1024
REGION = "ap-southeast-3"
KEY = "segments/HO/cam1/2026/11/25/cam1_20261125T195600Z.mp4"


def _filesystem(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    from footage.adapters.filesystem import FilesystemStorage

    return FilesystemStorage(root=tmp_path / "store", signing_key=b"k" * 32)


def _s3(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    from footage.adapters.s3 import S3Storage, make_s3_client

    client = make_s3_client(request.getfixturevalue("moto_server"), REGION)
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return S3Storage(client, bucket, "vms/", multipart_threshold=5 * MB, multipart_chunk=5 * MB)


def _gcs(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    from footage.adapters.gcs import GcsStorage, make_gcs_client

    client = make_gcs_client(request.getfixturevalue("gcs_emulator"), "test-project")
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    client.create_bucket(bucket)
    return GcsStorage(client, bucket, "vms", chunk_size=4 * MB)


BACKENDS = {"filesystem": _filesystem, "s3": _s3, "gcs": _gcs}


@pytest.fixture(params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    yield BACKENDS[request.param](request, tmp_path)


@pytest.fixture
def backend(store: Storage, request: pytest.FixtureRequest) -> str:
    return str(request.node.callspec.params["store"])


def write(path: Path, size: int) -> bytes:
    data = os.urandom(size)
    path.write_bytes(data)
    return data


def test_put_file_then_head_round_trips_size_and_metadata(store: Storage, tmp_path: Path) -> None:
    data = write(tmp_path / "seg.mp4", 200_000)
    digest = hashlib.sha256(data).hexdigest()
    meta = {META_SHA256: digest, META_CAMERA: "cam1"}

    put = store.put_file(KEY, tmp_path / "seg.mp4", meta)
    info = store.head(KEY)

    assert put.key == KEY and put.size == len(data)
    assert info is not None
    assert info.key == KEY and info.size == len(data)
    assert info.metadata == meta


def test_put_bytes_then_download_equals_content(store: Storage, tmp_path: Path) -> None:
    store.put_bytes("thumbnails/x.jpg", b"\xff\xd8jpeg", {"camera": "cam1"}, "image/jpeg")

    store.download("thumbnails/x.jpg", tmp_path / "out.jpg")

    assert (tmp_path / "out.jpg").read_bytes() == b"\xff\xd8jpeg"
    info = store.head("thumbnails/x.jpg")
    assert info is not None and info.size == 6 and info.metadata == {"camera": "cam1"}


def test_read_range_slices(store: Storage) -> None:
    data = bytes(range(256)) * 4
    store.put_bytes("blob.bin", data)

    assert store.read_range("blob.bin") == data
    assert store.read_range("blob.bin", 10, 20) == data[10:20]
    assert store.read_range("blob.bin", 1000) == data[1000:]
    assert store.read_range("blob.bin", 5, 5) == b""


def test_list_returns_sorted_relative_keys_under_prefix(store: Storage) -> None:
    keys = ["segments/HO/b.mp4", "segments/HO/a.mp4", "segments/HO/sub/c.mp4"]
    for key in [*keys, "segments/BR/d.mp4", "thumbnails/HO/e.jpg"]:
        store.put_bytes(key, key.encode())

    listed = list(store.list("segments/HO/"))

    assert [info.key for info in listed] == sorted(keys)
    assert {info.key: info.size for info in listed}["segments/HO/a.mp4"] == len(keys[1])
    assert len(list(store.list())) == 5


def test_delete_is_idempotent(store: Storage) -> None:
    store.put_bytes("gone.bin", b"x")

    assert store.delete("gone.bin") is True
    assert store.delete("gone.bin") is False
    assert store.head("gone.bin") is None


def test_move_renames_and_keeps_metadata(store: Storage, tmp_path: Path) -> None:
    store.put_bytes("segments/a.mp4", b"video", {META_SHA256: "abc"})

    store.move("segments/a.mp4", "quarantine/a.mp4")

    assert store.head("segments/a.mp4") is None
    moved = store.head("quarantine/a.mp4")
    assert moved is not None and moved.size == 5 and moved.metadata == {META_SHA256: "abc"}
    assert store.read_range("quarantine/a.mp4") == b"video"


def test_missing_key(store: Storage, tmp_path: Path) -> None:
    assert store.head("nope.mp4") is None
    with pytest.raises(ObjectNotFound):
        store.download("nope.mp4", tmp_path / "out.mp4")
    with pytest.raises(ObjectNotFound):
        store.read_range("nope.mp4", 0, 10)
    with pytest.raises(ObjectNotFound):
        store.move("nope.mp4", "other.mp4")
    assert not (tmp_path / "out.mp4").exists()


def test_presign_reads_the_exact_bytes(store: Storage, backend: str) -> None:
    data = os.urandom(3000)
    store.put_bytes(KEY, data)

    url = store.presign(KEY, timedelta(minutes=5))

    if backend == "filesystem":  # served by the API's /media route, not tested here
        assert KEY in url
        return
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == data


def test_presign_many_serves_byte_ranges(store: Storage, backend: str) -> None:
    """HLS reads each segment as two byte ranges of its pre-signed URL."""
    data = {f"{KEY}.{n}": os.urandom(2000 + n) for n in range(3)}
    for key, payload in data.items():
        store.put_bytes(key, payload)

    urls = store.presign_many(list(data), timedelta(minutes=5))

    assert len(urls) == len(data) and len(set(urls)) == len(data)
    if backend == "filesystem":  # served by the API's /media route (tests/unit/functions)
        assert all(key in url for key, url in zip(data, urls, strict=True))
        return
    for (key, payload), url in zip(data.items(), urls, strict=True):
        request = urllib.request.Request(url, headers={"Range": "bytes=100-199"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 206, key
            assert response.read() == payload[100:200]


def test_progress_totals_the_file_size(store: Storage, tmp_path: Path) -> None:
    write(tmp_path / "seg.mp4", 9 * MB + 123)  # above the S3 threshold and GCS chunk
    sent: list[int] = []

    store.put_file(KEY, tmp_path / "seg.mp4", progress=sent.append)

    assert sum(sent) == 9 * MB + 123
    assert len(sent) > 1


def test_large_file_round_trips(store: Storage, backend: str, tmp_path: Path) -> None:
    data = write(tmp_path / "big.mp4", 20 * MB)

    store.put_file(KEY, tmp_path / "big.mp4", {META_SHA256: hashlib.sha256(data).hexdigest()})
    store.download(KEY, tmp_path / "back.mp4")

    assert (tmp_path / "back.mp4").read_bytes() == data
    info = store.head(KEY)
    assert info is not None and info.size == 20 * MB
    assert info.metadata[META_SHA256] == hashlib.sha256(data).hexdigest()
    if backend == "s3":  # four 5 MB parts: the ETag of a multipart upload ends in -4
        assert info.etag is not None and info.etag.strip('"').endswith("-4")


def test_gcs_presign_signs_v4_with_service_account_credentials() -> None:
    """Real credentials get a V4 signed URL (signing is local: no request is made)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.cloud import storage
    from google.oauth2 import service_account

    from footage.adapters.gcs import GcsStorage

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    credentials = service_account.Credentials.from_service_account_info(
        {
            "private_key": pem.decode(),
            "client_email": "vms@test-project.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )
    client = storage.Client(project="test-project", credentials=credentials)

    url = GcsStorage(client, "footage", "vms").presign(KEY, timedelta(minutes=5))

    assert "X-Goog-Algorithm=GOOG4-RSA-SHA256" in url and "X-Goog-Signature=" in url
    assert "/footage/vms/segments/HO/cam1/" in url


def test_put_file_through_a_token_bucket_holds_its_rate(store: Storage, tmp_path: Path) -> None:
    """The uplink cap (footage.bandwidth) works through ``progress``: every byte is
    counted once and the put takes as long as the rate says (1 MB/s here)."""
    size = 3 * MB
    source = tmp_path / "seg.mp4"
    write(source, size)
    bucket = TokenBucket(lambda: float(MB))
    started = time.monotonic()
    store.put_file(KEY, source, {}, progress=bucket.consume)
    elapsed = time.monotonic() - started
    assert bucket.consumed == size
    assert 3.0 - BURST_S - 0.1 <= elapsed <= 3.0 * 1.2, elapsed


class Crash(Exception):
    pass


def test_s3_multipart_resumes_with_only_the_missing_parts(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store = _s3(request, tmp_path)  # 5 MB parts from 5 MB up
    data = write(tmp_path / "seg.mp4", 13 * MB)  # parts of 5, 5 and 3 MB
    sessions = MemorySessions()
    sent: list[int] = []

    def crash_in_part_two(amount: int) -> None:
        sent.append(amount)
        if sum(sent) > 6 * MB:
            raise Crash

    with pytest.raises((Crash, StorageError)):
        store.put_file(KEY, tmp_path / "seg.mp4", {"sha256": "x"}, progress=crash_in_part_two,
                       sessions=sessions)  # fmt: skip
    assert store.head(KEY) is None  # nothing visible until complete
    assert KEY in sessions.states and '"1"' in sessions.states[KEY]  # part 1 recorded

    resent: list[int] = []
    info = store.put_file(KEY, tmp_path / "seg.mp4", {"sha256": "x"}, progress=resent.append,
                          sessions=sessions)  # fmt: skip
    assert sum(resent) == 8 * MB  # parts 2 and 3 only
    assert info.size == 13 * MB and KEY not in sessions.states
    target = tmp_path / "back.mp4"
    store.download(KEY, target)
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()
    assert store.head(KEY).metadata == {"sha256": "x"}  # type: ignore[union-attr]


def test_s3_resume_starts_over_when_the_upload_is_gone(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A saved session whose upload S3 no longer has (aborted by the lifecycle
    rule) or that was for other part sizes: a fresh upload, not an error."""
    store = _s3(request, tmp_path)
    data = write(tmp_path / "seg.mp4", 6 * MB)
    sessions = MemorySessions()
    sessions.states[KEY] = json.dumps(
        {"upload_id": "gone", "size": 6 * MB, "part_size": 5 * MB, "parts": {}}
    )
    counted: list[int] = []
    store.put_file(KEY, tmp_path / "seg.mp4", {}, progress=counted.append, sessions=sessions)
    assert sum(counted) == 6 * MB
    target = tmp_path / "back.mp4"
    store.download(KEY, target)
    assert target.read_bytes() == data


@pytest.mark.parametrize("size", [200_000, 6 * MB], ids=["single", "multipart"])
def test_write_once_put_refuses_an_existing_key(store: Storage, tmp_path: Path, size: int) -> None:
    first = write(tmp_path / "first.mp4", size)
    write(tmp_path / "second.mp4", size)
    store.put_file(KEY, tmp_path / "first.mp4", {META_SHA256: "a" * 64}, if_absent=True)

    with pytest.raises(ObjectExists):
        store.put_file(KEY, tmp_path / "second.mp4", {META_SHA256: "b" * 64}, if_absent=True)

    assert store.read_range(KEY) == first
    info = store.head(KEY)
    assert info is not None and info.metadata[META_SHA256] == "a" * 64


def test_write_once_resumable_put_refuses_an_existing_key(store: Storage, tmp_path: Path) -> None:
    first = write(tmp_path / "first.mp4", 9 * MB)
    write(tmp_path / "second.mp4", 9 * MB)
    sessions = MemorySessions()
    store.put_file(KEY, tmp_path / "first.mp4", {}, sessions=sessions, if_absent=True)

    with pytest.raises(ObjectExists):
        store.put_file(KEY, tmp_path / "second.mp4", {}, sessions=sessions, if_absent=True)

    assert store.read_range(KEY) == first
    assert sessions.load(KEY) is None  # a refused upload leaves no session to resume
