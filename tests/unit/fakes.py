"""Small in-memory fakes of the ports (no mocks): tests assert on their state."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from footage.errors import ObjectExists, ObjectHeld, ObjectNotFound, StorageError
from footage.keys import build_evidence_key
from footage.models import ObjectInfo
from footage.storage import ProgressCallback, Storage, UploadSessions


@dataclass
class StoredObject:
    data: bytes
    metadata: dict[str, str]
    content_type: str


@dataclass
class FakeStorage(Storage):
    """Object storage in a dict.

    ``fail_puts`` makes the next N puts raise StorageError (then they succeed);
    ``head_size_delta`` makes ``head`` report a size that is off by that much.
    """

    fail_puts: int = 0
    head_size_delta: int = 0
    objects: dict[str, StoredObject] = field(default_factory=dict)
    put_calls: int = 0
    head_calls: int = 0
    server_checksums: bool = False  # like AWS S3: puts are verified by the store itself
    evidence_moves: bool = False  # like S3: holds move objects out of lifecycle's reach
    held: set[str] = field(default_factory=set)  # keys under an evidence hold
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

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
        del progress, sessions
        with self._lock:
            if if_absent and key in self.objects:
                raise ObjectExists(key)
        return self.put_bytes(key, path.read_bytes(), metadata, content_type)

    def put_bytes(
        self,
        key: str,
        data: bytes,
        metadata: Mapping[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> ObjectInfo:
        with self._lock:
            self.put_calls += 1
            if self.fail_puts > 0:
                self.fail_puts -= 1
                raise StorageError(f"simulated outage while putting {key}")
            self.objects[key] = StoredObject(data, dict(metadata or {}), content_type)
        return ObjectInfo(
            key, len(data), dict(metadata or {}), _etag(data),
            checksum_verified=self.server_checksums,
        )  # fmt: skip

    def head(self, key: str) -> ObjectInfo | None:
        self.head_calls += 1
        obj = self.objects.get(key)
        if obj is None:
            return None
        return ObjectInfo(key, len(obj.data) + self.head_size_delta, obj.metadata, _etag(obj.data))

    def download(self, key: str, dest: Path) -> None:
        dest.write_bytes(self._get(key).data)

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        return self._get(key).data[start:end]

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for key in sorted(self.objects):
            if key.startswith(prefix):
                info = self.head(key)
                if info is not None:
                    yield info

    def delete(self, key: str) -> bool:
        if key in self.held:
            raise ObjectHeld(key)
        return self.objects.pop(key, None) is not None

    def move(self, src: str, dst: str) -> None:
        if src in self.held:
            raise ObjectHeld(src)
        self.objects[dst] = self._get(src)
        del self.objects[src]

    def hold(self, key: str) -> None:
        self._get(key)
        self.held.add(key)

    def release(self, key: str) -> None:
        self._get(key)
        self.held.discard(key)

    def is_held(self, key: str) -> bool:
        self._get(key)
        return key in self.held

    def presign(self, key: str, expires: timedelta) -> str:
        return f"memory://{key}?expires={int(expires.total_seconds())}"

    def preserve(self, key: str, *, copy: bool = False) -> str:
        if not self.evidence_moves:
            return key
        target = build_evidence_key(key)
        if target != key and copy and target not in self.objects:
            self.objects[target] = self._get(key)
        elif target != key and not copy and key in self.objects:
            self.move(key, target)
        return target

    def preserved_key(self, key: str) -> str:
        return build_evidence_key(key) if self.evidence_moves else key

    def _get(self, key: str) -> StoredObject:
        try:
            return self.objects[key]
        except KeyError:
            raise ObjectNotFound(key) from None


def _etag(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class MemorySessions:
    """UploadSessions (the journal's resumable-upload state) in a dict; counts saves."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.saves = 0

    def load(self, key: str) -> str | None:
        return self.states.get(key)

    def save(self, key: str, state: str) -> None:
        self.saves += 1
        self.states[key] = state

    def clear(self, key: str) -> None:
        self.states.pop(key, None)
