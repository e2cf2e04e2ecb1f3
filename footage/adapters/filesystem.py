"""Storage on a local folder or NAS/SAN mount.

Puts are atomic: the data goes to a temp file in the same directory, is
fsynced, then renamed over the final name, and the directory is fsynced. A
reader therefore sees either no file or the whole file under a key, never a
partial one. A write-once put (``if_absent``: footage segments) hard-links the
temp file to the final name instead, which fails if the name exists, so no
segment file is ever replaced. Metadata lives in a JSON sidecar under
``.meta/``, written (also atomically) once the data is in place. Temp files
start with ``.tmp-`` and are ignored by ``list``.

With ``sessions`` (the edge's journal), a copy from ``resumable_threshold`` up
goes to ``.tmp-partial-<name>``, which outlives a crash: the next put keeps
its bytes only if they hash like the start of the source (``_put_resumable``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from footage.durable import fsync_dir
from footage.errors import ObjectExists, ObjectHeld, ObjectNotFound, StorageError
from footage.models import ObjectInfo
from footage.signing import sign_path
from footage.storage import ProgressCallback, Storage, UploadSessions

_META_DIR = ".meta"
_TMP_PREFIX = ".tmp-"
#: A resumable copy in progress: one per key, found again by the next attempt.
_PARTIAL_PREFIX = f"{_TMP_PREFIX}partial-"
_CHUNK = 1024 * 1024
#: With ``sessions``, copies from this size up resume after a crash.
DEFAULT_RESUMABLE_THRESHOLD = 8 * _CHUNK
MEDIA_URL_PREFIX = "/media/"
#: A held file: read-only for everyone (its sidecar carries "hold": true).
_HELD_MODE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
_HEX_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class FilesystemStorage(Storage):
    def __init__(
        self,
        root: Path,
        signing_key: bytes,
        url_prefix: str = MEDIA_URL_PREFIX,
        *,
        resumable_threshold: int = DEFAULT_RESUMABLE_THRESHOLD,
    ) -> None:
        self.root = root
        self._signing_key = signing_key
        self._url_prefix = url_prefix
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
        if if_absent and self._path(key).exists():
            finished = self._finish_interrupted(key, path, metadata, content_type)
            if finished is not None:
                return finished
            raise ObjectExists(key)  # early and cheap; the link below is what guarantees it
        if sessions is not None and path.stat().st_size >= self._resumable_threshold:
            return self._put_resumable(
                key, path, metadata, content_type, progress, sessions, if_absent
            )
        with path.open("rb") as src:
            return self._write(key, _chunks(src, progress), metadata, content_type, if_absent)

    def _finish_interrupted(
        self, key: str, path: Path, metadata: Mapping[str, str] | None, content_type: str
    ) -> ObjectInfo | None:
        """A put killed between publishing the object and writing its metadata left
        the object without its sidecar. If that object holds exactly this file's
        bytes, this put is that one again: write the sidecar and answer as the put
        would have. Any other object at the key stays untouched (None)."""
        if self._meta_path(key).exists():
            return None
        try:
            digest = _sha256(path)
            if _sha256(self._path(key)) != digest:
                return None
            self._write_meta(key, metadata, digest, content_type)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"cannot finish {key}: {exc.strerror or exc}") from exc
        size = path.stat().st_size
        return ObjectInfo(key, size, dict(metadata or {}), digest, checksum_verified=True)

    def _put_resumable(
        self,
        key: str,
        path: Path,
        metadata: Mapping[str, str] | None,
        content_type: str,
        progress: ProgressCallback | None,
        sessions: UploadSessions,
        if_absent: bool = False,
    ) -> ObjectInfo:
        """Copy into the key's partial file, journaled (path, size and SHA-256 of
        the source) before the first byte, so a crashed copy goes on where it was.

        A partial left by a crash (or a power cut: its tail may be garbage) is kept
        only if the journal names it for this very source and its bytes hash like
        the same-length start of the source; otherwise the copy starts over. The
        result must have the source's size and SHA-256 before it is renamed into place.
        """
        target = self._path(key)
        partial = target.with_name(f"{_PARTIAL_PREFIX}{target.name}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            held = partial.stat().st_size if partial.is_file() else 0
            size, digest, head = _hash_source(path, held)
            state = {"partial": str(partial), "size": size, "sha256": digest}
            known = held > 0 and _parse(sessions.load(key)) == state and head == _sha256(partial)
            sessions.save(key, json.dumps(state))
            _copy_from(path, partial, held if known else 0, progress)
            if partial.stat().st_size != size or _sha256(partial) != digest:
                partial.unlink()
                sessions.clear(key)
                raise StorageError(f"copy of {key} does not match its source (changed?)")
            _publish(partial, target, if_absent)
            self._write_meta(key, metadata, digest, content_type)
        except FileExistsError as exc:
            sessions.clear(key)
            raise ObjectExists(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot write {key}: {exc.strerror or exc}") from exc
        sessions.clear(key)
        return ObjectInfo(key, size, dict(metadata or {}), digest, checksum_verified=True)

    def put_bytes(
        self,
        key: str,
        data: bytes,
        metadata: Mapping[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> ObjectInfo:
        return self._write(key, iter([data]), metadata, content_type)

    def head(self, key: str) -> ObjectInfo | None:
        target = self._path(key)
        try:
            stat = target.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"cannot stat {key}: {exc.strerror}") from exc
        metadata, etag = self._read_meta(key)
        modified = datetime.fromtimestamp(stat.st_mtime, UTC)
        # The sidecar's etag is this store's own SHA-256 of the bytes it wrote.
        ours = etag if etag and _HEX_SHA256.fullmatch(etag) else None
        return ObjectInfo(key, stat.st_size, metadata, etag, modified, stored_sha256=ours)

    def download(self, key: str, dest: Path) -> None:
        source = self._existing(key)
        try:
            shutil.copyfile(source, dest)
        except OSError as exc:
            raise StorageError(f"cannot copy {key}: {exc.strerror}") from exc

    def read_range(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        try:
            with self._existing(key).open("rb") as handle:
                handle.seek(start)
                return handle.read(-1 if end is None else max(0, end - start))
        except FileNotFoundError as exc:  # deleted since _existing looked
            raise ObjectNotFound(key) from exc

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        if not self.root.exists():
            return
        # Only the folder the prefix names is walked, not the whole store (a prefix
        # that climbs out with ".." is filtered from the whole store instead).
        folder = prefix.rpartition("/")[0]
        inside = folder and ".." not in folder.split("/")
        keys = sorted(self._walk(self.root / folder if inside else self.root))
        for key in keys:
            if key.startswith(prefix):
                info = self.head(key)
                if info is not None:
                    yield info

    def delete(self, key: str) -> bool:
        target = self._path(key)
        self._refuse_held(key)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StorageError(f"cannot delete {key}: {exc.strerror}") from exc
        self._meta_path(key).unlink(missing_ok=True)
        self._prune_dirs(target.parent)
        return True

    def move(self, src: str, dst: str) -> None:
        source, target = self._existing(src), self._path(dst)
        self._refuse_held(src)
        self._refuse_held(dst)
        target.parent.mkdir(parents=True, exist_ok=True)
        meta_src, meta_dst = self._meta_path(src), self._meta_path(dst)
        if meta_src.exists():
            meta_dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(meta_src, meta_dst)
        os.replace(source, target)
        fsync_dir(target.parent)
        self._prune_dirs(source.parent)

    def presign(self, key: str, expires: timedelta, download_name: str | None = None) -> str:
        _check_key(key)
        url = sign_path(self._url_prefix + key, datetime.now(UTC) + expires, self._signing_key)
        # the name only labels the file, so it needs no signature
        return f"{url}&download={quote(download_name)}" if download_name else url

    def presign_many(self, keys: Sequence[str], expires: timedelta) -> Sequence[str]:
        until = datetime.now(UTC) + expires
        signed = []
        for key in keys:
            _check_key(key)
            signed.append(sign_path(self._url_prefix + key, until, self._signing_key))
        return signed

    def hold(self, key: str) -> None:
        """Mark the hold in the sidecar, then make the file read-only (0444: other
        accounts on the NAS cannot change it; our delete, move and put refuse on the
        marker, which also stops a process running as root)."""
        self._set_hold(key, True)

    def release(self, key: str) -> None:
        self._set_hold(key, False)

    def is_held(self, key: str) -> bool:
        self._existing(key)
        return self._sidecar(key).get("hold") is True

    def _set_hold(self, key: str, on: bool) -> None:
        target = self._existing(key)
        sidecar = self._sidecar(key)
        try:
            if on:
                _atomic_write(
                    self._meta_path(key), iter([json.dumps({**sidecar, "hold": True}).encode()])
                )
                target.chmod(_HELD_MODE)
            else:
                target.chmod(_HELD_MODE | stat.S_IWUSR)
                sidecar.pop("hold", None)
                _atomic_write(self._meta_path(key), iter([json.dumps(sidecar).encode()]))
        except OSError as exc:
            raise StorageError(
                f"cannot {'hold' if on else 'release'} {key}: {exc.strerror or exc}"
            ) from exc

    def _refuse_held(self, key: str) -> None:
        if self._sidecar(key).get("hold") is True:
            raise ObjectHeld(key)

    def _sidecar(self, key: str) -> dict[str, object]:
        try:
            data = json.loads(self._meta_path(key).read_text())
        except (OSError, ValueError):
            return {}
        return dict(data) if isinstance(data, dict) else {}

    def local_path(self, key: str) -> Path | None:
        target = self._path(key)
        return target if target.exists() else None

    # -- internals -------------------------------------------------------

    def _write(
        self,
        key: str,
        chunks: Iterator[bytes],
        metadata: Mapping[str, str] | None,
        content_type: str,
        if_absent: bool = False,
    ) -> ObjectInfo:
        target = self._path(key)
        if not if_absent:
            self._refuse_held(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            digest, size = _atomic_write(target, chunks, replace=not if_absent)
            self._write_meta(key, metadata, digest, content_type)
        except FileExistsError as exc:
            raise ObjectExists(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot write {key}: {exc.strerror or exc}") from exc
        return ObjectInfo(key, size, dict(metadata or {}), digest)

    def _write_meta(
        self, key: str, metadata: Mapping[str, str] | None, digest: str, content_type: str
    ) -> None:
        sidecar = {"metadata": dict(metadata or {}), "etag": digest, "type": content_type}
        meta_target = self._meta_path(key)
        meta_target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(meta_target, iter([json.dumps(sidecar).encode()]))

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*_check_key(key))

    def _meta_path(self, key: str) -> Path:
        return self.root / _META_DIR / (key + ".json")

    def _existing(self, key: str) -> Path:
        target = self._path(key)
        if not target.is_file():
            raise ObjectNotFound(key)
        return target

    def _read_meta(self, key: str) -> tuple[dict[str, str], str | None]:
        try:
            data = json.loads(self._meta_path(key).read_text())
        except (OSError, ValueError):
            return {}, None
        metadata = {str(k): str(v) for k, v in dict(data.get("metadata", {})).items()}
        etag = data.get("etag")
        return metadata, etag if isinstance(etag, str) else None

    def _walk(self, top: Path | None = None) -> Iterator[str]:
        for dirpath, dirnames, filenames in os.walk(top or self.root):
            if Path(dirpath) == self.root and _META_DIR in dirnames:
                dirnames.remove(_META_DIR)
            for name in filenames:
                if not name.startswith(_TMP_PREFIX):
                    yield Path(dirpath, name).relative_to(self.root).as_posix()

    def _prune_dirs(self, directory: Path) -> None:
        while directory != self.root and directory.is_relative_to(self.root):
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent


def _chunks(handle: BinaryIO, progress: ProgressCallback | None) -> Iterator[bytes]:
    while chunk := handle.read(_CHUNK):
        if progress:
            progress(len(chunk))
        yield chunk


def _hash_source(path: Path, prefix: int) -> tuple[int, str, str | None]:
    """Size and SHA-256 of ``path``, and in the same read the SHA-256 of its first
    ``prefix`` bytes (None if it is shorter)."""
    digest, size, head = hashlib.sha256(), 0, None
    with path.open("rb") as handle:
        while True:
            if size == prefix:
                head = digest.hexdigest()  # hashlib digests can go on after this
            block = handle.read(min(_CHUNK, prefix - size) if size < prefix else _CHUNK)
            if not block:
                return size, digest.hexdigest(), head
            digest.update(block)
            size += len(block)


def _parse(state: str | None) -> object:
    try:
        return json.loads(state or "null")
    except ValueError:
        return None


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _copy_from(source: Path, partial: Path, start: int, progress: ProgressCallback | None) -> None:
    """Copy ``source`` from byte ``start`` on into ``partial`` (cut to ``start``
    first), reporting each block once it is written, then fsync."""
    with source.open("rb") as src, partial.open("r+b" if start else "wb") as out:
        out.truncate(start)
        out.seek(start)
        src.seek(start)
        while block := src.read(_CHUNK):
            out.write(block)
            if progress:
                progress(len(block))
        out.flush()
        os.fsync(out.fileno())


def _publish(tmp: Path, target: Path, replace: bool) -> None:
    """Give the finished ``tmp`` its final name, atomically. Without ``replace`` a
    hard link makes the name (it fails with FileExistsError if the name exists, even
    when another writer got there a moment ago), then the temp name goes."""
    if replace:
        os.replace(tmp, target)
    else:
        try:
            os.link(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    fsync_dir(target.parent)


def _atomic_write(target: Path, chunks: Iterator[bytes], replace: bool = True) -> tuple[str, int]:
    for stale in target.parent.glob(f"{_TMP_PREFIX}*-{target.name}"):
        stale.unlink(missing_ok=True)  # left by a writer killed mid-put (same key, retried)
    tmp = target.with_name(f"{_TMP_PREFIX}{os.getpid()}-{target.name}")
    digest, size = hashlib.sha256(), 0
    try:
        with tmp.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        _publish(tmp, target, replace)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return digest.hexdigest(), size


#: Every key our key scheme builds: no part starts with "." (so no "..", no
#: ".meta", no ".tmp-"); checked with one regex, the rest part by part.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")


def _check_key(key: str) -> list[str]:
    """The key's parts, if it is a relative path inside the store (string checks only:
    a 24 h playlist signs 1,440 keys)."""
    parts = key.split("/")
    if _PLAIN_KEY.fullmatch(key):
        return parts
    if (
        not key
        or any(part in {"", ".", ".."} for part in parts)
        or parts[0] == _META_DIR
        or parts[-1].startswith(_TMP_PREFIX)
        or "\x00" in key
    ):
        raise StorageError(f"invalid object key {key!r}")
    return parts
