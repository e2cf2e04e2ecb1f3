"""GCS resumable upload sessions against gcp-storage-emulator: a put cut short
resumes at the byte the server committed; a changed file or a dead session
starts over; a finished object that does not match the file is refused."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from footage.adapters.gcs import GcsStorage, make_gcs_client
from footage.errors import StorageError
from footage.storage import META_CAMERA, META_SHA256
from tests.integration.test_storage_contract import KEY, Crash, write
from tests.unit.fakes import MemorySessions

pytestmark = pytest.mark.integration

CHUNK = 256 * 1024  # the smallest chunk GCS takes
SIZE = 5 * CHUNK + 1234  # six chunks, the last one short
TYPE = "video/mp2t"  # not the default, so a dropped content type shows


@pytest.fixture
def gcs(gcs_emulator: str) -> GcsStorage:
    client = make_gcs_client(gcs_emulator, "test-project")
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    client.create_bucket(bucket)
    return GcsStorage(client, bucket, "vms", chunk_size=CHUNK, resumable_threshold=CHUNK)


def meta(data: bytes) -> dict[str, str]:
    return {META_SHA256: hashlib.sha256(data).hexdigest(), META_CAMERA: "cam1"}


def crash_after(limit: int, sent: list[int]) -> Callable[[int], None]:
    def progress(amount: int) -> None:
        sent.append(amount)
        if sum(sent) > limit:
            raise Crash

    return progress


def session_url(sessions: MemorySessions) -> str:
    return str(json.loads(sessions.states[KEY])["session_url"])


def committed(store: GcsStorage, sessions: MemorySessions) -> int:
    """The server's own count of the bytes it holds for the journaled session."""
    response = store.client._http.put(
        session_url(sessions), headers={"Content-Range": f"bytes */{SIZE}"}, timeout=10
    )
    assert response.status_code == 308
    held = re.fullmatch(r"bytes=0-(\d+)", response.headers.get("Range", ""))
    return int(held.group(1)) + 1 if held else 0


def interrupted(store: GcsStorage, source: Path, sessions: MemorySessions, limit: int) -> int:
    """Put until ``limit`` bytes have gone out, then crash; the bytes the server kept."""
    sent: list[int] = []
    with pytest.raises(Crash):
        store.put_file(KEY, source, {}, TYPE, crash_after(limit, sent), sessions)
    assert store.head(KEY) is None  # nothing visible until the upload is final
    held = committed(store, sessions)
    assert 0 < held < SIZE and held <= sum(sent)
    return held


def content(store: GcsStorage, tmp_path: Path) -> bytes:
    store.download(KEY, tmp_path / "back.mp4")
    return (tmp_path / "back.mp4").read_bytes()


def test_interrupted_put_sends_only_what_the_server_lacks(gcs: GcsStorage, tmp_path: Path) -> None:
    source = tmp_path / "seg.mp4"
    data = write(source, SIZE)
    sessions = MemorySessions()
    journaled_first: list[bool] = []
    sent: list[int] = []

    def crash_in_chunk_three(amount: int) -> None:
        journaled_first.append(KEY in sessions.states)
        sent.append(amount)
        if sum(sent) > 2 * CHUNK + 1000:
            raise Crash

    with pytest.raises(Crash):
        gcs.put_file(KEY, source, meta(data), TYPE, crash_in_chunk_three, sessions)
    assert all(journaled_first) and sessions.saves == 1  # saved before the first byte
    assert len(sent) > 3  # counted as the transport reads, not once per chunk
    held = committed(gcs, sessions)
    assert 2 * CHUNK <= held <= sum(sent)

    resent: list[int] = []
    info = gcs.put_file(KEY, source, meta(data), TYPE, resent.append, sessions)

    assert sum(resent) == SIZE - held
    assert KEY not in sessions.states and sessions.saves == 1  # the same session went on
    assert content(gcs, tmp_path) == data
    assert info.size == SIZE and info.checksum_verified and info.etag
    blob = gcs._bucket.get_blob(f"vms/{KEY}")
    assert blob.content_type == TYPE and blob.metadata == meta(data)
    assert gcs.head(KEY).metadata == meta(data)  # type: ignore[union-attr]


def test_changed_file_starts_a_new_session(gcs: GcsStorage, tmp_path: Path) -> None:
    source = tmp_path / "seg.mp4"
    write(source, SIZE)
    sessions = MemorySessions()
    interrupted(gcs, source, sessions, 3 * CHUNK)
    new = write(source, SIZE)  # same size, other bytes

    resent: list[int] = []
    gcs.put_file(KEY, source, meta(new), TYPE, resent.append, sessions)

    assert sum(resent) == SIZE
    assert sessions.saves == 2 and KEY not in sessions.states
    assert content(gcs, tmp_path) == new
    assert gcs.head(KEY).metadata == meta(new)  # type: ignore[union-attr]


@pytest.mark.parametrize("damage", ["unknown upload id", "not json"])
def test_session_unknown_to_the_server_starts_over(
    gcs: GcsStorage, tmp_path: Path, damage: str
) -> None:
    source = tmp_path / "seg.mp4"
    data = write(source, SIZE)
    sessions = MemorySessions()
    interrupted(gcs, source, sessions, 2 * CHUNK)
    state = json.loads(sessions.states[KEY])
    state["session_url"] = re.sub(r"upload_id=[^&]+", "upload_id=gone", state["session_url"])
    sessions.states[KEY] = json.dumps(state) if damage == "unknown upload id" else "{oops"

    resent: list[int] = []
    gcs.put_file(KEY, source, meta(data), TYPE, resent.append, sessions)

    assert sum(resent) == SIZE
    assert sessions.saves == 2 and KEY not in sessions.states
    assert content(gcs, tmp_path) == data


def test_crash_before_the_first_byte_still_finishes_in_one_put(
    gcs: GcsStorage, tmp_path: Path
) -> None:
    """Nothing committed: real GCS answers without a Range header; the emulator
    claims one byte and then refuses the chunk from there (400), so the dead
    session is replaced within the same put instead of failing it."""
    source = tmp_path / "seg.mp4"
    data = write(source, SIZE)
    sessions = MemorySessions()
    with pytest.raises(Crash):
        gcs.put_file(KEY, source, {}, TYPE, crash_after(0, []), sessions)
    assert committed(gcs, sessions) <= 1

    resent: list[int] = []
    gcs.put_file(KEY, source, meta(data), TYPE, resent.append, sessions)

    assert SIZE <= sum(resent) <= SIZE + CHUNK  # at most the one refused chunk again
    assert KEY not in sessions.states
    assert content(gcs, tmp_path) == data


def test_object_unlike_the_file_is_deleted(gcs: GcsStorage, tmp_path: Path) -> None:
    """The file changes on disk mid-upload (after it was fingerprinted): the
    object's MD5 then differs from the file's, so the object must go."""
    source = tmp_path / "seg.mp4"
    data = write(source, SIZE)
    sessions = MemorySessions()

    def rewrite_the_tail(amount: int) -> None:
        if amount and source.read_bytes()[-10:] == data[-10:]:
            with source.open("r+b") as handle:
                handle.seek(SIZE - 10)
                handle.write(bytes(10))

    with pytest.raises(StorageError, match="corrupt"):
        gcs.put_file(KEY, source, meta(data), TYPE, rewrite_the_tail, sessions)

    assert gcs.head(KEY) is None and KEY not in sessions.states


def test_small_file_takes_the_single_request_path(gcs: GcsStorage, tmp_path: Path) -> None:
    source = tmp_path / "small.mp4"
    data = write(source, CHUNK - 1)
    sessions = MemorySessions()
    sent: list[int] = []

    gcs.put_file(KEY, source, meta(data), TYPE, sent.append, sessions)

    assert sessions.saves == 0 and sum(sent) == CHUNK - 1
    assert content(gcs, tmp_path) == data


def test_chunk_size_must_be_a_multiple_of_256_kib(gcs: GcsStorage) -> None:
    with pytest.raises(ValueError, match="256 KiB"):
        GcsStorage(gcs.client, gcs.bucket_name, chunk_size=CHUNK + 1)
