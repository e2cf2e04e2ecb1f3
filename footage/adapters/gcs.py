"""Storage on Google Cloud Storage (JSON API) or gcp-storage-emulator.

Keys are stored under ``prefix`` in ``bucket``; every method takes and returns
keys relative to that prefix. A GCS object becomes visible only when its
upload is finalized, so readers never see a partial object. Files larger than
one ``chunk_size`` go up as a resumable upload, in chunks.

Pre-signed URLs: with real credentials that can sign (a service-account key,
or impersonated credentials) ``presign`` returns a V4 signed URL. Anonymous
credentials, as used with the emulator, cannot sign anything; then
``presign`` returns the plain media URL
``{endpoint}/download/storage/v1/b/{bucket}/o/{quoted key}?alt=media``, which
the emulator serves without authentication (real GCS would answer 401/403
unless the object is public). Credentials from the metadata server
(GCE/Cloud Run) cannot sign locally either: give the runtime a key or sign
through IAM, otherwise ``presign`` raises StorageError.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from google.api_core.exceptions import GoogleAPIError, NotFound, RequestRangeNotSatisfiable
from google.auth.credentials import AnonymousCredentials
from google.auth.exceptions import GoogleAuthError
from google.cloud import storage
from google.cloud.storage.exceptions import DataCorruption, InvalidResponse

from footage.errors import ObjectNotFound, StorageError
from footage.models import ObjectInfo
from footage.storage import ProgressCallback, Storage, UploadSessions, attachment_params

#: Resumable upload chunk (GCS wants a multiple of 256 KiB).
DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
#: V4 signed URLs are valid for at most 7 days.
MAX_PRESIGN = timedelta(days=7)
EMULATOR_PROJECT = "local-emulator"
_SDK_ERRORS = (GoogleAPIError, GoogleAuthError, InvalidResponse, DataCorruption, OSError)


def make_gcs_client(endpoint_url: str | None, project: str | None) -> Any:
    """A ``google.cloud.storage.Client``.

    With ``endpoint_url`` (gcp-storage-emulator) the client talks to that endpoint
    with anonymous credentials; otherwise it uses Application Default Credentials.
    """
    if endpoint_url:
        return storage.Client(
            project=project or EMULATOR_PROJECT,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
            client_options={"api_endpoint": endpoint_url.rstrip("/")},
        )
    return storage.Client(project=project)


class GcsStorage(Storage):
    def __init__(
        self, client: Any, bucket: str, prefix: str = "", chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> None:
        self.client = client
        self.bucket_name = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self._bucket = client.bucket(bucket)  # a local handle: no request
        self._chunk_size = chunk_size

    def put_file(
        self,
        key: str,
        path: Path,
        metadata: Mapping[str, str] | None = None,
        content_type: str = "video/mp4",
        progress: ProgressCallback | None = None,
        sessions: UploadSessions | None = None,
    ) -> ObjectInfo:
        del sessions  # not resumable here yet: an interrupted put starts over
        blob = self._blob(key, chunked=True)
        blob.metadata = dict(metadata or {})
        with _errors("upload", key), path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            source: BinaryIO | _ProgressReader = handle
            if progress is not None:
                source = _ProgressReader(handle, progress)
            blob.upload_from_file(source, size=size, content_type=content_type)
        return ObjectInfo(key, size, dict(metadata or {}), blob.etag, blob.updated)

    def put_bytes(
        self,
        key: str,
        data: bytes,
        metadata: Mapping[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> ObjectInfo:
        blob = self._blob(key)
        blob.metadata = dict(metadata or {})
        with _errors("upload", key):
            blob.upload_from_string(data, content_type=content_type)
        return ObjectInfo(key, len(data), dict(metadata or {}), blob.etag, blob.updated)

    def head(self, key: str) -> ObjectInfo | None:
        with _errors("head", key):
            blob = self._bucket.get_blob(self._full(key))
        if blob is None:
            return None
        return _info(key, blob)

    def download(self, key: str, dest: Path) -> None:
        """Download to a temporary file beside ``dest``, then rename it into place."""
        partial = dest.with_name(f".{dest.name}.part-{os.getpid()}")
        try:
            with _errors("download", key):
                self._blob(key, chunked=True).download_to_filename(str(partial))
                partial.replace(dest)
        finally:
            partial.unlink(missing_ok=True)

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        if end is not None and end <= start:
            return b""
        last = None if end is None else end - 1  # GCS ranges are inclusive
        try:
            with _errors("read", key):
                data: bytes = self._blob(key).download_as_bytes(start=start, end=last)
        except StorageError as exc:
            if isinstance(exc.__cause__, RequestRangeNotSatisfiable):  # start past the end
                return b""
            raise
        return data

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """GCS lists names in lexicographic order, page by page."""
        with _errors("list", prefix):
            for blob in self.client.list_blobs(self._bucket, prefix=self._full(prefix)):
                yield _info(blob.name[len(self.prefix) :], blob)

    def delete(self, key: str) -> bool:
        try:
            with _errors("delete", key):
                self._blob(key).delete()
        except ObjectNotFound:
            return False
        return True

    def move(self, src: str, dst: str) -> None:
        """Server-side rewrite (keeps metadata; loops for big objects), then delete."""
        source, target = self._blob(src), self._blob(dst)
        with _errors("move", src):
            token, _, _ = target.rewrite(source)
            while token is not None:
                token, _, _ = target.rewrite(source, token=token)
            source.delete()

    def presign(self, key: str, expires: timedelta, download_name: str | None = None) -> str:
        """A V4 signed GET URL, or the plain media URL under anonymous credentials."""
        blob = self._blob(key)
        if isinstance(getattr(self.client, "_credentials", None), AnonymousCredentials):
            return (
                f"{self.client.api_endpoint}/download/storage/v1/b/{self.bucket_name}"
                f"/o/{quote(blob.name, safe='')}?alt=media"
            )
        lifetime = min(max(expires, timedelta(seconds=1)), MAX_PRESIGN)
        try:
            with _errors("presign", key):
                url: str = blob.generate_signed_url(
                    version="v4", expiration=lifetime, method="GET",
                    **attachment_params("response_disposition", download_name),
                )  # fmt: skip
        except AttributeError as exc:  # credentials without a private key
            raise StorageError(f"these GCS credentials cannot sign URLs: {exc}") from exc
        return url

    def _full(self, key: str) -> str:
        return self.prefix + key

    def _blob(self, key: str, *, chunked: bool = False) -> Any:
        chunk_size = self._chunk_size if chunked else None
        return self._bucket.blob(self._full(key), chunk_size=chunk_size)


class _ProgressReader:
    """A read-only file wrapper that reports each byte once, even when the
    client seeks back to resend a chunk."""

    def __init__(self, raw: BinaryIO, progress: ProgressCallback) -> None:
        self._raw = raw
        self._progress = progress
        self._reported = raw.tell()

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        position = self._raw.tell()
        if position > self._reported:
            self._progress(position - self._reported)
            self._reported = position
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()


def _info(key: str, blob: Any) -> ObjectInfo:
    metadata = {str(k): str(v) for k, v in (blob.metadata or {}).items()}
    return ObjectInfo(key, int(blob.size or 0), metadata, blob.etag, blob.updated)


@contextlib.contextmanager
def _errors(action: str, key: str) -> Iterator[None]:
    """Turn SDK errors into footage errors; a 404 becomes ObjectNotFound."""
    try:
        yield
    except NotFound as exc:
        raise ObjectNotFound(key) from exc
    except _SDK_ERRORS as exc:
        raise StorageError(f"GCS {action} of {key!r} failed: {exc}") from exc
