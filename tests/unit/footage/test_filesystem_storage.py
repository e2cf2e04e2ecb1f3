"""The NAS/folder Storage adapter on a real tmp folder."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.errors import ObjectExists, ObjectNotFound, StorageError
from footage.signing import SignatureError, verify_signed_path

SECRET = b"s" * 32
KEY = "segments/HO/cam1/2026/11/25/cam1_20261125T013000Z.mp4"
OTHER = "segments/HO/cam1/2026/11/25/cam1_20261125T013100Z.mp4"


@pytest.fixture
def storage(tmp_path: Path) -> FilesystemStorage:
    return FilesystemStorage(tmp_path / "store", SECRET)


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".tmp-")]


def test_put_file_then_head_and_read(storage: FilesystemStorage, tmp_path: Path) -> None:
    src = tmp_path / "seg.mp4"
    src.write_bytes(b"abc" * 1000)
    sent: list[int] = []
    info = storage.put_file(KEY, src, {"sha256": "x", "camera": "cam1"}, progress=sent.append)
    assert info.size == 3000
    assert info.etag == hashlib.sha256(b"abc" * 1000).hexdigest()
    assert sum(sent) == 3000
    head = storage.head(KEY)
    assert head is not None
    assert (head.size, head.etag) == (3000, info.etag)
    assert head.metadata == {"sha256": "x", "camera": "cam1"}
    assert storage.read_range(KEY, 3, 6) == b"abc"
    assert storage.local_path(KEY) == storage.root / KEY
    assert leftovers(storage.root) == []


def test_overwrite_is_atomic_and_leaves_no_temp_files(storage: FilesystemStorage) -> None:
    storage.put_bytes(KEY, b"old", {"v": "1"})
    storage.put_bytes(KEY, b"new!", {"v": "2"})
    head = storage.head(KEY)
    assert head is not None
    assert (head.size, head.metadata) == (4, {"v": "2"})
    assert leftovers(storage.root) == []


def test_failed_put_leaves_neither_object_nor_temp_file(
    storage: FilesystemStorage, tmp_path: Path
) -> None:
    src = tmp_path / "big.mp4"
    src.write_bytes(b"\0" * (2 * 1024 * 1024 + 10))  # three read chunks

    calls: list[int] = []

    def die_on_second_chunk(size: int) -> None:
        calls.append(size)
        if len(calls) == 2:
            raise RuntimeError("disk pulled out")

    with pytest.raises(RuntimeError):
        storage.put_file(KEY, src, progress=die_on_second_chunk)
    assert len(calls) == 2
    assert storage.head(KEY) is None
    assert leftovers(storage.root) == []


def test_list_excludes_meta_and_temp_files(storage: FilesystemStorage) -> None:
    storage.put_bytes(OTHER, b"2")
    storage.put_bytes(KEY, b"1")
    storage.put_bytes("thumbnails/HO/cam1/2026/11/25/cam1_20261125T013000Z.jpg", b"j")
    (storage.root / "segments" / "HO" / ".tmp-123-partial.mp4").write_bytes(b"half")
    keys = [o.key for o in storage.list()]
    assert keys == [KEY, OTHER, "thumbnails/HO/cam1/2026/11/25/cam1_20261125T013000Z.jpg"]
    assert not [k for k in keys if ".meta" in k]
    assert [o.key for o in storage.list("segments/")] == [KEY, OTHER]


def test_list_of_missing_root_is_empty(tmp_path: Path) -> None:
    assert list(FilesystemStorage(tmp_path / "nowhere", SECRET).list()) == []


@pytest.mark.parametrize(
    "key",
    [
        "../outside.mp4",
        "segments/../../etc/passwd",
        "segments/HO/./cam1.mp4",
        "/etc/passwd",
        "segments//cam1.mp4",
        "",
        ".meta/segments/x.json",
        "segments/.tmp-1-x.mp4",
    ],
)
def test_bad_keys_rejected(storage: FilesystemStorage, key: str) -> None:
    with pytest.raises(StorageError):
        storage.put_bytes(key, b"x")
    with pytest.raises(StorageError):
        storage.head(key)
    with pytest.raises(StorageError):
        storage.delete(key)
    assert not (storage.root.parent / "outside.mp4").exists()


def test_delete_prunes_empty_dirs_but_keeps_root(storage: FilesystemStorage) -> None:
    storage.put_bytes(KEY, b"1")
    assert storage.delete(KEY) is True
    assert storage.head(KEY) is None
    assert not (storage.root / "segments").exists()
    assert storage.root.is_dir()
    assert storage.delete(KEY) is False


def test_delete_keeps_dirs_that_still_hold_objects(storage: FilesystemStorage) -> None:
    storage.put_bytes(KEY, b"1")
    storage.put_bytes(OTHER, b"2")
    storage.delete(KEY)
    assert [o.key for o in storage.list()] == [OTHER]
    assert (storage.root / OTHER).parent.is_dir()


def test_move_keeps_metadata(storage: FilesystemStorage) -> None:
    storage.put_bytes(KEY, b"bad", {"sha256": "abc"})
    target = "quarantine/HO/cam1/2026/11/25/cam1_20261125T013000Z.mp4"
    storage.move(KEY, target)
    assert storage.head(KEY) is None
    moved = storage.head(target)
    assert moved is not None
    assert moved.metadata == {"sha256": "abc"}
    assert not (storage.root / "segments").exists()


def test_download_missing_object(storage: FilesystemStorage, tmp_path: Path) -> None:
    with pytest.raises(ObjectNotFound):
        storage.download(KEY, tmp_path / "out.mp4")


def test_a_read_racing_a_delete_is_object_not_found(
    storage: FilesystemStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file goes between the existence check and the open (another process
    deleted it): the caller gets ObjectNotFound, not a raw FileNotFoundError."""
    storage.put_bytes(KEY, b"data")
    existing = storage._existing

    def deleted_right_after(key: str) -> Path:
        path = existing(key)
        storage.delete(key)
        return path

    monkeypatch.setattr(storage, "_existing", deleted_right_after)
    with pytest.raises(ObjectNotFound):
        storage.read_range(KEY)


def test_presign_url_verifies(storage: FilesystemStorage) -> None:
    storage.put_bytes(KEY, b"1")
    url = storage.presign(KEY, timedelta(minutes=5))
    now = datetime.now(UTC)
    assert verify_signed_path(url, now, SECRET) == "/media/" + KEY
    with pytest.raises(SignatureError) as caught:
        verify_signed_path(url, now + timedelta(minutes=6), SECRET)
    assert caught.value.expired is True
    with pytest.raises(StorageError):
        storage.presign("../x", timedelta(minutes=5))


def _put_killed_before_its_metadata(store: FilesystemStorage, key: str, source: Path) -> None:
    """What a kill -9 between publishing the object and writing its sidecar leaves."""
    store.put_file(key, source, {"sha256": "x"}, if_absent=True)
    (store.root / ".meta" / f"{key}.json").unlink()


def test_a_put_killed_before_its_metadata_is_finished_by_the_retry(tmp_path):
    store = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    source = tmp_path / "seg.mp4"
    source.write_bytes(b"segment bytes" * 1000)
    key = "segments/HO/cam/2026/12/06/cam_20261206T000000Z.mp4"
    _put_killed_before_its_metadata(store, key, source)
    assert store.head(key).metadata == {}  # the object is there, its metadata is not

    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    info = store.put_file(key, source, {"sha256": digest}, if_absent=True)
    assert info.checksum_verified and info.size == source.stat().st_size
    assert store.head(key).metadata == {"sha256": digest}  # the same put, now whole


def test_other_bytes_at_a_key_without_metadata_are_never_taken_over(tmp_path):
    store = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    first, other = tmp_path / "a.mp4", tmp_path / "b.mp4"
    first.write_bytes(b"first" * 1000)
    other.write_bytes(b"other" * 1000)
    key = "segments/HO/cam/2026/12/06/cam_20261206T000000Z.mp4"
    _put_killed_before_its_metadata(store, key, first)
    with pytest.raises(ObjectExists):
        store.put_file(key, other, {"sha256": "y"}, if_absent=True)
    assert store.read_range(key) == first.read_bytes() and store.head(key).metadata == {}
