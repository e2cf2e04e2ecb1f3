"""An edge uploader with thumbnail sprites in its own process, for tests that
kill it with -9 between a tile and its sprite's upload.

    python -m tests.support.sprite_worker --spool DIR --endpoint URL --bucket B
        --at ISO-TIME --log FILE [--hang after-tiles|after-sprite-put]

Starts as ``vms up`` would (the spool reconciled), then uploads the backlog and
works the sprites with the real Uploader and Sprites at the fixed time ``--at``.
Every sprite put the store took or refused is appended to ``--log``. With
``--hang`` it prints ``hang`` at that point and waits to be killed; without, it
prints the sprites' states as JSON once none is left to send.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from edge_uploader.journal import Journal
from edge_uploader.lifecycle import SPRITE_PENDING, SpriteState
from edge_uploader.spool import Spool
from edge_uploader.sprites import Sprites, sprite_policy
from edge_uploader.uploader import Uploader, UploadPolicy
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.clock import FixedClock
from footage.errors import ObjectExists
from footage.models import ObjectInfo

REGION = "us-east-1"
POLICY = UploadPolicy(workers=1, retry_initial_s=0.2, retry_max_s=1, queue_ingest=False,
                      describe=True, retention={"lobby": timedelta(days=30)})  # fmt: skip


class LoggedStore(S3Storage):
    """S3 that writes down each thumbnail put it took or refused (and may hang after one)."""

    log_path: Path
    hang_after_put: bool = False

    def put_file(self, key: str, path: Path, metadata: Mapping[str, str] | None = None,
                 *args: Any, **kwargs: Any) -> ObjectInfo:  # fmt: skip
        try:
            info = super().put_file(key, path, metadata, *args, **kwargs)
        except ObjectExists:
            self._note(f"exists {key}")
            raise
        if key.startswith("thumbnails/"):
            self._note(f"put {key}")
            if self.hang_after_put:
                _hang()  # stored, not yet journalled as sent
        return info

    def _note(self, line: str) -> None:
        with self.log_path.open("a") as log:
            log.write(line + "\n")


def _hang() -> None:
    print("hang", flush=True)
    while True:
        time.sleep(60)


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--spool", "--log"):
        parser.add_argument(name, type=Path, required=True)
    for name in ("--endpoint", "--bucket", "--at"):
        parser.add_argument(name, required=True)
    parser.add_argument("--hang", choices=("after-tiles", "after-sprite-put"))
    args = parser.parse_args()
    clock = FixedClock(datetime.fromisoformat(args.at))
    journal = Journal(args.spool / "journal.sqlite3")
    spool = Spool(args.spool, journal, quota_bytes=10**9, min_free_bytes=0)
    spool.prepare(["lobby"])
    spool.reconcile({"lobby": "HO"}, clock.now())
    store = LoggedStore(make_s3_client(args.endpoint, REGION), args.bucket, server_checksums=True)
    store.log_path, store.hang_after_put = args.log, args.hang == "after-sprite-put"
    sprites = Sprites(journal, store, clock, spool.sprites_dir, sprite_policy({"lobby": 60}))
    uploader = Uploader(journal, store, clock, POLICY, random.Random(1), sprites=sprites)
    deadline = time.monotonic() + 30
    while journal.stats.backlog().count or journal.sprites.windows(*SPRITE_PENDING):
        if args.hang == "after-tiles" and not journal.stats.backlog().count:
            _hang()  # the tiles are in the spool and journalled; the sprite is not sent
        if time.monotonic() > deadline:
            break
        if uploader.tick() == 0:
            time.sleep(0.1)
    states = {w.key: w.state.value for w in journal.sprites.windows(*SpriteState)}
    print(json.dumps(states), flush=True)


if __name__ == "__main__":
    main()
