"""ObjectInfo.stored_sha256: the SHA-256 a store vouches for, which lets ingest index
a described segment from its HEAD (footage.services.ingest_described).

moto keeps the ChecksumSHA256 a PUT sends and returns it on a HEAD with
ChecksumMode, as S3 does, but never checks it against the bytes (S3 refuses a
mismatch with BadDigest): what is tested here is what the adapter sends and how
it reads the answer, not S3's check."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.storage import META_SHA256

pytestmark = pytest.mark.integration
MB = 1024 * 1024
KEY = "segments/HO/cam1/2026/11/25/cam1_20261125T195600Z.mp4"


def _file(path: Path, size: int) -> str:
    path.write_bytes(bytes(range(256)) * (size // 256))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _s3(moto_server: str, checksums: bool) -> S3Storage:
    client = make_s3_client(moto_server, "us-east-1")
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket)
    return S3Storage(client, bucket, multipart_threshold=5 * MB, multipart_chunk=5 * MB,
                     server_checksums=checksums)  # fmt: skip


def test_s3_single_put_reports_the_sha256_it_was_sent(moto_server, tmp_path):
    digest = _file(tmp_path / "a.mp4", 64 * 1024)
    store = _s3(moto_server, checksums=True)
    store.put_file(KEY, tmp_path / "a.mp4", {META_SHA256: digest}, if_absent=True)
    head = store.head(KEY)
    assert head is not None and head.stored_sha256 == digest


def test_s3_vouches_for_nothing_without_checksums_or_for_a_multipart(moto_server, tmp_path):
    digest = _file(tmp_path / "a.mp4", 64 * 1024)
    plain = _s3(moto_server, checksums=False)
    plain.put_file(KEY, tmp_path / "a.mp4", {META_SHA256: digest}, if_absent=True)
    assert plain.head(KEY).stored_sha256 is None  # type: ignore[union-attr]
    big = _file(tmp_path / "b.mp4", 6 * MB)  # two parts: S3 checks each, not the whole
    store = _s3(moto_server, checksums=True)
    store.put_file(KEY, tmp_path / "b.mp4", {META_SHA256: big}, if_absent=True)
    head = store.head(KEY)
    assert head is not None and head.size == 6 * MB and head.stored_sha256 != big


def test_the_nas_vouches_for_its_own_hash(tmp_path):
    digest = _file(tmp_path / "a.mp4", 64 * 1024)
    store = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    store.put_file(KEY, tmp_path / "a.mp4", {META_SHA256: "0" * 64}, if_absent=True)
    assert store.head(KEY).stored_sha256 == digest  # type: ignore[union-attr]
