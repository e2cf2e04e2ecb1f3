"""Uploads over a real slow link: a moto S3 server in its own network namespace
behind a veth pair shaped with ``tc tbf`` to 8 Mbit/s, like a branch uplink.
The site's budget (footage.bandwidth) must hold the uploads to its cap while
leaving the rest of the link free. Needs root, as CI has."""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.journal import Journal
from edge_uploader.spool import Spool
from edge_uploader.uploader import Uplink, Uploader, UploadPolicy
from footage.adapters.s3 import S3Storage, make_s3_client
from footage.bandwidth import TokenBucket
from footage.clock import SystemClock
from footage.keys import build_segment_key, build_spool_name, parse_spool_name
from tests.support.shaped import LINK_MBIT

pytestmark = pytest.mark.integration
SEGMENT = 750_000
SEGMENTS = 8  # 6 MB: 12 s at 4 Mbit/s
MB = 1024 * 1024


@pytest.fixture(scope="module")
def bucket_store(shaped_endpoint: str) -> Iterator[S3Storage]:
    region = "ap-southeast-3"
    client = make_s3_client(shaped_endpoint, region)
    client.create_bucket(Bucket="footage", CreateBucketConfiguration={"LocationConstraint": region})
    yield S3Storage(client, "footage", "")


def _backlog(tmp_path: Path) -> tuple[Journal, int]:
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    spool = Spool(tmp_path / "spool", journal, quota_bytes=10**10, min_free_bytes=0)
    spool.prepare(["lobby"])
    start = datetime.now(UTC) - timedelta(hours=1)
    for i in range(SEGMENTS):
        src = spool.recording_dir("lobby") / build_spool_name(start + timedelta(minutes=i))
        src.write_bytes(os.urandom(SEGMENT))  # incompressible, like video
        assert spool.finalize(src, "lobby", "HO", datetime.now(UTC)) is not None
    return journal, SEGMENTS * SEGMENT


def _drain(journal: Journal, store: S3Storage, budget: TokenBucket | None) -> float:
    """Upload the backlog with two workers; the achieved rate in bit/s."""
    policy = UploadPolicy(workers=2, retry_initial_s=1, retry_max_s=2)
    budgets = {"HO": budget} if budget else {}
    uploader = Uploader(journal, store, SystemClock(), policy, random.Random(1), Uplink(budgets))
    started = time.monotonic()
    while uploader.uploaded < SEGMENTS and time.monotonic() - started < 120:
        uploader.tick()
    assert uploader.uploaded == SEGMENTS, uploader.last_error
    return uploader.uploaded_bytes * 8 / (time.monotonic() - started)


def test_the_sites_cap_holds_on_a_shaped_link(bucket_store: S3Storage, tmp_path: Path) -> None:
    journal, total = _backlog(tmp_path)
    cap_bits = 4_000_000  # half the link: the other half stays free for live view
    budget = TokenBucket(lambda: cap_bits / 8)
    achieved = _drain(journal, bucket_store, budget)
    assert budget.consumed == total
    print(f"cap 4.0 Mbit/s on an 8 Mbit/s link: {achieved / 1e6:.2f} Mbit/s")
    # The cap is the upper bound. The lower bound only catches a starving bucket
    # (e.g. two workers each charged for both: 2 Mbit/s); wall time also holds the
    # server's own work between segments, which a loaded CI machine stretches
    # (3.13 Mbit/s seen there, 3.9 on a quiet one).
    assert 0.65 * cap_bits <= achieved <= 1.05 * cap_bits


def test_without_a_cap_uploads_fill_the_link(bucket_store: S3Storage, tmp_path: Path) -> None:
    """The control: the link itself is slow, so the cap above is what held uploads."""
    journal, _ = _backlog(tmp_path)
    achieved = _drain(journal, bucket_store, None)
    print(f"no cap on an 8 Mbit/s link: {achieved / 1e6:.2f} Mbit/s")
    assert 0.75 * LINK_MBIT * 1e6 <= achieved <= 1.05 * LINK_MBIT * 1e6


def _session_parts(journal_path: Path) -> int:
    with sqlite3.connect(journal_path) as db:
        row = db.execute("SELECT state FROM upload_sessions").fetchone()
    return len(json.loads(row[0])["parts"]) if row else 0


def test_kill_9_mid_upload_then_restart_sends_only_missing_parts(
    bucket_store: S3Storage, tmp_path: Path
) -> None:
    """A 15 MB segment in 5 MB parts over the 8 Mbit/s link: the edge is killed
    (-9) once a part is recorded; the restarted edge sends only the rest."""
    journal = Journal(tmp_path / "spool" / "journal.sqlite3")
    spool = Spool(tmp_path / "spool", journal, quota_bytes=10**10, min_free_bytes=0)
    spool.prepare(["lobby"])
    src = spool.recording_dir("lobby") / build_spool_name(datetime.now(UTC) - timedelta(hours=2))
    data = os.urandom(15 * MB)
    src.write_bytes(data)
    segment = spool.finalize(src, "lobby", "HO", datetime.now(UTC))
    assert segment is not None
    endpoint = bucket_store.client.meta.endpoint_url
    command = [sys.executable, "-m", "tests.support.upload_worker", "--spool",
               str(tmp_path / "spool"), "--endpoint", endpoint, "--bucket", "footage"]  # fmt: skip
    first = subprocess.Popen(command, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _session_parts(journal.path) < 1 and first.poll() is None:
        assert time.monotonic() < deadline, "no part recorded within 60 s"
        time.sleep(0.05)
    first.kill()  # SIGKILL: no cleanup, no abort of the multipart upload
    first.wait()
    recorded = _session_parts(journal.path)
    assert 1 <= recorded < 3, recorded
    second = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    sent = json.loads(second.stdout)["sent"]
    print(f"killed after {recorded} of 3 parts; the restart sent {sent / MB:.0f} MB")
    assert sent == 15 * MB - recorded * 5 * MB
    key = build_segment_key("HO", "lobby", parse_spool_name(segment.name), retention_days=180)
    back = tmp_path / "back.mp4"
    bucket_store.download(key, back)
    assert hashlib.sha256(back.read_bytes()).digest() == hashlib.sha256(data).digest()
    assert _session_parts(journal.path) == 0  # the finished session is forgotten
