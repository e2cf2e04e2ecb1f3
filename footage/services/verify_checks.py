"""The checks ``vms verify`` makes, shared by a package and a range in storage.

Each check returns :class:`Problem` s (failures) or notes; a report holds both,
and a verifier exits 0 only when it has no problem. ``code`` says what broke
(footage.services.verify_text words it in Indonesian or English), ``subject``
names the file, segment or record, ``detail`` is the English particulars.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from footage.chain import Record, RecordKind, format_time, parse_time
from footage.chain_verify import Anchor, FindingKind, StoredObject, compare_stored, verify_chain
from footage.errors import ChainFormatError
from footage.manifest import Manifest, PublicKey, manifest_chain_breaks, verify_signature
from footage.services.manifest_find import touches
from footage.timestamp import verify_timestamp

#: records carry whole seconds: a hole this short between two of them is rounding
HOLE_TOLERANCE_S = 2


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    subject: str
    detail: str = ""


@dataclass(slots=True)
class Report:
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    #: what was checked, counted: files, manifests, segments, clip packets ...
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, code: str, subject: str, detail: str = "") -> None:
        self.problems.append(Problem(code, subject, detail))

    def note(self, code: str, subject: str, detail: str = "") -> None:
        self.notes.append(Problem(code, subject, detail))


def check_signatures(
    report: Report, signed: Iterable[tuple[str, bytes, bytes | None]], keys: Sequence[PublicKey]
) -> list[Manifest]:
    """``(name, manifest bytes, signature)`` each -> the manifests whose signature holds."""
    good: list[Manifest] = []
    for name, body, signature in signed:
        if signature is None:
            report.fail("signature_missing", name)
            continue
        try:
            good.append(verify_signature(body, signature, keys))
        except ChainFormatError as exc:
            report.fail("bad_signature", name, str(exc))
    report.counts["manifests"] = len(good)
    for sentence in manifest_chain_breaks(good):
        report.fail("manifest_chain", sentence)
    return good


@dataclass(frozen=True, slots=True)
class Stamped:
    """A manifest of a package and its RFC 3161 token (None: it has none)."""

    name: str
    body: bytes
    token_name: str | None
    token: bytes | None


def check_timestamps(report: Report, stamped: Sequence[Stamped], tsa_ca: bytes | None) -> None:
    """Without ``tsa_ca`` a token is only noted. With it (``vms verify --tsa-ca``)
    each token is checked (footage.timestamp: these exact manifest bytes, a TSA
    that chains to the CA): one that does not verify is a failure, and so is a
    package with no token at all; a manifest without one (its token had not come
    yet when packaged) is a note."""
    if tsa_ca is None:
        for m in stamped:
            if m.token_name is not None:
                report.note("timestamp_token", m.token_name)
        return
    verified = 0
    for m in stamped:
        if m.token is None:
            report.note("timestamp_absent", m.name)
            continue
        check = verify_timestamp(m.body, m.token, tsa_ca)
        if check.ok and check.time is not None:
            verified += 1
            report.note("timestamp_verified", m.name, f"{format_time(check.time)}, {check.tsa}")
        else:
            report.fail("timestamp_invalid", m.token_name or m.name, check.reason)
    report.counts["timestamps"] = verified
    if not any(m.token is not None for m in stamped):
        report.fail("timestamp_none", str(len(stamped)))


def check_keys_against(
    report: Report, package: Sequence[PublicKey], registered: Sequence[PublicKey]
) -> None:
    """Whether the keys a package carries are the ones a config registers."""
    known = {k.key_id: k.raw for k in registered}
    for key in package:
        if known.get(key.key_id) == key.raw:
            report.note("key_registered", key.key_id)
        else:
            report.fail("key_not_registered", key.key_id)


def camera_records(manifests: Sequence[Manifest], camera: str) -> tuple[list[Record], list[Anchor]]:
    ordered = sorted(manifests, key=lambda m: m.seq)
    records = [r for m in ordered for r in m.cameras.get(camera, ())]
    anchors = [a for m in ordered for a in m.anchors() if a.camera == camera]
    return records, anchors


def check_chain(report: Report, records: Sequence[Record], anchors: Sequence[Anchor]) -> None:
    for finding in verify_chain(records, anchors):
        if finding.failure:
            report.fail(f"chain_{finding.kind.value}", finding.subject, finding.detail)
        else:
            report.note("chain_restarted", finding.subject, finding.detail)
    report.counts["records"] = len(records)


def check_objects(
    report: Report, records: Sequence[Record], stored: Sequence[StoredObject],
    start: datetime, end: datetime,
) -> None:  # fmt: skip
    """The objects (a package's segments, or storage's) against every segment
    record; a record's object counts as missing only if it touches [start, end)."""
    inside = {str(r.fields["object"]) for r in records
              if r.kind is RecordKind.SEGMENT and touches(r, start, end)}  # fmt: skip
    for finding in compare_stored(records, stored):
        if finding.kind is FindingKind.MISSING and finding.subject not in inside:
            continue
        report.fail(f"segment_{finding.kind.value}", finding.subject, finding.detail)
    report.counts["segments"] = len(stored)


def note_holes(report: Report, records: Sequence[Record], start: datetime, end: datetime) -> None:
    """Honest gaps (gap, dropped records) in [start, end), and time no record covers."""
    covered: list[tuple[str, str]] = []
    first, last = format_time(start), format_time(end)
    for record in records:
        if record.kind not in (RecordKind.SEGMENT, RecordKind.GAP, RecordKind.DROPPED):
            continue
        if not touches(record, start, end):
            continue
        a, b = max(str(record.fields["start"]), first), min(str(record.fields["end"]), last)
        covered.append((a, b))
        if record.kind is not RecordKind.SEGMENT:
            report.note(f"honest_{record.kind.value}", record.name(),
                        f"{a} - {b} {record.fields['reason']}")  # fmt: skip
    cursor = first
    for a, b in [*sorted(covered), (last, last)]:
        if (parse_time(a) - parse_time(cursor)).total_seconds() > HOLE_TOLERANCE_S:
            report.note("no_record", f"{cursor} - {a}")
        cursor = max(cursor, b)
