"""The ``Storage`` port: where segment files, thumbnails and renditions live.

Adapters (footage.adapters.*) implement it for a NAS/SAN folder, any
S3-compatible endpoint and Google Cloud Storage. Keys are relative to the
storage root (see footage.keys). Every adapter passes tests/integration/
test_storage_contract.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from footage.errors import StorageError
from footage.models import ObjectInfo

#: Called with the number of bytes sent since the last call.
ProgressCallback = Callable[[int], None]

#: Metadata names shared by all adapters (S3 user metadata, GCS metadata, sidecars).
META_SHA256 = "sha256"
META_CAMERA = "camera"
META_SITE = "site"
META_START = "start"
META_END = "end"
META_PROFILE = "profile"  # how the edge compressed it ("copy": as recorded)
#: Set by the edge's folder watcher (edge_uploader.watcher) on what it uploads:
META_SUPERSEDES = "supersedes"  # SHA-256 of the stored segment this longer version replaces
META_ORIGINAL = "original"  # on a transcoded segment: the key of the file it was made from
META_SEGMENT = "segment"  # on an original: the SHA-256 of the segment transcoded from it
META_ORIGIN = "origin"  # "nvr": a file dropped in a watch folder (not recorded by the edge)
ORIGIN_NVR = "nvr"


class UploadSessions(Protocol):
    """Where a resumable upload keeps its progress (an opaque JSON string per key),
    so a restarted process sends only what is missing. The edge's journal."""

    def load(self, key: str) -> str | None: ...

    def save(self, key: str, state: str) -> None: ...

    def clear(self, key: str) -> None: ...


class Storage(ABC):
    """Object storage with atomic puts: a key is either absent or complete."""

    @abstractmethod
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
        """Store ``path`` under ``key``; never expose a partial object. With
        ``sessions``, a large upload interrupted by a crash resumes where it was.
        With ``if_absent`` the store itself refuses to replace an existing object
        (S3 ``If-None-Match: *``, GCS ``ifGenerationMatch=0``, a no-replace link on
        a folder) and ObjectExists is raised: footage segments are write-once."""

    @abstractmethod
    def put_bytes(
        self,
        key: str,
        data: bytes,
        metadata: Mapping[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> ObjectInfo: ...

    @abstractmethod
    def head(self, key: str) -> ObjectInfo | None:
        """Size and metadata of ``key``, or None when it does not exist."""

    @abstractmethod
    def download(self, key: str, dest: Path) -> None:
        """Copy ``key`` to the local file ``dest``; raises ObjectNotFound."""

    @abstractmethod
    def read_range(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes ``start`` to ``end`` (exclusive; None = to the end)."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, in key order."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove ``key``; True if it existed. Deleting a missing key is fine."""

    def delete_many(self, keys: Sequence[str]) -> Sequence[str]:
        """Remove every key (missing ones are fine) in as few calls as the store
        allows (S3: DeleteObjects, 1,000 keys a call). Returns the keys it could
        not delete; raises StorageError only when the store cannot be reached."""
        failed: list[str] = []
        for key in keys:
            try:
                self.delete(key)
            except StorageError:
                failed.append(key)
        return failed

    @abstractmethod
    def move(self, src: str, dst: str) -> None:
        """Rename ``src`` to ``dst`` (copy then delete where the backend must)."""

    @abstractmethod
    def presign(self, key: str, expires: timedelta, download_name: str | None = None) -> str:
        """A URL that reads ``key`` until it expires; with ``download_name`` browsers
        save it under that name (Content-Disposition: attachment)."""

    def presign_many(self, keys: Sequence[str], expires: timedelta) -> Sequence[str]:
        """:meth:`presign` for each key (a playlist's worth); backends batch it."""
        return [self.presign(key, expires) for key in keys]

    def preserve(self, key: str, *, copy: bool = False) -> str:
        """Keep ``key`` past its retention (an evidence hold); return the key that holds it.

        Where only the retention sweep deletes (it skips held footage) the object
        stays put. Stores whose own lifecycle rules delete by prefix (S3) move it
        out of their reach; see footage.keys.build_evidence_key. With ``copy`` they
        copy it there instead and leave the original as it was (a signed manifest:
        write-once, and other cameras' evidence reads it where it is). Idempotent.
        """
        return key

    def preserved_key(self, key: str) -> str:
        """Where :meth:`preserve` keeps ``key`` (``key`` itself where it stays put)."""
        return key

    @abstractmethod
    def hold(self, key: str) -> None:
        """Put ``key`` under an evidence (legal) hold, enforced by the store itself:
        S3 Object Lock legal hold on its current version, a GCS temporary hold, a
        read-only NAS file with a hold marker. Until :meth:`release`, nobody can
        delete or replace it (ObjectHeld here; the store's own refusal otherwise),
        whatever retention or lifecycle says. Idempotent; ObjectNotFound if absent."""

    @abstractmethod
    def release(self, key: str) -> None:
        """Lift the evidence hold of ``key`` (every held version of it, on S3), so that
        retention can delete it again. Idempotent; ObjectNotFound if absent."""

    @abstractmethod
    def is_held(self, key: str) -> bool:
        """Whether ``key`` is under an evidence hold now; ObjectNotFound if absent."""

    def local_path(self, key: str) -> Path | None:
        """A real local path to read ``key`` without a copy, when the backend has one."""
        return None


def attachment(download_name: str) -> str:
    """A Content-Disposition value that makes browsers save the file as ``download_name``."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in download_name)
    return f'attachment; filename="{safe}"'


def attachment_params(param: str, download_name: str | None) -> dict[str, str]:
    """``{param: <Content-Disposition>}`` for an SDK's presign call, or nothing."""
    return {param: attachment(download_name)} if download_name else {}
