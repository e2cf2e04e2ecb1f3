"""The per-camera chain: canonical bytes, and each tamper case named by the verifier."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from footage.chain import (
    ZERO_HASH,
    Record,
    RecordKind,
    append,
    canonical_json,
    dropped_fields,
    gap_fields,
    genesis,
    record_from_json,
    segment_fields,
)
from footage.chain_verify import Anchor, FindingKind, StoredObject, compare_stored, verify_chain
from footage.errors import ChainFormatError

T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def _sha(n: int) -> str:
    return hashlib.sha256(f"segment {n}".encode()).hexdigest()


def _name(n: int) -> str:
    start = T0 + timedelta(minutes=n)
    return f"segments/ho/lobby/2026/12/05/lobby_{start:%Y%m%dT%H%M%SZ}.mp4"


def _chain(n: int = 5) -> list[Record]:
    records = [genesis("ho", "lobby", T0, "k1")]
    for i in range(n):
        start = T0 + timedelta(minutes=i)
        fields = segment_fields(start, start + timedelta(minutes=1), _sha(i), 1000 + i, _name(i))
        records.append(append(records[-1], RecordKind.SEGMENT, fields))
    return records


def _kinds(findings: list) -> list[tuple[FindingKind, int | None]]:
    return [(f.kind, f.seq) for f in findings]


def test_canonical_bytes_are_sorted_compact_utf8_with_utc_seconds() -> None:
    record = _chain(1)[1]
    data = record.canonical()
    obj = json.loads(data)
    assert data == json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    assert obj["start"] == "2026-12-05T10:00:00Z" and obj["size"] == 1000
    assert obj["prev"] == genesis("ho", "lobby", T0, "k1").hash
    assert record.hash == hashlib.sha256(data).hexdigest()
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


def test_genesis_starts_with_zeros_and_records_round_trip() -> None:
    chain = _chain(2)
    assert chain[0].seq == 0 and chain[0].prev == ZERO_HASH
    assert [record_from_json(json.loads(r.canonical())) for r in chain] == chain
    with pytest.raises(ChainFormatError, match="genesis"):
        append(chain[-1], RecordKind.GENESIS, {})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": "2026-12-05 10:00:00", "end": "2026-12-05T10:01:00Z", "reason": "x"}, "time"),
        ({"start": "2026-12-05T10:02:00Z", "end": "2026-12-05T10:01:00Z", "reason": "x"}, "ends"),
        ({"start": "2026-12-05T10:00:00Z", "end": "2026-12-05T10:01:00Z"}, "exactly"),
        ({"start": "2026-12-05T10:00:00Z", "end": "2026-12-05T10:01:00Z", "reason": "A B"}, "code"),
    ],
)
def test_malformed_gap_records_are_refused(fields: dict, message: str) -> None:
    head = _chain(0)[0]
    obj = {**fields, "v": 1, "kind": "gap", "site": "ho", "camera": "lobby", "seq": 1,
           "prev": head.hash}  # fmt: skip
    with pytest.raises(ChainFormatError, match=message):
        record_from_json(obj)


def test_an_intact_chain_with_gap_and_dropped_records_verifies_clean() -> None:
    chain = _chain(2)
    chain.append(append(chain[-1], RecordKind.GAP,
                        gap_fields(T0 + timedelta(minutes=2), T0 + timedelta(minutes=4),
                                   "unreachable")))  # fmt: skip
    chain.append(append(chain[-1], RecordKind.DROPPED,
                        dropped_fields(T0 + timedelta(minutes=4), T0 + timedelta(minutes=5),
                                       _sha(9), 9, "spool_full")))  # fmt: skip
    anchors = [Anchor("lobby", chain[-1].seq, chain[-1].hash)]
    assert verify_chain(chain, anchors) == []


def test_altered_record_is_named() -> None:
    chain = _chain()
    forged = dict(chain[2].fields, sha256=_sha(99))
    chain[2] = replace(chain[2], fields=forged)
    assert _kinds(verify_chain(chain)) == [(FindingKind.ALTERED, 2)]
    assert "lobby seq 2 segment 2026-12-05T10:01:00Z" in verify_chain(chain)[0].subject


def test_altered_last_record_is_caught_by_the_signed_head() -> None:
    chain = _chain()
    anchors = [Anchor("lobby", 5, chain[5].hash)]
    chain[5] = replace(chain[5], fields=dict(chain[5].fields, size=1))
    assert verify_chain(chain) == []  # nothing after it to notice ...
    assert _kinds(verify_chain(chain, anchors)) == [(FindingKind.ALTERED, 5)]  # ... but the head


def test_missing_record_is_named() -> None:
    chain = _chain()
    del chain[3]
    assert _kinds(verify_chain(chain)) == [(FindingKind.MISSING, 4)]


def test_truncated_chain_is_missing_against_the_signed_head() -> None:
    chain = _chain()
    anchors = [Anchor("lobby", 5, chain[5].hash)]
    assert _kinds(verify_chain(chain[:4], anchors)) == [(FindingKind.MISSING, 4)]


def test_inserted_record_is_named() -> None:
    chain = _chain()
    forged = replace(chain[3], fields=dict(chain[3].fields, sha256=_sha(77)))
    assert _kinds(verify_chain([*chain[:4], forged, *chain[4:]])) == [(FindingKind.INSERTED, 3)]


def test_forked_head_is_named() -> None:
    chain = _chain()
    one = append(chain[-1], RecordKind.GAP, gap_fields(T0, T0, "error"))
    two = append(chain[-1], RecordKind.GAP, gap_fields(T0, T0, "unreachable"))
    assert _kinds(verify_chain([*chain, one, two])) == [(FindingKind.FORKED, 6)]


def test_reordered_records_are_named() -> None:
    chain = _chain()
    chain[2], chain[3] = chain[3], chain[2]
    assert _kinds(verify_chain(chain)) == [(FindingKind.REORDERED, 2)]


def test_broken_prev_is_named() -> None:
    chain = _chain()
    chain[3] = replace(chain[3], prev=ZERO_HASH.replace("0", "1"))
    assert (FindingKind.BROKEN_PREV, 3) in _kinds(verify_chain(chain))


def test_record_of_another_camera_is_inserted() -> None:
    other = genesis("ho", "gate", T0, "k1")
    assert _kinds(verify_chain([*_chain(), other])) == [(FindingKind.INSERTED, 0)]


def test_new_box_restart_is_reported_but_not_a_failure() -> None:
    later = genesis("ho", "lobby", T0 + timedelta(hours=1), "k2", reason="new_box")
    findings = verify_chain([*_chain(), later])
    assert _kinds(findings) == [(FindingKind.RESTARTED, 0)]
    assert not findings[0].failure


def _stored(n: int = 5) -> dict[str, StoredObject]:
    return {_name(i): StoredObject(_name(i), _sha(i), 1000 + i) for i in range(n)}


def test_stored_objects_matching_the_chain_verify_clean() -> None:
    assert compare_stored(_chain(), _stored().values()) == []


def test_flipped_byte_in_a_stored_segment_is_altered() -> None:
    stored = _stored()
    stored[_name(2)] = StoredObject(_name(2), _sha(42), 1002)
    findings = compare_stored(_chain(), stored.values())
    assert [(f.kind, f.subject) for f in findings] == [(FindingKind.ALTERED, _name(2))]


def test_deleted_segment_is_missing() -> None:
    stored = _stored()
    del stored[_name(1)]
    assert _kinds(compare_stored(_chain(), stored.values())) == [(FindingKind.MISSING, 2)]


def test_forged_segment_is_inserted() -> None:
    stored = _stored()
    forged = _name(0).replace("100000Z", "100030Z")
    stored[forged] = StoredObject(forged, _sha(50), 5)
    findings = compare_stored(_chain(), stored.values())
    assert [(f.kind, f.subject) for f in findings] == [(FindingKind.INSERTED, forged)]


def test_swapped_segments_are_reordered() -> None:
    stored = _stored()
    stored[_name(1)], stored[_name(2)] = (StoredObject(_name(1), _sha(2), 1002),
                                          StoredObject(_name(2), _sha(1), 1001))  # fmt: skip
    findings = compare_stored(_chain(), stored.values())
    assert _kinds(findings) == [(FindingKind.REORDERED, 2), (FindingKind.REORDERED, 3)]


def test_a_variant_object_with_the_records_bytes_matches() -> None:
    stored = _stored()
    taken = StoredObject(_name(1), _sha(60), 60)  # someone else's bytes under the key
    variant = _name(1).replace(".mp4", f"-{_sha(1)[:16]}.mp4")
    stored[_name(1)] = taken
    stored[variant] = StoredObject(variant, _sha(1), 1001)
    findings = compare_stored(_chain(), stored.values())
    assert [(f.kind, f.subject) for f in findings] == [(FindingKind.INSERTED, _name(1))]
