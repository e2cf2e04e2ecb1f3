"""Totals from the catalog's stream: aggregation per camera, redelivery, record parsing."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from footage.adapters.dynamodb_totals import padded_seq, row_changes
from footage.models import Totals
from footage.services.totals import CameraDelta, RowChange, aggregate, apply_changes


def change(camera: str, seq: int, sign: int = 1, size: int = 100, site: str = "HO") -> RowChange:
    return RowChange(camera, site, padded_seq(str(seq)), sign, sign * size, sign * 60.0)


@dataclass
class FakeStore:
    """Applies a delta only past the stored sequence number, as DynamoTotals does."""

    totals: dict[str, Totals] = field(default_factory=dict)
    seq: dict[str, str] = field(default_factory=dict)
    writes: int = 0

    def apply(self, delta: CameraDelta) -> bool:
        self.writes += 1
        if self.seq.get(delta.camera, "") >= delta.first_seq:
            return False
        old = self.totals.get(delta.camera, Totals())
        d = delta.totals
        self.totals[delta.camera] = Totals(
            old.segments + d.segments, old.bytes + d.bytes, old.seconds + d.seconds
        )
        self.seq[delta.camera] = delta.last_seq
        return True

    def applied_seq(self, camera: str) -> str | None:
        return self.seq.get(camera)


def test_a_batch_is_one_delta_per_camera() -> None:
    batch = [change("a", 1), change("b", 2, size=50), change("a", 3), change("a", 4, sign=-1)]

    deltas = aggregate(batch)

    assert [(d.camera, d.records, d.totals) for d in deltas] == [
        ("a", 3, Totals(1, 100, 60.0)),
        ("b", 1, Totals(1, 50, 60.0)),
    ]
    assert (deltas[0].first_seq, deltas[0].last_seq) == (padded_seq("1"), padded_seq("4"))


def test_one_write_per_camera_and_a_redelivered_batch_changes_nothing() -> None:
    store = FakeStore()
    batch = [change("a", n) for n in range(1, 6)] + [change("b", 9)]

    first = apply_changes(store, batch)
    again = apply_changes(store, batch)

    assert first.writes == 2 and store.totals["a"] == Totals(5, 500, 300.0)
    assert again.skipped == 6 and store.totals == {
        "a": Totals(5, 500, 300.0),
        "b": Totals(1, 100, 60.0),
    }


def test_a_batch_overlapping_what_was_applied_adds_only_the_rest() -> None:
    store = FakeStore()
    apply_changes(store, [change("a", 1), change("a", 2)])

    report = apply_changes(store, [change("a", 2), change("a", 3, sign=-1)])

    assert report.skipped == 1
    assert store.totals["a"] == Totals(1, 100, 60.0)


def _image(camera: str, size: int, seconds: int) -> dict[str, dict[str, str]]:
    return {
        "pk": {"S": f"CAM#{camera}"}, "sk": {"S": "SEG#2026-11-25T10:00:00.000Z"},
        "camera": {"S": camera}, "site": {"S": "HO"}, "size_bytes": {"N": str(size)},
        "start": {"S": "2026-11-25T10:00:00.000Z"},
        "end": {"S": f"2026-11-25T10:0{seconds // 60}:{seconds % 60:02d}.000Z"},
    }  # fmt: skip


def _record(name: str, seq: str, old: object = None, new: object = None, **extra: object) -> dict:
    body: dict[str, object] = {"Keys": {"pk": {"S": "CAM#a"}}, "SequenceNumber": seq}
    if old:
        body["OldImage"] = old
    if new:
        body["NewImage"] = new
    return {"eventName": name, "dynamodb": body, **extra}


def test_stream_records_become_signed_changes_and_ttl_removals_are_told_apart() -> None:
    ttl = {"userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"}}
    records = [
        _record("INSERT", "11", new=_image("a", 300, 60)),
        _record("MODIFY", "12", old=_image("a", 300, 60), new=_image("a", 500, 90)),
        _record("REMOVE", "13", old=_image("a", 500, 90), **ttl),
        {
            "eventName": "MODIFY",
            "dynamodb": {"Keys": {"pk": {"S": "TOTAL#CAM#a"}}, "SequenceNumber": "14"},
        },
    ]

    changes = row_changes(records)

    assert [(c.segments, c.bytes, c.seconds, c.by_ttl) for c in changes] == [
        (1, 300, 60.0, False),
        (0, 200, 30.0, False),
        (-1, -500, -90.0, True),
    ]
    assert changes[0].seq == "0" * 38 + "11"


def test_a_record_without_images_is_refused() -> None:
    with pytest.raises(ValueError, match="NEW_AND_OLD_IMAGES"):
        row_changes([_record("REMOVE", "5")])
