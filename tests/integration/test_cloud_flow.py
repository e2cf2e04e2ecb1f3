"""The serverless path over HTTP against a moto server, with the real handlers.

edge uploader (``vms upload drain``) -> S3 -> S3 notification -> SQS -> the
ingest handler (as Lambda's event source mapping calls it) -> DynamoDB; then
the sweep handler with an injected clock.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

from footage.adapters.aws_local import QueuePoller
from footage.clock import FixedClock
from footage.keys import (
    build_export_key,
    build_segment_key,
    build_spool_name,
    build_thumbnail_key,
)
from footage.media import probe
from footage.models import Protection, SegmentStatus
from footage.retention import TTL_GRACE
from footage.services.evidence import protect
from footage.services.exports import ExportStore, create_export
from footage.storage import META_SHA256
from functions.local import LocalContext, sqs_event
from tests.support.cloud import REGION, Cloud, serverless
from tests.support.media import make_clip

pytestmark = pytest.mark.integration
VMS = str(Path(sys.executable).parent / "vms")
# Recent: the edge never uploads footage older than its retention (30 days for lobby).
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
CAMERAS = {"lobby": ("HO", 30), "gudang": ("CABANG-01", 180)}


@pytest.fixture(scope="module")
def cloud(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    with serverless(moto_server, tmp_path_factory.mktemp("cloud"), CAMERAS) as harness:
        yield harness


def _edge_upload(cloud: Cloud, tmp_path: Path, camera: str, minutes: list[int]) -> dict[str, str]:
    """Segments into the spool, then the real edge uploader: key -> sha256."""
    site, days = CAMERAS[camera]
    data_dir = tmp_path / "edge"
    ready = data_dir / "spool" / "ready" / camera
    ready.mkdir(parents=True, exist_ok=True)
    expected = {}
    for minute in minutes:
        start = T0 + timedelta(minutes=minute)
        data = make_clip(ready / build_spool_name(start)).read_bytes()
        key = build_segment_key(site, camera, start, retention_days=days)  # the camera's class
        expected[key] = hashlib.sha256(data).hexdigest()
    done = subprocess.run(
        [VMS, "upload", "drain", "--config", str(cloud.config), "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "VMS_LOG_LEVEL": "WARNING"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return expected


def test_edge_upload_is_indexed_and_downloadable(cloud, tmp_path):
    expected = _edge_upload(cloud, tmp_path, "lobby", [0, 1])
    assert cloud.pump() == []
    rows = cloud.catalog.query_camera("lobby", T0, T0 + timedelta(minutes=5))
    assert {r.key: r.sha256 for r in rows} == expected
    for row in rows:
        assert row.status is SegmentStatus.OK and row.codec == "h264"
        assert row.expires_at is not None
        assert row.expires_at - row.end == timedelta(days=30)
        assert row.thumbnail_key and cloud.storage.head(row.thumbnail_key) is not None
        url = cloud.storage.presign(row.key, timedelta(minutes=5))
        with urllib.request.urlopen(url, timeout=10) as response:
            assert hashlib.sha256(response.read()).hexdigest() == expected[row.key]


def test_export_lambda_continues_itself_and_joins(cloud, tmp_path, monkeypatch):
    _edge_upload(cloud, tmp_path, "lobby", [40, 41])
    assert cloud.pump() == []
    store = ExportStore(cloud.storage)
    start, end = T0 + timedelta(minutes=40, seconds=1), T0 + timedelta(minutes=41, seconds=3)
    job = create_export(store, cloud.catalog, "lobby", "HO", start, end, "admin", T0)
    sys.modules.pop("functions.export.handler", None)
    export = importlib.import_module("functions.export.handler")
    continued: list[str] = []
    monkeypatch.setattr(
        export.ExportLauncher, "launch", lambda _, export_id: continued.append(export_id)
    )

    # Almost out of time: it cuts the part, then hands the join to a new invocation.
    first = export.handler({"export_id": job.id}, LocalContext("export", timeout_s=1))
    assert first == {"export_id": job.id, "status": "running", "continued": True}
    assert continued == [job.id]
    second = export.handler({"export_id": job.id}, LocalContext("export", timeout_s=300))
    assert second["status"] == "done" and not second["continued"]

    done = store.load(job.id)
    url = store.download_url(done)
    assert url and "response-content-disposition=attachment" in url
    clip = tmp_path / "export.mp4"
    with urllib.request.urlopen(url, timeout=10) as response:
        clip.write_bytes(response.read())
    info = probe.probe_file(clip)
    # 3 s of the first clip (from the keyframe at 1 s) and 3 s of the second
    assert 5.9 <= info.duration_s <= 6.1 and done.duration_s == pytest.approx(info.duration_s)


def test_the_same_event_twice_yields_one_row(cloud, tmp_path):
    (key,) = _edge_upload(cloud, tmp_path, "gudang", [10])
    assert cloud.pump() == []
    body = next(b for b in cloud.bodies if key in unquote_plus(b))  # keys arrive URL-encoded
    before = cloud.catalog.camera_totals("gudang")
    message = {"MessageId": "again", "ReceiptHandle": "r", "Body": body}
    for _ in range(2):
        result = cloud.ingest.handler(
            sqs_event([message], cloud.queues.queue_arn, REGION), LocalContext("ingest")
        )
        assert result == {"batchItemFailures": []}
    assert cloud.catalog.camera_totals("gudang") == before
    assert [r.key for r in cloud.catalog.query_camera("gudang", T0, T0 + timedelta(hours=1))] == [
        key
    ]


def test_corrupt_object_is_quarantined_not_retried(cloud):
    start = T0 + timedelta(minutes=20)
    key = build_segment_key("HO", "lobby", start, retention_days=180)
    junk = b"\x00not a video" * 4096
    cloud.storage.put_bytes(key, junk, {META_SHA256: hashlib.sha256(junk).hexdigest()})
    assert cloud.pump() == []  # handled: the message is deleted, not retried
    row = cloud.catalog.get_segment("lobby", start)
    assert row is not None and row.status is SegmentStatus.QUARANTINED
    assert row.key.startswith("quarantine/retention=180/HO/lobby/")
    assert "unreadable" in (row.reason or "")
    assert cloud.storage.head(key) is None and cloud.storage.head(row.key) is not None
    poller = QueuePoller(cloud.endpoint, REGION, cloud.queues.dlq_url)
    assert poller.receive(10, 0) == []


def test_sweep_deletes_exactly_the_expired_and_keeps_holds(cloud, tmp_path, monkeypatch):
    _edge_upload(cloud, tmp_path, "lobby", [30, 31, 32])
    assert cloud.pump() == []
    held = T0 + timedelta(minutes=31)
    hold = Protection("lobby", held, held + timedelta(seconds=30), "case 7")
    # moved out of lifecycle's reach, and legally held there
    assert protect(cloud.catalog, cloud.storage, hold).segments == 1
    orphan = build_thumbnail_key("HO", "lobby", T0 + timedelta(minutes=45), retention_days=180)
    cloud.storage.put_bytes(orphan, b"jpeg")
    exports = ExportStore(cloud.storage)  # finished long ago; the API is not running
    old = create_export(exports, cloud.catalog, "lobby", "HO", held, held + timedelta(seconds=30),
                        "alice", T0)  # fmt: skip
    cloud.storage.put_bytes(build_export_key(old.id, "clip.mp4"), b"mp4")
    lobby = cloud.catalog.query_camera(
        "lobby", T0, T0 + timedelta(hours=1), include_quarantined=True
    )
    gudang = cloud.catalog.query_camera("gudang", T0, T0 + timedelta(hours=1))
    # every export of this module's bucket is a day old by then (another test's too)
    exported = [o.key for o in cloud.storage.list("exports/")]
    assert {build_export_key(old.id, "job.json"), build_export_key(old.id, "clip.mp4")} <= set(
        exported
    )

    def sweep(now: datetime) -> dict[str, Any]:
        runtime = dataclasses.replace(cloud.sweep.runtime, clock=FixedClock(now))
        monkeypatch.setattr(cloud.sweep, "runtime", runtime)
        return cloud.sweep.handler({"source": "aws.events"}, LocalContext("sweep"))

    # a day after expiry TTL is still due to delete the rows (for free): left to it
    first = sweep(T0 + timedelta(days=31))
    assert (first["SweepSegmentsDeleted"], first["SweepErrors"]) == (0, 0)
    hour = T0 + timedelta(hours=1)
    assert len(cloud.catalog.query_camera("lobby", T0, hour, include_quarantined=True)) == len(
        lobby
    )
    assert first["SweepOrphansDeleted"] == 1  # held rows never come back from the index
    assert first["SweepExportsDeleted"] == len(exported)  # jobs and their files
    assert list(cloud.storage.list("exports/")) == []
    assert cloud.storage.head(orphan) is None
    # past TTL's grace (footage.retention.TTL_GRACE) the rows TTL missed are the sweep's
    result = sweep(T0 + timedelta(days=30) + TTL_GRACE + timedelta(hours=1))

    kept = [r for r in lobby if r.start == held]
    assert kept and all(k.startswith("evidence/") for r in kept for k in r.all_keys)
    assert all(cloud.storage.is_held(k) for r in kept for k in r.all_keys)
    gone = [r for r in lobby if r.start != held]
    assert result["SweepSegmentsDeleted"] == len(gone) and result["SweepErrors"] == 0
    assert result["SweepMissedByTtl"] == len(gone)  # each one counted: the net caught it
    assert result["SweepProtectedKept"] == len(kept)  # counted all the same
    assert result["SweepBytesDeleted"] >= sum(r.size_bytes for r in gone)
    remaining = cloud.catalog.query_camera("lobby", T0, T0 + timedelta(hours=1),
                                           include_quarantined=True)  # fmt: skip
    assert [r.start for r in remaining] == [held]
    for row in gone:
        assert all(cloud.storage.head(k) is None for k in row.all_keys)
    for row in kept + gudang:  # an evidence hold, and a camera with 180 days
        assert all(cloud.storage.head(k) is not None for k in row.all_keys)
    assert json.dumps(result)  # the handler returns plain JSON for the scheduler


def test_the_export_lambda_sends_a_shared_clip_through_telegram(cloud, tmp_path, monkeypatch):
    """In AWS the export Lambda sends a shared clip once it is cut, the bot token read
    from Secrets Manager (<prefix>telegram-bot): a photo with a link that downloads it."""
    import boto3

    from footage.alerts.config import AlertsConfig
    from footage.auth import Principal, Role
    from footage.services.share import load_share, start_share
    from tests.support.notify_servers import fake_bot_api

    _edge_upload(cloud, tmp_path, "lobby", [50])
    assert cloud.pump() == []
    token, chat = "777:aws-token", "-100777"
    secrets = boto3.client("secretsmanager", region_name=REGION, endpoint_url=cloud.endpoint)
    secrets.create_secret(Name=f"share-{cloud.names.bucket}/telegram-bot", SecretString=token)
    monkeypatch.setenv("VMS_ALERT_SECRET_PREFIX", f"share-{cloud.names.bucket}/")
    with fake_bot_api(token, {chat}) as bot:
        sys.modules.pop("functions.export.handler", None)
        export = importlib.import_module("functions.export.handler")
        alerts = AlertsConfig.model_validate({
            "channels": {"tg": {"type": "telegram", "api_base": bot.url}},
            "recipients": [{"name": "ops", "channel": "tg", "address": chat,
                            "language": "en"}]})  # fmt: skip
        config = export.runtime.config.model_copy(update={"alerts": alerts})
        monkeypatch.setattr(export, "runtime", dataclasses.replace(export.runtime, config=config))
        start = T0 + timedelta(minutes=50, seconds=1)
        job, _ = start_share(ExportStore(cloud.storage), cloud.catalog, config,
                             Principal("admin", Role.ADMIN), ("lobby", start,
                             start + timedelta(seconds=20), "ops"), T0)  # fmt: skip
        done = export.handler({"export_id": job.id}, LocalContext("export", timeout_s=300))
        assert done["status"] == "done"
        [(method, fields)] = bot.messages()
    assert (
        method == "sendPhoto"
        and fields["chat_id"] == chat
        and "Shared by admin" in fields["caption"]
    )
    link = next(word for word in fields["caption"].split() if word.startswith("http"))
    with urllib.request.urlopen(link, timeout=10) as response:
        (tmp_path / "shared.mp4").write_bytes(response.read())
    # the range holds the first 3 s of a 4 s recording (the rest of the minute has none)
    assert probe.probe_file(tmp_path / "shared.mp4").duration_s == pytest.approx(3, abs=0.5)
    shared = load_share(ExportStore(cloud.storage), job.id)
    assert shared is not None and shared.status == "delivered"
