"""The edge's chain of custody on NAS storage: segments uploaded and one dropped
become chain records, sealed into a signed manifest that verifies from storage alone."""

from __future__ import annotations

import random
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.chain import ManifestPolicy, Manifests, load_or_create
from edge_uploader.journal import Journal
from edge_uploader.lifecycle import SegmentState
from edge_uploader.spool import Spool
from edge_uploader.uploader import Uploader, UploadPolicy
from footage.adapters.filesystem import FilesystemStorage
from footage.chain import RecordKind
from footage.chain_verify import StoredObject, compare_stored, verify_chain
from footage.clock import FixedClock
from footage.errors import StorageError
from footage.keys import build_manifest_key, build_spool_name, chain_object_name, parse_manifest_key
from footage.manifest import PublicKey, manifest_chain_breaks, public_raw, verify_signature

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def _edge(tmp_path: Path, clock: FixedClock) -> tuple[Spool, Journal, Manifests, FilesystemStorage]:
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    spool = Spool(tmp_path / "spool", journal, quota_bytes=10**9, min_free_bytes=0)
    spool.prepare(["lobby", "gate"])
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    key, made = load_or_create(tmp_path / "data", "HO")
    assert made
    journal.chain.register_key("HO", key.key_id, ["lobby", "gate"], clock.now())
    manifests = Manifests(journal, storage, clock, {"HO": key}, ManifestPolicy({"HO": 30}),
                          tmp_path / "spool" / "manifests")  # fmt: skip
    return spool, journal, manifests, storage


def _record(spool: Spool, clock: FixedClock, camera: str, minute: int) -> Path:
    start = T0 + timedelta(minutes=minute)
    src = spool.recording_dir(camera) / build_spool_name(start)
    src.write_bytes(f"{camera} footage of minute {minute}".encode() * 50)
    target = spool.finalize(src, camera, "HO", clock.now())
    assert target is not None
    return target


def test_records_become_a_signed_manifest_that_verifies_from_storage(tmp_path: Path) -> None:
    clock = FixedClock(T0 + timedelta(minutes=5))
    spool, journal, manifests, storage = _edge(tmp_path, clock)
    for minute in range(3):
        _record(spool, clock, "lobby", minute)
    _record(spool, clock, "gate", 0)
    lost = _record(spool, clock, "gate", 1)
    journal.uploads.close_row(lost, SegmentState.DROPPED, "spool full", clock.now())
    uploader = Uploader(journal, storage, clock, UploadPolicy(workers=1), rng=random.Random(1),
                        manifests=manifests)  # fmt: skip

    uploader.tick()  # footage, then the first manifest (none before: due at once)

    keys = sorted(o.key for o in storage.list("manifests/"))
    issued = clock.now().replace(microsecond=0)
    json_key = build_manifest_key("HO", issued, retention_days=30)
    assert keys == sorted([json_key, json_key[:-5] + ".sig"])
    assert parse_manifest_key(json_key).site == "HO"
    body, sig = storage.read_range(json_key), storage.read_range(json_key[:-5] + ".sig")
    key = manifests.keys["HO"]
    public = PublicKey(key.key_id, public_raw(key.private), T0 - timedelta(days=1))
    manifest = verify_signature(body, sig, [public])
    lobby, gate = manifest.cameras["lobby"], manifest.cameras["gate"]
    assert [r.kind for r in lobby] == [RecordKind.GENESIS] + [RecordKind.SEGMENT] * 3
    assert [r.kind for r in gate] == [
        RecordKind.GENESIS,
        RecordKind.DROPPED,
        RecordKind.SEGMENT,
    ]  # dropped first
    assert gate[1].fields["reason"] == "dropped"
    assert verify_chain(list(lobby), manifest.anchors()) == []
    stored = [StoredObject(chain_object_name(o.key), _sha(storage, o.key), o.size)
              for o in storage.list("segments/")]  # fmt: skip
    assert compare_stored(list(lobby) + list(gate), stored) == []
    # the index: where each segment record's object went (undescribed: not the
    # edge's recording, these bytes are no video)
    segments = {o.key for o in storage.list("segments/")}
    assert {e.key for e in manifest.index} == segments
    assert all(not e.described for e in manifest.index)
    assert {(e.camera, e.seq) for e in manifest.index} == {
        (r.camera, r.seq) for r in manifest.records() if r.kind is RecordKind.SEGMENT
    }

    clock.advance(minutes=5)
    _record(spool, clock, "lobby", 3)
    uploader.tick()  # a record, but the 10 minutes are not over: no manifest yet
    assert len(list(storage.list("manifests/"))) == 2
    clock.advance(minutes=5)
    uploader.tick()
    second = journal.chain.manifests("HO")
    assert [m.seq for m in second] == [0, 1] and manifest_chain_breaks(second) == []
    assert [r.seq for r in second[1].cameras["lobby"]] == [4]


def _sha(storage: FilesystemStorage, key: str) -> str:
    import hashlib

    return hashlib.sha256(storage.read_range(key)).hexdigest()


def test_a_replayed_move_appends_nothing_and_the_key_file_is_private(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    spool, journal, _, _ = _edge(tmp_path, clock)
    path = _record(spool, clock, "lobby", 0)
    assert journal.uploads.claim_for_upload(path) is not None
    journal.uploads.record_hash(path, path.stat().st_size, "a" * 64)
    key = "segments/retention=30/HO/lobby/2026/11/25/lobby_20261125T010000Z.mp4"
    journal.uploads.mark_uploaded(path, key, clock.now())
    journal.uploads.mark_uploaded(path, key, clock.now())  # a retry after a crash
    assert [r.seq for r in journal.chain.records("HO", "lobby")] == [0, 1]
    mode = (tmp_path / "data" / "keys" / "HO.ed25519.pem").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    _, made = load_or_create(tmp_path / "data", "HO")
    assert not made


def test_a_failing_store_keeps_the_manifest_for_later(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    _, journal, manifests, storage = _edge(tmp_path, clock)
    journal.chain.append("HO", "lobby", RecordKind.GAP,
                         {"start": T0, "end": T0 + timedelta(minutes=2), "reason": "unreachable"},
                         "gap:1", clock.now())  # fmt: skip
    real_put = storage.put_file

    def down(*args: object, **kwargs: object) -> object:
        raise StorageError("NAS unreachable")

    storage.put_file = down  # type: ignore[method-assign]
    assert manifests.tick() == 0
    storage.put_file = real_put  # type: ignore[method-assign]
    assert journal.chain.pending(clock.now()) == []  # waits for its retry time
    clock.advance(minutes=2)
    assert manifests.tick() == 1
    assert len(list(storage.list("manifests/"))) == 2


@pytest.mark.parametrize("site", ["../x", ""])
def test_key_path_refuses_bad_site_ids(tmp_path: Path, site: str) -> None:
    from footage.errors import KeyFormatError

    with pytest.raises(KeyFormatError):
        load_or_create(tmp_path, site)


def test_the_manifest_index_carries_each_described_segment_as_it_went_up(tmp_path: Path) -> None:
    from footage.description import from_metadata
    from tests.support.media import make_clip

    clock = FixedClock(T0 + timedelta(minutes=5))
    spool, journal, manifests, storage = _edge(tmp_path, clock)
    src = spool.recording_dir("lobby") / build_spool_name(T0)
    make_clip(src, seconds=2)
    assert spool.finalize(src, "lobby", "HO", clock.now()) is not None
    uploader = Uploader(journal, storage, clock, UploadPolicy(workers=1, describe=True),
                        rng=random.Random(1), manifests=manifests)  # fmt: skip

    uploader.tick()

    (manifest,) = journal.chain.manifests("HO")
    (entry,) = manifest.index
    head = storage.head(entry.key)
    assert entry.key == next(o.key for o in storage.list("segments/"))
    described = from_metadata(entry.described)
    assert described == from_metadata(head.metadata)  # what the object itself carries
    assert (described.codec, described.size, described.camera) == ("h264", head.size, "lobby")
    assert 1500 <= described.duration_ms <= 2500
