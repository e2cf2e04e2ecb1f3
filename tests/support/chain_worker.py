"""An edge uploader with the chain of custody in its own process, for tests that
kill it with -9 at random points while it records, uploads and seals manifests.

    python -m tests.support.chain_worker --spool DIR --data DIR --nas DIR --run N
        [--drain]

N < 60. Starts as ``vms up`` would (the spool reconciled: leftovers of a killed run
finalized), prints ``ready``, then loops: records one small segment per camera
(named in run ``N``'s own minutes, so no two runs collide), and ticks the real
Uploader, whose Manifests seal a signed manifest every :data:`EVERY` and send it
write-once to the NAS folder. With ``--drain`` it records nothing: it uploads
the backlog, seals and sends the leftovers (``Manifests.flush``) and prints
``done``.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge_uploader.chain import ManifestPolicy, Manifests, load_or_create
from edge_uploader.journal import Journal
from edge_uploader.spool import Spool
from edge_uploader.uploader import Uploader, UploadPolicy
from footage.adapters.filesystem import FilesystemStorage
from footage.clock import SystemClock
from footage.keys import build_spool_name

SITE = "HO"
CAMERAS = ("lobby", "gate")
RETENTION = 30
#: far shorter than the product's 10 minutes (config uploader.manifest_interval_s):
#: a manifest every few ticks, so kills land while one is sealed or sent
EVERY = timedelta(seconds=0.25)
#: the footage's time: from a day ago, a minute per segment, run N at second N
BASE = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
POLICY = UploadPolicy(workers=1, retry_initial_s=0.1, retry_max_s=0.5, queue_ingest=False,
                      retention={c: timedelta(days=RETENTION) for c in CAMERAS})  # fmt: skip


def _record(spool: Spool, run: int, index: int, now: datetime) -> None:
    """One segment per camera, as the recorder leaves it (written, then finalized)."""
    start = BASE + timedelta(minutes=index, seconds=run)
    for camera in CAMERAS:
        src = spool.recording_dir(camera) / build_spool_name(start)
        part = src.with_suffix(".part")
        part.write_bytes(f"{camera} {start.isoformat()} ".encode() * 2000)
        part.rename(src)
        spool.finalize(src, camera, SITE, now)


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--spool", "--data", "--nas"):
        parser.add_argument(name, type=Path, required=True)
    parser.add_argument("--run", type=int, required=True)
    parser.add_argument("--drain", action="store_true")
    args = parser.parse_args()
    clock = SystemClock()
    journal = Journal(args.spool / "journal.sqlite3")
    spool = Spool(args.spool, journal, quota_bytes=10**10, min_free_bytes=0)
    spool.prepare(list(CAMERAS))
    spool.reconcile(dict.fromkeys(CAMERAS, SITE), clock.now())
    key, _ = load_or_create(args.data, SITE)
    store = FilesystemStorage(args.nas, b"k" * 32)
    policy = ManifestPolicy({SITE: RETENTION}, {SITE: list(CAMERAS)}, every=EVERY)
    manifests = Manifests(journal, store, clock, {SITE: key}, policy, args.spool / "manifests",
                          data_dir=args.data)  # fmt: skip
    uploader = Uploader(journal, store, clock, POLICY, random.Random(args.run),
                        manifests=manifests)  # fmt: skip
    manifests.flush()  # as vms up does at start: the last run's leftovers
    print("ready", flush=True)
    if args.drain:
        deadline = time.monotonic() + 20
        while journal.stats.backlog().count and time.monotonic() < deadline:
            uploader.tick()
        manifests.flush()
        print("done", flush=True)
        return
    for index in range(1000):
        _record(spool, args.run, index, clock.now())
        uploader.tick()
        time.sleep(0.01)


if __name__ == "__main__":
    main()
