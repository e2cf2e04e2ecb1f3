"""TTL deletes rows without our code: the totals Lambda keeps totals right from the stream."""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType

import boto3
import pytest

from footage.adapters.dynamodb import DynamoCatalog
from footage.adapters.dynamodb_stream import StreamReader, ensure_stream
from footage.keys import build_segment_key
from footage.models import Segment, Totals
from functions.local import LocalContext

pytestmark = pytest.mark.integration
REGION = "ap-southeast-3"
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def seg(camera: str, minute: int, size: int = 1000) -> Segment:
    start = T0 + timedelta(minutes=minute)
    return Segment(camera, "HO", start, start + timedelta(seconds=60), size, "ab" * 32,
                   build_segment_key("HO", camera, start, retention_days=180))  # fmt: skip


@pytest.fixture
def table(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, ModuleType]]:
    name = f"footage-{uuid.uuid4().hex[:12]}"
    DynamoCatalog(name, REGION, moto_server).initialize()
    env = {"VMS_BUCKET": "unused-bucket", "VMS_TABLE": name, "VMS_REGION": REGION,
           "VMS_ENDPOINT_URL": moto_server, "POWERTOOLS_SERVICE_NAME": "cctv-vms"}  # fmt: skip
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    sys.modules.pop("functions.totals.handler", None)
    yield name, importlib.import_module("functions.totals.handler")
    sys.modules.pop("functions.totals.handler", None)


def test_a_ttl_deletion_keeps_totals_right_and_redelivery_counts_once(
    moto_server: str, table: tuple[str, ModuleType]
) -> None:
    name, totals = table
    catalog = DynamoCatalog(name, REGION, moto_server)
    stream = StreamReader(ensure_stream(name, REGION, moto_server), REGION, moto_server)
    for minute in range(3):
        catalog.add_segment(seg("cam1", minute))
    catalog.add_segment(seg("cam2", 0, size=500))
    inserts = {"Records": stream.read()}

    first = totals.handler(inserts, LocalContext("totals"))
    again = totals.handler(inserts, LocalContext("totals"))  # at-least-once delivery

    assert (first["records"], first["cameras"], first["writes"]) == (4, 2, 2)
    assert again["skipped"] == 4
    assert catalog.camera_totals("cam1") == Totals(3, 3000, 180.0)
    # TTL removes a row: no catalog call, only the stream's REMOVE (moto runs no TTL
    # and leaves out the record's userIdentity, which AWS sets for TTL: added here).
    boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server).delete_item(
        TableName=name, Key={"pk": {"S": "CAM#cam1"}, "sk": {"S": "SEG#2026-11-25T10:00:00.000Z"}}
    )
    removals = [{**r, "userIdentity": TTL_IDENTITY} for r in stream.read()]

    report = totals.handler({"Records": removals}, LocalContext("totals"))

    assert report["by_ttl"] == 1
    assert catalog.camera_totals("cam1") == Totals(2, 2000, 120.0)
    assert catalog.site_totals("HO") == Totals(3, 2500, 180.0)
    assert catalog.camera_revision("cam1") == 4  # three inserts and a removal
