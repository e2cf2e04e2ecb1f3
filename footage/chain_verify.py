"""Checking a camera's chain, and the stored objects against it (pure).

:func:`verify_chain` reads one camera's records (as the manifests carried them)
and the *anchors* the signed manifests give (the head hash at a seq: what the
site signed, so the truth when a record and its neighbour disagree).
:func:`compare_stored` checks the stored objects of the same camera and range
against the chain's segment records. Both return :class:`Finding` s, each naming
the record or object; an empty list (or only :attr:`Finding.failure` False ones)
means everything holds. A verifier exits 0 only if no finding is a failure.

What each kind means (``subject`` names the record, e.g. ``lobby seq 12 segment
2026-12-05T10:02:00Z``, or the object key):

``altered``      a record no longer hashes to what the next record (or a signed
                 manifest) committed to; or an object's bytes differ from its record.
``missing``      seqs absent between two records or before a signed head; or a
                 segment's object is not in storage.
``inserted``     a record that does not link in (a second record for a seq, or
                 another camera's); or an object no record lists.
``reordered``    records out of seq order; or an object holding another record's bytes.
``broken_prev``  a record whose ``prev`` is not the hash of the record before it.
``forked``       two records for one seq that both link to the record before.
``restarted``    a new chain began (``genesis`` with reason ``new_box``): not a
                 failure, reported so that a replaced box is never silent.
``gap``          an honest hole (:func:`honest_gaps`): the camera was offline, or
                 a segment was recorded and lost at the edge, and the chain says
                 so in a signed record. Not a failure: a deletion is ``missing``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from footage.chain import Record, RecordKind


class FindingKind(StrEnum):
    ALTERED = "altered"
    MISSING = "missing"
    INSERTED = "inserted"
    REORDERED = "reordered"
    BROKEN_PREV = "broken_prev"
    FORKED = "forked"
    RESTARTED = "restarted"
    GAP = "gap"


@dataclass(frozen=True, slots=True)
class Finding:
    kind: FindingKind
    camera: str
    subject: str  # the record's name or the object key
    detail: str  # one English sentence
    seq: int | None = None

    @property
    def failure(self) -> bool:
        return self.kind not in (FindingKind.RESTARTED, FindingKind.GAP)


@dataclass(frozen=True, slots=True)
class Anchor:
    """A signed head: a manifest says record ``seq`` of ``camera`` hashes to ``hash``."""

    camera: str
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object as storage holds it: ``name`` is its key without the retention
    class or evidence prefix (:func:`footage.keys.chain_object_name`)."""

    name: str
    sha256: str
    size: int


def verify_chain(records: Sequence[Record], anchors: Iterable[Anchor] = ()) -> list[Finding]:
    """Findings on one camera's records (the first record's camera is the camera).
    A ``genesis`` in the middle starts a new run (a new box): each run is checked
    on its own, the restart reported; anchors apply to the last run."""
    if not records:
        return []
    camera = records[0].camera
    findings = [
        Finding(FindingKind.INSERTED, camera, r.name(), "a record of another camera", r.seq)
        for r in records
        if r.camera != camera
    ]
    runs: list[list[Record]] = [[]]
    for record in (r for r in records if r.camera == camera):
        if record.kind is RecordKind.GENESIS and runs[-1]:
            runs.append([])
            if record.fields.get("reason") == "new_box":
                findings.append(
                    Finding(
                        FindingKind.RESTARTED,
                        camera,
                        record.name(),
                        "a new chain began (a replaced edge box)",
                        record.seq,
                    )
                )
        runs[-1].append(record)
    signed = {a.seq: a.hash for a in anchors if a.camera == camera}
    for i, run in enumerate(runs):
        findings += _verify_run(run, signed if i == len(runs) - 1 else {})
    return findings


def honest_gaps(records: Iterable[Record]) -> list[Finding]:
    """The holes a chain declares (``gap`` and ``dropped`` records), in seq order:
    what a verifier lists beside a clean result, e.g. ``camera offline
    2026-12-05T10:02:00Z..2026-12-05T10:04:00Z (unreachable)``."""
    found: list[Finding] = []
    for r in sorted(records, key=lambda r: (r.camera, r.seq)):
        span = f"{r.fields.get('start')}..{r.fields.get('end')} ({r.fields.get('reason')})"
        if r.kind is RecordKind.GAP:
            found.append(Finding(FindingKind.GAP, r.camera, r.name(), f"camera offline {span}",
                                 r.seq))  # fmt: skip
        elif r.kind is RecordKind.DROPPED:
            what = "segment recorded and lost at the edge"
            found.append(Finding(FindingKind.GAP, r.camera, r.name(), f"{what} {span}", r.seq))
    return found


def _verify_run(run: Sequence[Record], signed: Mapping[int, str]) -> list[Finding]:
    findings = _order(run)
    chosen, extra = _pick(sorted(run, key=lambda r: r.seq), signed)
    findings += extra
    findings += _links(chosen, signed)
    findings += _anchored(chosen, signed, {f.seq for f in findings})
    return findings


def _order(records: Sequence[Record]) -> list[Finding]:
    """Records stored after a higher seq (a second record for a seq is _pick's)."""
    out: list[Finding] = []
    seen: set[int] = set()
    top = -1
    for record in records:
        if record.seq < top and record.seq not in seen:
            out.append(
                Finding(
                    FindingKind.REORDERED,
                    record.camera,
                    record.name(),
                    f"stored after seq {top}",
                    record.seq,
                )
            )
        seen.add(record.seq)
        top = max(top, record.seq)
    return out


def _pick(
    records: Sequence[Record], signed: Mapping[int, str]
) -> tuple[list[Record], list[Finding]]:
    """One record per seq: the signed one, else the one linking to its neighbours."""
    by_seq: dict[int, list[Record]] = defaultdict(list)
    for record in records:
        by_seq[record.seq].append(record)
    chosen: list[Record] = []
    findings: list[Finding] = []
    for seq in sorted(by_seq):
        group = by_seq[seq]
        if len(group) == 1:
            chosen.append(group[0])
            continue
        before = chosen[-1].hash if chosen and chosen[-1].seq == seq - 1 else None
        after = {r.prev for r in by_seq.get(seq + 1, [])}
        proven = [r for r in group if signed.get(seq) == r.hash or r.hash in after]
        linked = [r for r in group if r.prev == before]
        keep = (proven or linked or group)[0]
        chosen.append(keep)
        for other in group:
            if other is keep:
                continue
            forked = not proven and other.prev == keep.prev
            kind = FindingKind.FORKED if forked else FindingKind.INSERTED
            findings.append(
                Finding(kind, other.camera, other.name(), f"a second record for seq {seq}", seq)
            )
    return chosen, findings


def _links(chosen: Sequence[Record], signed: Mapping[int, str]) -> list[Finding]:
    findings: list[Finding] = []
    blamed: set[int] = set()
    for i, (a, b) in enumerate(pairwise(chosen)):
        if b.seq > a.seq + 1:
            findings.append(
                Finding(
                    FindingKind.MISSING,
                    b.camera,
                    b.name(),
                    f"seq {a.seq + 1}..{b.seq - 1} absent before it",
                    b.seq,
                )
            )
            continue
        if b.prev == a.hash:
            continue
        after = chosen[i + 2] if i + 2 < len(chosen) else None
        b_holds = signed.get(b.seq) == b.hash or (after is not None and after.prev == b.hash)
        a_wrong = signed.get(a.seq, a.hash) != a.hash or (a.seq not in signed and b_holds)
        if a_wrong and a.seq not in blamed:
            blamed.add(a.seq)
            findings.append(
                Finding(
                    FindingKind.ALTERED,
                    a.camera,
                    a.name(),
                    "its content no longer hashes to what was chained",
                    a.seq,
                )
            )
        elif not a_wrong and b.seq not in blamed:
            blamed.add(b.seq)
            findings.append(
                Finding(
                    FindingKind.BROKEN_PREV,
                    b.camera,
                    b.name(),
                    f"prev is not the hash of seq {a.seq}",
                    b.seq,
                )
            )
    return findings


def _anchored(
    chosen: Sequence[Record], signed: Mapping[int, str], reported: set[int | None]
) -> list[Finding]:
    findings: list[Finding] = []
    for record in chosen:
        if signed.get(record.seq, record.hash) != record.hash and record.seq not in reported:
            findings.append(
                Finding(
                    FindingKind.ALTERED,
                    record.camera,
                    record.name(),
                    "differs from the signed manifest",
                    record.seq,
                )
            )
    if chosen:
        last = chosen[-1]
        beyond = [seq for seq in signed if seq > last.seq]
        if beyond:
            findings.append(
                Finding(
                    FindingKind.MISSING,
                    last.camera,
                    last.name(),
                    f"seq {last.seq + 1}..{max(beyond)} signed but absent",
                    last.seq + 1,
                )
            )
    return findings


_STAMP_RE = re.compile(r"(_\d{8}T\d{6}Z)(\.)")


def variant_name(name: str, sha256: str) -> str:
    """The name a write-once collision stores the object under (its variant)."""
    return _STAMP_RE.sub(lambda m: f"{m[1]}-{sha256[:16]}{m[2]}", name, count=1)


def compare_stored(records: Iterable[Record], stored: Iterable[StoredObject]) -> list[Finding]:
    """Findings on the objects of one camera and range against its segment records."""
    segments = [r for r in records if r.kind is RecordKind.SEGMENT]
    objects = {o.name: o for o in stored}
    by_sha = {str(r.fields["sha256"]): r for r in segments}
    used: set[str] = set()
    findings: list[Finding] = []
    for record in segments:
        name, sha = str(record.fields["object"]), str(record.fields["sha256"])
        size = record.fields["size"]
        match = [
            n
            for n in (name, variant_name(name, sha))
            if n in objects and objects[n].sha256 == sha and objects[n].size == size
        ]
        if match:
            used.add(match[0])
            continue
        held = objects.get(name)
        if held is None:
            findings.append(
                Finding(
                    FindingKind.MISSING,
                    record.camera,
                    name,
                    f"not in storage ({record.name()})",
                    record.seq,
                )
            )
            continue
        used.add(name)
        other = by_sha.get(held.sha256)
        if other is not None:
            findings.append(
                Finding(
                    FindingKind.REORDERED,
                    record.camera,
                    name,
                    f"holds the bytes of {other.name()}",
                    record.seq,
                )
            )
        else:
            findings.append(
                Finding(
                    FindingKind.ALTERED,
                    record.camera,
                    name,
                    f"its SHA-256 differs from {record.name()}",
                    record.seq,
                )
            )
    camera = segments[0].camera if segments else ""
    for name in sorted(set(objects) - used):
        findings.append(Finding(FindingKind.INSERTED, camera, name, "no chain record lists it"))
    return findings
