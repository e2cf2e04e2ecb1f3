"""Storage on any S3-compatible endpoint: AWS S3, MinIO, Wasabi, GCS's XML API, moto.

Keys are stored under ``prefix`` in ``bucket``; every method takes and returns
keys relative to that prefix. Uploads go through s3transfer (``upload_file``),
which switches to a multipart upload above ``multipart_threshold``. S3 only
shows an object once its single PUT or its CompleteMultipartUpload succeeds,
so a reader never sees a partial object. A failed multipart upload is aborted
by s3transfer; a bucket lifecycle rule "AbortIncompleteMultipartUpload" cleans
up after crashed processes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from footage.adapters.sigv4 import BucketEndpoint, Credentials, presign_get
from footage.errors import ObjectNotFound, StorageError
from footage.keys import build_evidence_key
from footage.models import ObjectInfo
from footage.storage import ProgressCallback, Storage, attachment_params

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.type_defs import CopySourceTypeDef

_MB = 1024 * 1024
#: SigV4 pre-signed URLs are valid for at most 7 days.
MAX_PRESIGN = timedelta(days=7)
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_SDK_ERRORS = (ClientError, BotoCoreError, Boto3Error)


def make_s3_client(endpoint_url: str | None, region: str) -> S3Client:
    """A boto3 S3 client for AWS (``endpoint_url`` None) or any S3-compatible endpoint.

    Since boto3 1.36 the SDK adds CRC checksums (``x-amz-checksum-*`` headers and
    aws-chunked trailers) to every upload and validates them on download. GCS's XML
    API, older MinIO and several other S3 clones reject or mangle those requests, so
    checksums are only sent "when_required" (as before 1.36). Custom endpoints also
    get path-style addressing (``http://host/bucket/key``), which needs no wildcard DNS.
    """
    config = Config(
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"mode": "standard", "max_attempts": 5},
        s3={"addressing_style": "path"} if endpoint_url else None,
    )
    client: S3Client = boto3.client(
        "s3", endpoint_url=endpoint_url, region_name=region, config=config
    )
    return client


class S3Storage(Storage):
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        prefix: str = "",
        *,
        multipart_threshold: int = 64 * _MB,
        multipart_chunk: int = 16 * _MB,
        server_checksums: bool = False,
    ) -> None:
        self.client = client
        #: AWS S3 checks a SHA-256 sent with each PUT/part and refuses a mismatch, so an
        #: upload needs no read-back (edge credentials may only PutObject). Off for other
        #: S3-compatible stores, which may ignore the checksum headers.
        self.server_checksums = server_checksums
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=multipart_chunk
        )

    def put_file(
        self,
        key: str,
        path: Path,
        metadata: Mapping[str, str] | None = None,
        content_type: str = "video/mp4",
        progress: ProgressCallback | None = None,
    ) -> ObjectInfo:
        extra = {"Metadata": dict(metadata or {}), "ContentType": content_type}
        if self.server_checksums:
            extra["ChecksumAlgorithm"] = "SHA256"
        with _errors("upload", key):
            size = path.stat().st_size
            self.client.upload_file(
                str(path),
                self.bucket,
                self._full(key),
                ExtraArgs=extra,
                Callback=progress,
                Config=self._transfer,
            )
        return ObjectInfo(key, size, dict(metadata or {}), checksum_verified=self.server_checksums)

    def put_bytes(
        self,
        key: str,
        data: bytes,
        metadata: Mapping[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> ObjectInfo:
        with _errors("upload", key):
            response = self.client.put_object(
                Bucket=self.bucket,
                Key=self._full(key),
                Body=data,
                Metadata=dict(metadata or {}),
                ContentType=content_type,
            )
        return ObjectInfo(key, len(data), dict(metadata or {}), response.get("ETag"))

    def head(self, key: str) -> ObjectInfo | None:
        try:
            with _errors("head", key):
                response = self.client.head_object(Bucket=self.bucket, Key=self._full(key))
        except ObjectNotFound:
            return None
        return ObjectInfo(
            key,
            response["ContentLength"],
            dict(response.get("Metadata", {})),
            response.get("ETag"),
            response.get("LastModified"),
        )

    def download(self, key: str, dest: Path) -> None:
        # s3transfer writes to a temporary name beside ``dest`` and renames it at the end.
        with _errors("download", key):
            self.client.download_file(
                self.bucket, self._full(key), str(dest), Config=self._transfer
            )

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        if end is not None and end <= start:
            return b""
        wanted = f"bytes={start}-" if end is None else f"bytes={start}-{end - 1}"
        try:
            with _errors("read", key):
                response = self.client.get_object(
                    Bucket=self.bucket, Key=self._full(key), Range=wanted
                )
                return response["Body"].read()
        except StorageError as exc:
            if _code(exc.__cause__) == "InvalidRange":  # start is past the end
                return b""
            raise

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self._full(prefix))
        with _errors("list", prefix):
            for page in pages:
                for item in page.get("Contents", []):
                    yield ObjectInfo(
                        item["Key"][len(self.prefix) :],
                        item["Size"],
                        {},  # ListObjectsV2 does not return user metadata: use head()
                        item.get("ETag"),
                        item.get("LastModified"),
                    )

    def delete(self, key: str) -> bool:
        # DeleteObject succeeds whether or not the key exists, so ask first.
        if self.head(key) is None:
            return False
        with _errors("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=self._full(key))
        return True

    def move(self, src: str, dst: str) -> None:
        """Copy then delete. The managed copy switches to UploadPartCopy above the
        multipart threshold (CopyObject stops at 5 GB) and keeps the metadata."""
        source: CopySourceTypeDef = {"Bucket": self.bucket, "Key": self._full(src)}
        with _errors("move", src):
            self.client.copy(source, self.bucket, self._full(dst), Config=self._transfer)
            self.client.delete_object(Bucket=self.bucket, Key=self._full(src))

    def presign(self, key: str, expires: timedelta, download_name: str | None = None) -> str:
        """A SigV4 GET URL; ``expires`` is clamped to 1 s .. 7 days (the SigV4 limit)."""
        seconds = int(min(max(expires, timedelta(seconds=1)), MAX_PRESIGN).total_seconds())
        with _errors("presign", key):
            return self.client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": self._full(key),
                    **attachment_params("ResponseContentDisposition", download_name),
                },
                ExpiresIn=seconds,
            )

    def presign_many(self, keys: Sequence[str], expires: timedelta) -> Sequence[str]:
        """Like :meth:`presign`, signed in one batch (0.03 ms per URL instead of 0.34)."""
        # botocore's resolved credential chain (refreshed by botocore when it expires)
        credentials = self.client._get_credentials()  # type: ignore[attr-defined]
        if credentials is None:
            return super().presign_many(keys, expires)
        frozen = credentials.get_frozen_credentials()
        meta = self.client.meta
        s3_options = getattr(meta.config, "s3", None) or {}
        path_style = s3_options.get("addressing_style") == "path"
        endpoint = BucketEndpoint.for_bucket(
            self.bucket, meta.region_name, meta.endpoint_url if path_style else None
        )
        seconds = min(max(expires, timedelta(seconds=1)), MAX_PRESIGN)
        return presign_get(
            endpoint, Credentials(frozen.access_key, frozen.secret_key, frozen.token),
            [self._full(key) for key in keys], seconds, datetime.now(UTC),
        )  # fmt: skip

    def preserve(self, key: str) -> str:
        """Move the object under ``evidence/``, where no lifecycle rule expires it.
        Idempotent: a second call (say after a crash) finds it already moved."""
        target = build_evidence_key(key)
        if target == key:
            return key
        if self.head(key) is None and self.head(target) is not None:
            return target
        self.move(key, target)
        return target

    def _full(self, key: str) -> str:
        return self.prefix + key


def _code(exc: BaseException | None) -> str | None:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return None


@contextlib.contextmanager
def _errors(action: str, key: str) -> Iterator[None]:
    """Turn SDK errors into footage errors; a 404 becomes ObjectNotFound."""
    try:
        yield
    except _SDK_ERRORS as exc:
        if _code(exc) in _MISSING_CODES:
            raise ObjectNotFound(key) from exc
        raise StorageError(f"S3 {action} of {key!r} failed: {exc}") from exc
    except OSError as exc:
        raise StorageError(f"S3 {action} of {key!r} failed: {exc}") from exc
