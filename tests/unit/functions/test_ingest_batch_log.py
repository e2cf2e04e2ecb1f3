"""The ingest Lambda logs one line per batch (plus one per failed record), not one per object."""

from __future__ import annotations

import importlib
import io
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from urllib.parse import quote_plus

import pytest
import yaml

from footage.errors import StorageError
from footage.keys import build_segment_key
from footage.models import Segment
from footage.services.ingest import IngestResult, Outcome
from functions.local import LocalContext

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
BUCKET = "footage-bucket"


@pytest.fixture
def ingest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    config = {"sites": [{"id": "HO", "name": "HO"}, {"id": "C1", "name": "C1"}],
              "cameras": [{"id": c, "site": s, "name": c, "rtsp_url": f"rtsp://10.0.0.9/{c}"}
                          for c, s in (("lobby", "HO"), ("gate", "C1"))]}  # fmt: skip
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    env = {"VMS_BUCKET": BUCKET, "VMS_TABLE": "footage-table", "VMS_REGION": "us-east-1",
           "VMS_CONFIG_PATH": str(tmp_path / "config.yaml"), "VMS_WORKDIR": str(tmp_path),
           "POWERTOOLS_SERVICE_NAME": "cctv-vms", "POWERTOOLS_METRICS_NAMESPACE": "CctvVms",
           "POWERTOOLS_TRACE_DISABLED": "true"}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("functions.ingest.handler", None)
    yield importlib.import_module("functions.ingest.handler")
    sys.modules.pop("functions.ingest.handler", None)


def _key(camera: str, site: str, minute: int) -> str:
    return build_segment_key(site, camera, T0 + timedelta(minutes=minute), retention_days=180)


def _fake_ingest(_ctx: object, key: str) -> list[IngestResult]:
    return [_fake_result(key)]


def _fake_result(key: str) -> IngestResult:
    """Ingest's answers by minute: 9 quarantined, 10 refused, 11 a failure; else indexed."""
    minute = int(key.rsplit("T", 1)[1][2:4])
    camera, site = key.split("/")[3], key.split("/")[2]
    if minute == 11:
        raise StorageError("the store timed out")
    start = T0 + timedelta(minutes=minute)
    row = Segment(camera, site, start, start + timedelta(minutes=1), 1, "0" * 64, key)
    outcome = {9: Outcome.QUARANTINED, 10: Outcome.REFUSED}.get(minute, Outcome.INDEXED)
    return IngestResult(outcome, key, "why", None if outcome is Outcome.REFUSED else row)


def _event(keys: list[str]) -> dict[str, object]:
    def body(key: str) -> str:
        s3 = {"bucket": {"name": BUCKET}, "object": {"key": quote_plus(key), "size": 1}}
        return json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                                        "s3": s3}]})  # fmt: skip

    return {"Records": [{"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": body(k),
                         "attributes": {}, "messageAttributes": {}, "md5OfBody": "",
                         "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:q",
                         "awsRegion": "us-east-1"} for i, k in enumerate(keys)]}  # fmt: skip


def test_a_batch_of_n_records_logs_one_line_and_one_per_failure(
    ingest: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(ingest, "ingest_announced", _fake_ingest)
    written = io.StringIO()  # Powertools keeps the stdout of its first set-up: read it here
    monkeypatch.setattr(ingest.logger.registered_handler, "stream", written)
    keys = [_key("lobby", "HO", m) for m in range(12)] + [_key("gate", "C1", 0)]
    response = ingest.handler(_event(keys), LocalContext("ingest"))

    out = written.getvalue() + capsys.readouterr().out  # log lines, then metric (EMF) lines
    lines = [json.loads(line) for line in out.splitlines() if line]
    logs = [line for line in lines if "level" in line]
    emf = [line for line in lines if "_aws" in line]
    assert len(lines) == len(logs) + len(emf)
    assert response["batchItemFailures"] == [{"itemIdentifier": "m11"}]
    assert [(line["level"], line["message"]) for line in logs] == [
        ("ERROR", "ingest failed: the store timed out"),
        ("INFO", "batch ingested"),
    ]
    assert (logs[0]["site"], logs[0]["camera"], logs[0]["key"]) == ("HO", "lobby", keys[11])
    summary = logs[1]
    assert (summary["records"], summary["indexed"], summary["failed"]) == (13, 10, 1)
    assert [(n["outcome"], n["key"], n["site"]) for n in summary["not_indexed"]] == [
        ("quarantined", keys[9], "HO"),
        ("refused", keys[10], "HO"),
    ]
    assert [r.name for r in caplog.records if r.name != "cctv-vms"] == []  # nothing else
    assert summary["sites"] == {"C1": 1, "HO": 10}  # indexed, quarantined: footage sites sent
    assert len(emf) == 1  # the batch's metrics; none per site (the alerts Lambda watches sites)
