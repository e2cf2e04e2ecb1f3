"""kill -9 at random points while the edge records, uploads and seals manifests:
the chain of custody neither forks nor loses a record, and every manifest verifies.

An edge uploader process (tests.support.chain_worker: the real Spool, Uploader
and Manifests, a manifest every 0.25 s, a NAS folder as storage) is started and
killed with -9 a random 0.05-0.6 s after it is ready, several times; a last run
drains the backlog and seals the leftovers. Then, from storage alone: every
manifest's signature holds, the manifests form one chain (seq 0..n, each naming
its predecessor's hash), each camera's records run seq 0..m once each (no two
records with one seq, no record twice, none missing) and verify as a chain, and
every stored segment has exactly its record (hash and size). The journal agrees:
nothing left to seal or send, and the records it holds are the manifests'.
"""

from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.chain import load_or_create
from edge_uploader.journal import Journal
from footage.adapters.filesystem import FilesystemStorage
from footage.chain import RecordKind
from footage.chain_verify import StoredObject, compare_stored, verify_chain
from footage.keys import chain_object_name
from footage.manifest import (
    Manifest,
    PublicKey,
    manifest_chain_breaks,
    public_raw,
    verify_signature,
)
from tests.support.chain_worker import CAMERAS, SITE

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
KILLS = 8


def _worker(tmp_path: Path, run: int, drain: bool = False) -> subprocess.Popen[str]:
    folders = [f"--{n}={tmp_path / n}" for n in ("spool", "data", "nas")]
    command = [sys.executable, "-m", "tests.support.chain_worker", *folders, "--run", str(run),
               *(["--drain"] if drain else [])]  # fmt: skip
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "ready", f"run {run} did not start"
    return worker


def _manifests(storage: FilesystemStorage, key: PublicKey) -> list[Manifest]:
    """Every manifest in storage, its signature checked, in seq order."""
    found = []
    for obj in storage.list("manifests/"):
        if obj.key.endswith(".json"):
            signature = storage.read_range(obj.key.removesuffix(".json") + ".sig")
            found.append(verify_signature(storage.read_range(obj.key), signature, [key]))
    return sorted(found, key=lambda m: m.seq)


def test_kill_9_at_random_points_neither_forks_nor_loses_the_chain(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    for run in range(KILLS):
        worker = _worker(tmp_path, run)
        try:
            worker.wait(rng.uniform(0.05, 0.6))
        except subprocess.TimeoutExpired:
            worker.send_signal(signal.SIGKILL)
        assert worker.wait(10) == -signal.SIGKILL, f"run {run} ended by itself (seed {seed})"
    last = _worker(tmp_path, KILLS, drain=True)
    out, _ = last.communicate(timeout=30)
    assert last.returncode == 0 and out.strip() == "done", f"seed {seed}"

    private, _ = load_or_create(tmp_path / "data", SITE)
    key = PublicKey(private.key_id, public_raw(private.private), datetime(2000, 1, 1, tzinfo=UTC))
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    manifests = _manifests(storage, key)
    assert [m.seq for m in manifests] == list(range(len(manifests))), f"seed {seed}"
    assert manifest_chain_breaks(manifests) == [], f"seed {seed}"
    assert len(manifests) >= 3, f"too few manifests to mean anything (seed {seed})"
    stored = [StoredObject(chain_object_name(o.key), _sha(storage, o.key), o.size)
              for o in storage.list("segments/")]  # fmt: skip
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    assert journal.chain.pending(datetime.now(UTC) + timedelta(days=1)) == []
    for camera in CAMERAS:
        records = [r for m in manifests for r in m.cameras.get(camera, ())]
        assert [r.seq for r in records] == list(range(len(records))), f"{camera} (seed {seed})"
        assert len({r.hash for r in records}) == len(records)
        assert verify_chain(records, manifests[0].anchors()) == [], f"{camera} (seed {seed})"
        assert journal.chain.records(SITE, camera) == records  # all sealed, the same
        segments = [r for r in records if r.kind is RecordKind.SEGMENT]
        mine = [s for s in stored if f"/{camera}/" in s.name]
        assert len(segments) == len(mine) >= 4, f"{camera} (seed {seed})"
        assert compare_stored(records, mine) == [], f"{camera} (seed {seed})"


def _sha(storage: FilesystemStorage, key: str) -> str:
    return hashlib.sha256(storage.read_range(key)).hexdigest()
