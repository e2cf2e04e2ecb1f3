"""The NAS/folder adapter resumes a large copy cut short by a crash, on a real tmp
folder: it keeps a partial only if it hashes like the start of the source."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.errors import ObjectNotFound, StorageError
from tests.unit.fakes import MemorySessions

SECRET = b"s" * 32
KEY = "segments/HO/cam1/2026/11/25/cam1_20261125T013000Z.mp4"
MB = 1024 * 1024
SIZE = 4 * MB + 1234  # five 1 MiB blocks, the last one short
META = {"sha256": "x", "camera": "cam1"}


class Crash(Exception):
    pass


@pytest.fixture
def storage(tmp_path: Path) -> FilesystemStorage:
    return FilesystemStorage(tmp_path / "store", SECRET, resumable_threshold=MB)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "seg.mp4"
    path.write_bytes(os.urandom(SIZE))
    return path


def partial_of(storage: FilesystemStorage) -> Path:
    target = storage.root / KEY
    return target.with_name(f".tmp-partial-{target.name}")


def crash_after(limit: int, sent: list[int]) -> Callable[[int], None]:
    def progress(amount: int) -> None:
        sent.append(amount)
        if sum(sent) >= limit:
            raise Crash

    return progress


def interrupted(storage: FilesystemStorage, source: Path, sessions: MemorySessions) -> int:
    """Copy until 2 MiB are written, then crash; the bytes left in the partial."""
    sent: list[int] = []
    with pytest.raises(Crash):
        storage.put_file(KEY, source, META, progress=crash_after(2 * MB, sent), sessions=sessions)
    held = partial_of(storage).stat().st_size
    assert held == sum(sent) == 2 * MB  # progress counts bytes written, no more
    return held


def assert_stored(storage: FilesystemStorage, data: bytes, sessions: MemorySessions) -> None:
    assert (storage.root / KEY).read_bytes() == data
    head = storage.head(KEY)
    assert head is not None and head.size == len(data) and head.metadata == META
    assert head.etag == hashlib.sha256(data).hexdigest()
    assert not partial_of(storage).exists() and KEY not in sessions.states


def test_interrupted_copy_writes_only_the_rest(storage: FilesystemStorage, source: Path) -> None:
    sessions = MemorySessions()
    held = interrupted(storage, source, sessions)
    state = json.loads(sessions.states[KEY])
    assert state["partial"] == str(partial_of(storage)) and state["size"] == SIZE

    resent: list[int] = []
    info = storage.put_file(KEY, source, META, progress=resent.append, sessions=sessions)

    assert sum(resent) == SIZE - held
    assert info.size == SIZE and info.checksum_verified
    assert_stored(storage, source.read_bytes(), sessions)


def test_partial_is_invisible_to_readers(storage: FilesystemStorage, source: Path) -> None:
    storage.put_bytes("segments/HO/other.mp4", b"1")
    interrupted(storage, source, MemorySessions())
    assert [o.key for o in storage.list()] == ["segments/HO/other.mp4"]
    assert storage.head(KEY) is None and storage.local_path(KEY) is None
    with pytest.raises(ObjectNotFound):
        storage.read_range(KEY)


def test_changed_source_starts_over(storage: FilesystemStorage, source: Path) -> None:
    sessions = MemorySessions()
    interrupted(storage, source, sessions)
    with source.open("r+b") as handle:  # same size; its first bytes differ
        handle.write(os.urandom(16))

    resent: list[int] = []
    storage.put_file(KEY, source, META, progress=resent.append, sessions=sessions)

    assert sum(resent) == SIZE
    assert_stored(storage, source.read_bytes(), sessions)


def test_source_grown_past_the_partial_starts_over(
    storage: FilesystemStorage, source: Path
) -> None:
    """The partial is still a true prefix, but the journal was for other bytes."""
    sessions = MemorySessions()
    interrupted(storage, source, sessions)
    with source.open("ab") as handle:
        handle.write(b"more")

    resent: list[int] = []
    storage.put_file(KEY, source, META, progress=resent.append, sessions=sessions)

    assert sum(resent) == SIZE + 4
    assert_stored(storage, source.read_bytes(), sessions)


@pytest.mark.parametrize("where", [0, MB + 7, 2 * MB - 1])
def test_corrupt_partial_is_detected_and_redone(
    storage: FilesystemStorage, source: Path, where: int
) -> None:
    sessions = MemorySessions()
    interrupted(storage, source, sessions)
    with partial_of(storage).open("r+b") as handle:
        handle.seek(where)
        flipped = bytes(b ^ 0xFF for b in handle.read(1))
        handle.seek(where)
        handle.write(flipped)

    resent: list[int] = []
    storage.put_file(KEY, source, META, progress=resent.append, sessions=sessions)

    assert sum(resent) == SIZE
    assert_stored(storage, source.read_bytes(), sessions)


@pytest.mark.parametrize("case", ["no journal entry", "partial longer than source"])
def test_untrusted_partial_is_redone(storage: FilesystemStorage, source: Path, case: str) -> None:
    sessions = MemorySessions()
    interrupted(storage, source, sessions)
    if case == "no journal entry":
        sessions.states.clear()
    else:
        partial_of(storage).write_bytes(source.read_bytes() + b"tail")

    resent: list[int] = []
    storage.put_file(KEY, source, META, progress=resent.append, sessions=sessions)

    assert sum(resent) == SIZE
    assert_stored(storage, source.read_bytes(), sessions)


def test_source_changed_during_the_copy_is_refused(
    storage: FilesystemStorage, source: Path
) -> None:
    sessions = MemorySessions()

    def rewrite_the_tail(amount: int) -> None:
        with source.open("r+b") as handle:
            handle.seek(SIZE - 10)
            handle.write(os.urandom(10))

    with pytest.raises(StorageError, match="does not match"):
        storage.put_file(KEY, source, META, progress=rewrite_the_tail, sessions=sessions)

    assert storage.head(KEY) is None
    assert not partial_of(storage).exists() and KEY not in sessions.states


def test_small_file_takes_the_plain_atomic_path(storage: FilesystemStorage, tmp_path: Path) -> None:
    small = tmp_path / "small.mp4"
    small.write_bytes(os.urandom(MB - 1))
    sessions = MemorySessions()
    storage.put_file(KEY, small, META, sessions=sessions)
    assert sessions.saves == 0 and (storage.root / KEY).read_bytes() == small.read_bytes()


def test_plain_put_of_the_key_sweeps_its_stale_partial(
    storage: FilesystemStorage, source: Path
) -> None:
    interrupted(storage, source, MemorySessions())
    storage.put_bytes(KEY, b"done another way")
    assert not partial_of(storage).exists()
    assert storage.read_range(KEY) == b"done another way"
