"""A camera's outage in its chain of custody: journalled when it begins, one
``gap`` record when it ends (durable across a restart, never appended twice),
sealed into the signed manifest, where the verifier reports it as an honest gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge_uploader.chain import load_or_create
from edge_uploader.journal import Journal
from footage.chain import RecordKind
from footage.chain_verify import FindingKind, honest_gaps, verify_chain
from footage.manifest import PublicKey, public_raw, verify_signature

T0 = datetime(2026, 12, 6, 10, 2, tzinfo=UTC)


def _journal(tmp_path: Path) -> Journal:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.initialize()
    return journal


def test_an_outage_becomes_one_gap_record_even_across_a_restart(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.chain.gap_began("HO", "lobby", T0, "unreachable")
    restarted = _journal(tmp_path)  # kill -9 and a new process: the outage is still open
    restarted.chain.gap_began("HO", "lobby", T0 + timedelta(minutes=1), "no_frames")
    assert restarted.chain.open_gap("HO", "lobby") == (T0, "unreachable")  # the older start

    back = T0 + timedelta(minutes=2)
    gap = restarted.chain.gap_ended("HO", "lobby", back, back + timedelta(seconds=8))
    assert gap is not None and gap.kind is RecordKind.GAP
    assert gap.fields == {"start": "2026-12-06T10:02:00Z", "end": "2026-12-06T10:04:00Z",
                          "reason": "unreachable"}  # fmt: skip
    assert restarted.chain.gap_ended("HO", "lobby", back, back) is None  # closed: nothing more
    assert restarted.chain.open_gap("HO", "lobby") is None
    assert [r.kind for r in restarted.chain.records("HO", "lobby")] == [
        RecordKind.GENESIS, RecordKind.GAP,
    ]  # fmt: skip


def test_a_replayed_close_appends_nothing(tmp_path: Path) -> None:
    """The same outage closed twice (its open row put back, e.g. by a journal copy)
    appends it once: the source is unique."""
    journal = _journal(tmp_path)
    for _ in range(2):
        journal.chain.gap_began("HO", "lobby", T0, "unreachable")
        journal.chain.gap_ended("HO", "lobby", T0 + timedelta(minutes=2), T0)
    assert [r.kind for r in journal.chain.records("HO", "lobby")].count(RecordKind.GAP) == 1


def test_the_signed_manifest_holds_the_gap_and_it_verifies_as_an_honest_gap(
    tmp_path: Path,
) -> None:
    journal = _journal(tmp_path)
    key, _ = load_or_create(tmp_path / "data", "HO")
    journal.chain.register_key("HO", key.key_id, ["lobby"], T0)
    journal.chain.gap_began("HO", "lobby", T0, "unreachable")
    journal.chain.gap_ended("HO", "lobby", T0 + timedelta(minutes=2), T0)
    sealed = journal.chain.seal("HO", key.key_id, T0 + timedelta(minutes=3), 30, key.sign, False)
    assert sealed is not None
    (row,) = journal.chain.pending(T0 + timedelta(minutes=3))
    public = PublicKey(key.key_id, public_raw(key.private), T0 - timedelta(days=1))
    manifest = verify_signature(row.body, row.signature, [public])

    records = list(manifest.cameras["lobby"])
    assert verify_chain(records, manifest.anchors()) == []
    (gap,) = honest_gaps(records)
    assert gap.kind is FindingKind.GAP and not gap.failure
    assert gap.detail == ("camera offline 2026-12-06T10:02:00Z..2026-12-06T10:04:00Z (unreachable)")
    without = [r for r in records if r.kind is not RecordKind.GAP]  # deleting the gap record
    assert [f.kind for f in verify_chain(without, manifest.anchors())] == [FindingKind.MISSING]
