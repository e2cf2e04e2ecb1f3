"""The sweep as a net, on a moto server with the real sweep and ingest handlers.

Lifecycle and TTL are what delete in AWS (moto runs neither); the net repairs what
they missed: a row whose object lifecycle expired is TTL's (left, hidden from the
viewer) until its expiry is footage.retention.TTL_GRACE old, then dropped (missed by
TTL); a row whose object went before lifecycle's time is dropped; an upload whose ingest
message was lost (re-indexed: the sweep sends its notification to the ingest
queue, as in AWS, and the ingest handler indexes it), an object past retention no rule
removed (deleted), and never evidence. A second run, with nothing missing, only
reads: its AWS calls are counted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus

import boto3
import pytest

from footage.clock import FixedClock
from footage.keys import build_evidence_key, build_segment_key
from footage.models import Protection, Segment
from functions.local import LocalContext
from tests.support.cloud import REGION, Cloud, count_aws_calls, serverless
from tests.support.media import make_clip

pytestmark = pytest.mark.integration
REAL = datetime.now(UTC).replace(second=0, microsecond=0)
NOW = REAL + timedelta(hours=7)  # the uploads below are settled (grace: 6 h)
WRITES = {"DeleteObjects", "DeleteObject", "PutObject", "CopyObject", "BatchWriteItem",
          "PutItem", "DeleteItem", "UpdateItem", "Invoke"}  # fmt: skip


@pytest.fixture
def cloud(moto_server: str, tmp_path, monkeypatch) -> Iterator[Cloud]:
    with serverless(moto_server, tmp_path, {"lobby": ("HO", 30)}) as harness:
        runtime = dataclasses.replace(harness.sweep.runtime, clock=FixedClock(NOW))
        monkeypatch.setattr(harness.sweep, "runtime", runtime)
        queue = {"ingest_queue_url": harness.queues.queue_url}  # as the CDK stack sets it
        monkeypatch.setattr(
            harness.sweep, "settings", harness.sweep.settings.model_copy(update=queue)
        )
        yield harness


def _key(start: datetime) -> str:
    return build_segment_key("HO", "lobby", start, retention_days=30)


def _row(cloud: Cloud, start: datetime, key: str | None = None) -> Segment:
    end = start + timedelta(minutes=1)
    # expires_at as ingest writes it: the table's TTL attribute
    row = Segment("lobby", "HO", start, end, 3, "ab" * 32, key or _key(start),
                  expires_at=end + timedelta(days=30))  # fmt: skip
    cloud.catalog.add_segment(row)
    return row


def test_the_sweep_repairs_what_lifecycle_and_ttl_missed_and_leaves_evidence(
    cloud: Cloud, tmp_path, monkeypatch
) -> None:
    edge = NOW - timedelta(days=29)  # lifecycle expired the class-30 objects of that day
    # lifecycle took its object (midnight UTC past 28 days), TTL's: its expiry is to come
    expired_object = _row(cloud, edge - timedelta(days=1, minutes=-5))
    lost_early = _row(cloud, NOW - timedelta(days=1))  # its object went before lifecycle's time
    held = _row(cloud, edge + timedelta(minutes=7))  # its object gone too, but held
    copy = build_evidence_key(held.key)
    cloud.storage.put_bytes(copy, b"held copy")
    old = NOW - timedelta(days=31)  # past retention: a key no lifecycle rule covered
    stray, held_stray = _key(old), _key(old + timedelta(minutes=10))
    for key in (stray, held_stray):
        cloud.storage.put_bytes(key, b"old")
    for start in (held.start, old + timedelta(minutes=10)):
        cloud.catalog.add_protection(Protection("lobby", start, start + timedelta(minutes=1),
                                                "case 17"))  # fmt: skip
    lost = _key(REAL - timedelta(hours=3))
    cloud.storage.put_file(lost, make_clip(tmp_path / "clip.mp4", seconds=2))
    sqs = boto3.client("sqs", endpoint_url=cloud.endpoint, region_name=REGION)
    sqs.purge_queue(QueueUrl=cloud.queues.queue_url)  # its ingest message was lost

    first = cloud.sweep.handler({"source": "aws.events"}, LocalContext("sweep"))
    assert cloud.catalog.get_segment("lobby", REAL - timedelta(hours=3)) is None  # queued only
    assert cloud.pump() == [] and len(cloud.bodies) == 1 and lost in unquote_plus(cloud.bodies[0])

    get = cloud.catalog.get_segment
    assert get("lobby", expired_object.start) is not None  # TTL deletes it, for free
    start = expired_object.start
    shown = cloud.sweep.runtime.catalog.query_camera("lobby", start, start + timedelta(minutes=1))
    assert shown == []  # the API's catalog never shows it: lifecycle may have taken its object
    assert get("lobby", lost_early.start) is None  # row whose object is gone: dropped
    reindexed = get("lobby", REAL - timedelta(hours=3))
    assert reindexed is not None and reindexed.key == lost  # object whose row is gone
    assert cloud.storage.head(stray) is None  # ... past retention: deleted
    assert get("lobby", held.start) is not None  # evidence: its row, its copy, its orphan
    assert cloud.storage.head(copy) is not None and cloud.storage.head(held_stray) is not None
    assert (first["SweepRowsDropped"], first["SweepReindexed"], first["SweepOrphansDeleted"],
            first["SweepProtectedKept"], first["SweepErrors"]) == (1, 1, 1, 1, 0)  # fmt: skip
    assert (first["SweepLeftToTtl"], first["SweepMissedByTtl"],
            first["SweepMissedByLifecycle"]) == (1, 0, 1)  # fmt: skip

    calls = count_aws_calls(monkeypatch)
    second = cloud.sweep.handler({"source": "aws.events"}, LocalContext("sweep"))

    days = second["SweepCameraDays"]
    assert (second["SweepRowsDropped"], second["SweepReindexed"], second["SweepObjectsDeleted"],
            second["handed_on"]) == (0, 0, 0, [])  # fmt: skip
    assert not WRITES & set(calls), calls  # nothing missing: the net only reads
    print(f"\nnet with nothing missing: {days} camera-days, calls {dict(calls)}")


def test_rows_ttl_has_time_for_are_left_to_it_and_those_it_missed_are_deleted(
    cloud: Cloud,
) -> None:
    waiting = _row(cloud, NOW - timedelta(days=31))  # expired a day ago: TTL's
    missed = _row(cloud, NOW - timedelta(days=34))  # expired 4 days ago (grace: 3)
    for row in (waiting, missed):
        cloud.storage.put_bytes(row.key, b"footage")  # moto runs no lifecycle either

    report = cloud.sweep.handler({"source": "aws.events"}, LocalContext("sweep"))

    assert cloud.catalog.get_segment("lobby", waiting.start) is not None
    assert cloud.storage.head(waiting.key) is not None
    assert cloud.sweep.runtime.catalog.query_camera("lobby", waiting.start, waiting.end) == []
    assert cloud.catalog.get_segment("lobby", missed.start) is None
    assert cloud.storage.head(missed.key) is None
    assert (report["SweepSegmentsDeleted"], report["SweepMissedByTtl"],
            report["SweepErrors"]) == (1, 1, 0)  # fmt: skip
