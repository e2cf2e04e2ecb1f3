"""S3 notifications inside SQS bodies, from a recorded event (tests/events)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.ingest.events import CreatedObject, MalformedNotification, created_objects

EVENTS = Path(__file__).parents[2] / "events"


def _bodies() -> list[str]:
    event = json.loads((EVENTS / "sqs_s3_object_created.json").read_text())
    return [record["body"] for record in event["Records"]]


def test_object_created_keys_are_unquoted_and_removals_ignored():
    created, _ = _bodies()
    assert created_objects(created) == [
        CreatedObject(
            "cctv-footage",
            "segments/CABANG-01/gudang belakang/2026/11/25/gudang belakang_20261125T020000Z.mp4",
            "b1946ac92492d2347c6235b4d2611184-2",
            7512034,
        )
    ]


def test_s3_test_event_yields_nothing():
    _, test_event = _bodies()
    assert created_objects(test_event) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [("not json", "not JSON"), ("[1, 2]", "not an S3 notification"), ("{}", "no Records")],
)
def test_malformed_bodies_are_reported(body, reason):
    with pytest.raises(MalformedNotification, match=reason):
        created_objects(body)
