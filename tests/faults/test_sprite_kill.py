"""kill -9 between a segment's tile and its sprite's upload loses nothing and
duplicates nothing.

An edge uploader process (tests.support.sprite_worker) with thumbnail sprites,
on a moto server (versioned bucket, write-once puts):

1. inside the window, it sends three segments, each saying its tile is in the
   sprite; killed with -9 with the tiles in the spool (the window open);
2. after the window, started again: it closes and assembles the window and puts
   the sprite; killed with -9 after the store took it, before the journal says so;
3. started again: the store refuses the put ("exists"), which is done.

The store ends with each segment and the sprite once (one version each), the
sprite with the three tiles, the journal with the sprite sent, the spool empty.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from edge_uploader.journal import Journal
from edge_uploader.spool import Spool
from footage.adapters.aws_local import ServerlessNames, provision
from footage.keys import build_spool_name, sprite_tile
from tests.support.cloud import REGION
from tests.support.media import make_clip

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
W0 = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
SPRITE = sprite_tile("HO", "lobby", W0, retention_days=30).key


def _worker(spool: Path, endpoint: str, bucket: str, at: datetime, log: Path,
            hang: str | None) -> subprocess.Popen[str]:  # fmt: skip
    command = [sys.executable, "-m", "tests.support.sprite_worker", "--spool", str(spool),
               "--endpoint", endpoint, "--bucket", bucket, "--at", at.isoformat(),
               "--log", str(log), *(["--hang", hang] if hang else [])]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def _kill_at_hang(worker: subprocess.Popen[str]) -> None:
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "hang", "the worker ended before its hang"
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(10) == -signal.SIGKILL


def test_kill_9_between_tile_and_sprite_upload_loses_and_duplicates_nothing(moto_server, tmp_path):
    suffix = uuid.uuid4().hex[:8]
    names = ServerlessNames(f"sprites-{suffix}", f"sprites-{suffix}", f"sprites-{suffix}")
    provision(names, moto_server, REGION)
    spool, log = tmp_path / "spool", tmp_path / "puts.log"
    journal = Journal(spool / "journal.sqlite3")
    edge = Spool(spool, journal, quota_bytes=10**9, min_free_bytes=0)
    edge.prepare(["lobby"])
    clip = make_clip(tmp_path / "clip.mp4", seconds=2)
    for minute in (0, 1, 3):
        src = edge.recording_dir("lobby") / build_spool_name(W0 + timedelta(minutes=minute))
        shutil.copy(clip, src)
        edge.finalize(src, "lobby", "HO", W0)
    journal.close()

    run = (spool, moto_server, names.bucket)
    _kill_at_hang(_worker(*run, W0 + timedelta(minutes=4), log, "after-tiles"))
    assert len(list((spool / "sprites").rglob("*.jpg"))) == 3  # the tiles survived
    after = W0 + timedelta(minutes=13)
    _kill_at_hang(_worker(*run, after, log, "after-sprite-put"))
    last = _worker(*run, after, log, None)
    out, _ = last.communicate(timeout=60)
    assert last.returncode == 0 and json.loads(out) == {SPRITE: "sent"}

    assert log.read_text().splitlines() == [f"put {SPRITE}", f"exists {SPRITE}"]
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name=REGION)
    versions = s3.list_object_versions(Bucket=names.bucket)["Versions"]
    keys = sorted(v["Key"] for v in versions)
    assert len(keys) == 4 and len(set(keys)) == 4 and SPRITE in keys  # each once
    sprite = s3.get_object(Bucket=names.bucket, Key=SPRITE)
    assert sprite["ContentType"] == "image/jpeg" and len(sprite["Body"].read()) > 1000
    left = [p for p in (spool / "sprites").rglob("*") if p.is_file() or p.name.endswith("Z")]
    assert left == [], "the spool kept the sprite's files"
