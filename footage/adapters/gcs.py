"""Storage on Google Cloud Storage (JSON API) or gcp-storage-emulator.

Keys are stored under ``prefix`` in ``bucket``; every method takes and returns
keys relative to that prefix. A GCS object becomes visible only when its
upload is finalized, so readers never see a partial object. Files larger than
8 MiB go up as a resumable upload, in chunks. With ``sessions`` (the edge's
journal) files from ``resumable_threshold`` up use a journaled upload session,
so an upload cut by a crash resumes where GCS stopped (``_put_resumable``).

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

import base64
import contextlib
import hashlib
import io
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from google.api_core.exceptions import (
    Forbidden,
    GoogleAPIError,
    NotFound,
    PreconditionFailed,
    RequestRangeNotSatisfiable,
)
from google.auth.credentials import AnonymousCredentials
from google.auth.exceptions import GoogleAuthError
from google.cloud import storage
from google.cloud.storage.exceptions import DataCorruption, InvalidResponse

from footage.errors import ObjectExists, ObjectHeld, ObjectNotFound, StorageError
from footage.models import ObjectInfo
from footage.storage import (
    META_SHA256,
    ProgressCallback,
    Storage,
    UploadSessions,
    attachment_params,
)

#: Resumable upload chunk (GCS wants a multiple of 256 KiB).
DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024
#: With ``sessions``, files from this size up resume after a crash (the SDK sends
#: files up to 8 MiB in one request, so only bigger ones ever went in chunks).
DEFAULT_RESUMABLE_THRESHOLD = 8 * 1024 * 1024
_QUANTUM, _READ, _TIMEOUT = 256 * 1024, 1024 * 1024, 60.0  # bytes, bytes, seconds
#: Answers to a session PUT: final object / more bytes wanted / a session we cannot
#: go on with (unknown, expired a week after it began, out of step with our offset).
_DONE, _INCOMPLETE, _DEAD = frozenset({200, 201}), 308, frozenset({400, 404, 410})
_PRECONDITION_FAILED = 412
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
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        *,
        resumable_threshold: int = DEFAULT_RESUMABLE_THRESHOLD,
    ) -> None:
        if chunk_size <= 0 or chunk_size % _QUANTUM:
            raise ValueError(f"chunk_size must be a multiple of 256 KiB, not {chunk_size}")
        self.client = client
        self.bucket_name = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self._bucket = client.bucket(bucket)  # a local handle: no request
        self._chunk_size = chunk_size
        self._resumable_threshold = resumable_threshold

    def put_file(
        self,
        key: str,
        path: Path,
        metadata: Mapping[str, str] | None = None,
        content_type: str = "video/mp4",
        progress: ProgressCallback | None = None,
        sessions: UploadSessions | None = None,
        *,
        if_absent: bool = False,
    ) -> ObjectInfo:
        if sessions is not None and path.stat().st_size >= self._resumable_threshold:
            return self._put_resumable(key, path, dict(metadata or {}), content_type,
                                       progress, sessions, if_absent)  # fmt: skip
        blob = self._blob(key, chunked=True)
        blob.metadata = dict(metadata or {})
        with _errors("upload", key), path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            source: BinaryIO | _ProgressReader = handle
            if progress is not None:
                source = _ProgressReader(handle, progress)
            blob.upload_from_file(source, size=size, content_type=content_type,
                                  **_once(if_absent))  # fmt: skip
        return ObjectInfo(key, size, dict(metadata or {}), blob.etag, blob.updated)

    def _put_resumable(
        self,
        key: str,
        path: Path,
        metadata: dict[str, str],
        content_type: str,
        progress: ProgressCallback | None,
        sessions: UploadSessions,
        if_absent: bool = False,
    ) -> ObjectInfo:
        """A resumable upload session whose URL is journaled before the first byte.

        After a crash (even kill -9) the next attempt asks GCS how many bytes it has
        committed and sends only the rest: GCS may keep less than it was sent, so
        its answer counts, not ours. A session for other bytes (the file changed:
        size and SHA-256 are journaled) or one GCS no longer knows (expired a week
        after it began), even if found dead mid-upload, is replaced by a new one.
        The finished object must have the file's size and MD5, or it is deleted.
        """
        file = _fingerprint(path)
        with _errors("upload", key), _spent_on_exists(sessions, key):
            session = _Session.load(sessions.load(key), file)
            answer = self._ask(session.session_url, file.size) if session else None
            for _ in range(2):  # a dead session is replaced once per put
                if session is None or answer is None:
                    session = self._begin(key, metadata, content_type, file, if_absent)
                    sessions.save(key, session.dump())
                    answer = 0
                if isinstance(answer, int):
                    answer = self._upload(session.session_url, path, answer, file.size, progress)
                if answer is not None:
                    break
            sessions.clear(key)  # spent: the object is final, or GCS keeps refusing it
            if not isinstance(answer, dict):
                raise StorageError(f"GCS dropped the upload sessions of {key!r}")
            verified = self._verify(key, answer, file)
        return ObjectInfo(key, file.size, metadata, answer.get("etag"), _time(answer),
                          checksum_verified=verified)  # fmt: skip

    def _begin(
        self,
        key: str,
        metadata: dict[str, str],
        content_type: str,
        file: _Fingerprint,
        if_absent: bool,
    ) -> _Session:
        """Open a session: object name, metadata, content type and the write-once
        precondition are fixed here, exactly as the single-request path sets them."""
        blob = self._blob(key)
        blob.metadata = metadata
        url: str = blob.create_resumable_upload_session(
            content_type=content_type, size=file.size, checksum=None, **_once(if_absent)
        )
        return _Session(url, file.size, file.sha256, self._chunk_size)

    def _ask(self, url: str, size: int) -> int | dict[str, Any] | None:
        """How far the session got (``Content-Range: bytes */size``, no body)."""
        headers = {"Content-Range": f"bytes */{size}"}
        answer = _answer(self.client._http.put(url, headers=headers, timeout=_TIMEOUT))
        return None if isinstance(answer, int) and answer >= size else answer  # out of step

    def _upload(
        self, url: str, path: Path, offset: int, size: int, progress: ProgressCallback | None
    ) -> dict[str, Any] | None:
        """Send the file from ``offset`` on: the finished object, or None if the session died."""
        answer: int | dict[str, Any] | None = offset
        with path.open("rb") as handle:
            while isinstance(answer, int):
                answer = self._send(url, handle, answer, size, progress)
        return answer

    def _send(
        self, url: str, handle: BinaryIO, offset: int, size: int, progress: ProgressCallback | None
    ) -> int | dict[str, Any] | None:
        """Send one chunk from ``offset``; each byte reaches ``progress`` as the
        transport reads it (8-16 KiB at a time, so the uplink cap stays smooth)."""
        handle.seek(offset)
        data = handle.read(self._chunk_size)
        body: bytes | _ProgressReader = data
        if progress is not None:
            body = _ProgressReader(io.BytesIO(data), progress)
        headers = {"Content-Range": f"bytes {offset}-{offset + len(data) - 1}/{size}"}
        response = self.client._http.put(url, data=body, headers=headers, timeout=_TIMEOUT)
        answer = _answer(response)
        if isinstance(answer, int) and not offset < answer < size:
            raise InvalidResponse(response, f"GCS kept {answer} of {size} bytes after {offset}")
        return answer

    def _verify(self, key: str, resource: dict[str, Any], file: _Fingerprint) -> bool:
        """Check the stored object against the file; True if GCS's own MD5 matched.

        Without an MD5 (say a composite object) the SHA-256 in the metadata is
        compared with ours, as the edge uploader does after any put.
        """
        md5 = resource.get("md5Hash")
        claimed = dict(resource.get("metadata") or {}).get(META_SHA256, file.sha256)
        size = int(resource.get("size") or -1)
        if size == file.size and (md5 == file.md5 if md5 else claimed == file.sha256):
            return bool(md5)
        self.delete(key)  # a damaged object must not pass for footage
        raise StorageError(f"GCS upload of {key!r} is corrupt: size {size}/{file.size}, "
                           f"md5 {md5}/{file.md5}")  # fmt: skip

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

    def hold(self, key: str) -> None:
        """A temporary hold: GCS refuses to delete, replace or (lifecycle) expire the
        object until it is lifted; no copy is needed (see footage.services.evidence)."""
        self._set_hold(key, True)

    def release(self, key: str) -> None:
        self._set_hold(key, False)

    def is_held(self, key: str) -> bool:
        with _errors("read the hold of", key):
            blob = self._bucket.get_blob(self._full(key))
        if blob is None:
            raise ObjectNotFound(key)
        return bool(blob.temporary_hold)

    def _set_hold(self, key: str, on: bool) -> None:
        blob = self._blob(key)
        blob.temporary_hold = on
        with _errors("hold" if on else "release", key):
            blob.patch()

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


@dataclass(frozen=True)
class _Fingerprint:
    """What identifies a file's bytes (hex SHA-256) and what GCS reports (base64 MD5)."""

    size: int
    sha256: str
    md5: str


def _fingerprint(path: Path) -> _Fingerprint:
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with path.open("rb") as handle:
        while block := handle.read(_READ):
            sha.update(block)
            md5.update(block)
            size += len(block)
    return _Fingerprint(size, sha.hexdigest(), base64.b64encode(md5.digest()).decode())


@dataclass(frozen=True)
class _Session:
    """A resumable upload session as the journal keeps it. The chunk size is kept
    for diagnosis only: a session takes chunks of any size, so it never forces a restart."""

    session_url: str
    size: int
    sha256: str
    chunk_size: int

    def dump(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def load(cls, text: str | None, file: _Fingerprint) -> _Session | None:
        """The saved session if it was for these very bytes."""
        if not text:
            return None
        try:
            data = json.loads(text)
            session = cls(str(data["session_url"]), int(data["size"]), str(data["sha256"]),
                          int(data["chunk_size"]))  # fmt: skip
        except (ValueError, KeyError, TypeError):
            return None
        return session if (session.size, session.sha256) == (file.size, file.sha256) else None


def _answer(response: Any) -> int | dict[str, Any] | None:
    """What a session PUT says: the bytes committed so far (308, ``Range: bytes=0-N``,
    no Range for none), the finished object's resource (200/201), or None when the
    session is dead."""
    status = response.status_code
    if status in _DONE:
        resource: dict[str, Any] = response.json()
        return resource
    if status == _INCOMPLETE:
        committed = re.fullmatch(r"bytes=0-(\d+)", response.headers.get("Range", ""))
        return int(committed.group(1)) + 1 if committed else 0
    if status in _DEAD:
        return None
    if status == _PRECONDITION_FAILED:  # the session's ifGenerationMatch=0: the key is taken
        raise ObjectExists(response.url)
    raise InvalidResponse(response, f"GCS answered HTTP {status}: {response.text[:200]}")


def _time(resource: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(resource["updated"]))
    except (KeyError, ValueError):
        return None


def _once(if_absent: bool) -> dict[str, int]:
    """GCS's write-once precondition: generation 0 matches only a missing object.
    (Overwriting also needs storage.objects.delete, which edge accounts lack.)"""
    return {"if_generation_match": 0} if if_absent else {}


@contextlib.contextmanager
def _spent_on_exists(sessions: UploadSessions, key: str) -> Iterator[None]:
    """A session refused for a taken key is spent: forget it."""
    try:
        yield
    except ObjectExists:
        sessions.clear(key)
        raise


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
    except Forbidden as exc:
        if "hold" in str(exc).lower():  # "... is under active Temporary hold ..."
            raise ObjectHeld(key) from exc
        raise StorageError(f"GCS {action} of {key!r} was refused: {exc}") from exc
    except PreconditionFailed as exc:
        raise ObjectExists(key) from exc
    except _SDK_ERRORS as exc:
        raise StorageError(f"GCS {action} of {key!r} failed: {exc}") from exc
