"""The audit trail, hash-chained: each event names the hash of the one before it.

An event recorded with the chain carries ``seq`` (1, 2, 3 ... in the order the
log accepted them) and ``prev`` = the hash of event ``seq - 1`` (event 1: the
hash of the :class:`Genesis`), so an event edited, deleted, inserted or moved
breaks a link that :func:`verify_chain` names (seq, time, action).

Canonical bytes (footage.chain.canonical_json: sorted keys, no whitespace,
UTF-8) of an event::

    {"v": 1, "kind": "audit", "seq": N, "prev": HASH, "at": TIME, "username": ..,
     "action": .., "camera": .., "site": .., "client": .., "start": TIME|null,
     "end": TIME|null, "detail": ..}

and of the genesis (seq 0, prev 64 zeros)::

    {"v": 1, "kind": "audit-genesis", "seq": 0, "prev": ZERO, "at": TIME,
     "unchained": N}

``TIME`` is UTC with milliseconds ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (what both stores
keep); a hash is SHA-256 of the canonical bytes, lower-case hex.
``unchained`` counts the events an older version recorded without a chain
before the chain began (they are reported, not verified).

What a chain alone cannot show: someone who can write the store and recompute
every hash after an edit rebuilds a consistent chain. The head each store keeps
(``head``) catches a truncation; anchoring heads elsewhere catches a rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from footage.audit import AuditAction, AuditEvent
from footage.chain import ZERO_HASH, canonical_json, sha256_hex
from footage.errors import ChainFormatError

VERSION = 1
_TIME = "%Y-%m-%dT%H:%M:%S"


def format_ms(moment: datetime) -> str:
    """UTC with milliseconds, rounded as the stores round (epoch ms)."""
    if moment.tzinfo is None:
        raise ChainFormatError("naive datetime: times must be timezone-aware")
    ms = round(moment.timestamp() * 1000)
    return f"{datetime.fromtimestamp(ms // 1000, UTC):{_TIME}}.{ms % 1000:03d}Z"


def parse_ms(text: str) -> datetime:
    try:
        return datetime.strptime(text, f"{_TIME}.%fZ").replace(tzinfo=UTC)
    except (TypeError, ValueError) as exc:
        raise ChainFormatError(f"not a time YYYY-MM-DDTHH:MM:SS.mmmZ: {text!r}") from exc


@dataclass(frozen=True, slots=True)
class Link:
    """An event's place: its seq and hash (the genesis is seq 0)."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class Genesis:
    at: datetime
    unchained: int  # events recorded without a chain before it

    def to_json(self) -> dict[str, object]:
        return {"v": VERSION, "kind": "audit-genesis", "seq": 0, "prev": ZERO_HASH,
                "at": format_ms(self.at), "unchained": self.unchained}  # fmt: skip

    def canonical(self) -> bytes:
        return canonical_json(self.to_json())

    @property
    def link(self) -> Link:
        return Link(0, sha256_hex(self.canonical()))


def genesis_from_json(obj: Mapping[str, Any]) -> Genesis:
    try:
        genesis = Genesis(parse_ms(obj["at"]), int(obj["unchained"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ChainFormatError(f"not an audit genesis: {obj!r}") from exc
    if genesis.to_json() != dict(obj):
        raise ChainFormatError(f"not a canonical audit genesis: {obj!r}")
    return genesis


@dataclass(frozen=True, slots=True)
class ChainedEvent:
    seq: int
    prev: str
    event: AuditEvent

    def to_json(self) -> dict[str, object]:
        e = self.event
        return {
            "v": VERSION, "kind": "audit", "seq": self.seq, "prev": self.prev,
            "at": format_ms(e.at), "username": e.username, "action": e.action.value,
            "camera": e.camera, "site": e.site, "client": e.client,
            "start": format_ms(e.start) if e.start else None,
            "end": format_ms(e.end) if e.end else None, "detail": e.detail,
        }  # fmt: skip

    def canonical(self) -> bytes:
        return canonical_json(self.to_json())

    @property
    def hash(self) -> str:
        return sha256_hex(self.canonical())

    @property
    def link(self) -> Link:
        return Link(self.seq, self.hash)


def chain_next(head: Link, event: AuditEvent) -> ChainedEvent:
    """The event recorded after ``head``."""
    return ChainedEvent(head.seq + 1, head.hash, event)


@dataclass(frozen=True)
class ChainView:
    """What a store holds of its chain, for :func:`verify_chain`.

    ``events`` in seq order (a lazy iterable: a year of events is not held in
    memory), from seq 1, from the first event retention kept, or (``since``)
    from the last event before that time. ``head_before`` is the store's head read
    before the events; ``head_after`` reads it again after them (events appended
    meanwhile are not insertions). ``checkpoint``: the last event retention
    removed (the next must follow it). ``strays``: events with no seq recorded
    after the chain began; ``unchained_before``: events with no seq before it."""

    genesis: Genesis | None
    head_before: Link | None
    head_after: Callable[[], Link | None]
    events: Iterable[ChainedEvent]
    checkpoint: Link | None = None
    strays: Sequence[AuditEvent] = ()
    unchained_before: int = 0
    partial: bool = False  # read from a time on: the first event is a starting point
    expired_before: datetime | None = None  # an older first event may follow expired ones


class Problem(StrEnum):
    ALTERED = "altered"  # the event no longer matches the hash the next one carries
    MOVED = "moved"  # links to neither neighbour: moved or replaced (a swap names both)
    MISSING = "missing"
    INSERTED = "inserted"


@dataclass(frozen=True, slots=True)
class AuditFinding:
    problem: Problem
    seq: int | None
    at: datetime | None
    action: AuditAction | None
    what: str = ""  # extra words (a seq range, the head's seq), language-neutral


@dataclass
class _Walk:
    view: ChainView
    findings: list[AuditFinding] = field(default_factory=list)
    last: ChainedEvent | None = None
    head_hash: str | None = None  # the hash of the event at head_before's seq
    #: the event before the last broken link (None: the genesis), until the next
    #: link says whether it was altered (next link holds) or the last one moved
    suspect: ChainedEvent | None = None
    broken: bool = False

    def add(
        self, problem: Problem, event: ChainedEvent | AuditEvent | None, what: str = ""
    ) -> None:
        inner = event.event if isinstance(event, ChainedEvent) else event
        seq = event.seq if isinstance(event, ChainedEvent) else None
        self.findings.append(AuditFinding(problem, seq, inner.at if inner else None,
                                          inner.action if inner else None, what))  # fmt: skip


def verify_chain(view: ChainView) -> list[AuditFinding]:
    """Every break in the chain, each naming the event (empty: it all holds)."""
    walk = _Walk(view)
    if view.genesis is None:
        for stray in view.strays:
            walk.add(Problem.INSERTED, stray)
        return walk.findings
    if view.unchained_before > view.genesis.unchained:
        walk.add(Problem.INSERTED, None,
                 f"{view.unchained_before - view.genesis.unchained} before the chain")  # fmt: skip
    for event in view.events:
        _step(walk, event)
    _settle(walk)
    _check_head(walk)
    for stray in view.strays:
        walk.add(Problem.INSERTED, stray)
    return walk.findings


def _step(walk: _Walk, event: ChainedEvent) -> None:
    last = walk.last
    if last is not None and event.seq == last.seq:
        walk.add(Problem.INSERTED, event, f"seq {event.seq} twice")
        return
    if last is None:
        _first(walk, event)
    elif event.seq > last.seq + 1:
        _settle(walk)
        walk.add(Problem.MISSING, event, _range(last.seq + 1, event.seq - 1))
    elif event.prev != last.hash:
        _break(walk, last)
    else:
        _settle(walk)
    walk.last = event
    if walk.view.head_before is not None and event.seq == walk.view.head_before.seq:
        walk.head_hash = event.hash


def _first(walk: _Walk, event: ChainedEvent) -> None:
    view = walk.view
    assert view.genesis is not None
    start = view.checkpoint if view.checkpoint is not None else view.genesis.link
    expired = view.expired_before is not None and event.event.at < view.expired_before
    if event.seq == start.seq + 1:
        if event.prev != start.hash:
            _break(walk, None)
    elif event.seq <= start.seq:
        walk.add(Problem.INSERTED, event)
    elif not (view.partial or expired):
        walk.add(Problem.MISSING, event, _range(start.seq + 1, event.seq - 1))


def _break(walk: _Walk, before: ChainedEvent | None) -> None:
    """The link after ``before`` is broken: two broken links in a row name the
    event between them as moved; a broken link alone names the event before it."""
    if walk.broken:
        walk.broken = False
        walk.add(Problem.MOVED, walk.last)
        return
    walk.broken, walk.suspect = True, before


def _settle(walk: _Walk) -> None:
    """The link just read holds: a broken link before it was the suspect's edit."""
    if walk.broken:
        walk.broken = False
        what = "" if walk.suspect is not None else "genesis"
        walk.add(Problem.ALTERED, walk.suspect, what)


def _check_head(walk: _Walk) -> None:
    before, last = walk.view.head_before, walk.last
    if before is not None and before.seq > 0:
        if last is None or last.seq < before.seq:
            walk.add(Problem.MISSING, last, _range((last.seq if last else 0) + 1, before.seq))
        elif walk.head_hash not in (None, before.hash):
            walk.add(Problem.ALTERED, last if last.seq == before.seq else None,
                     f"head seq {before.seq}")  # fmt: skip
    after = walk.view.head_after()
    if last is not None and (after is None or last.seq > after.seq):
        walk.add(Problem.INSERTED, last, f"after head seq {after.seq if after else 0}")


def _range(first: int, last: int) -> str:
    return f"seq {first}" if first == last else f"seq {first}-{last}"


_WORDS: Mapping[str, Mapping[object, str]] = {
    "en": {
        Problem.ALTERED: "altered: it no longer matches the hash the next record carries",
        Problem.MOVED: "moved or replaced: it links to neither neighbour",
        Problem.MISSING: "missing events (deleted)",
        Problem.INSERTED: "inserted: it has no place in the chain",
        "ok": "audit trail intact: {n} events verified (seq {first}-{last})",
        "none": "audit trail: no chained events",
        "broken": "AUDIT TRAIL BROKEN: {n} problem(s)",
    },
    "id": {
        Problem.ALTERED: "diubah: tidak lagi cocok dengan hash yang dibawa catatan berikutnya",
        Problem.MOVED: "dipindah atau diganti: tidak tersambung ke kedua tetangganya",
        Problem.MISSING: "peristiwa hilang (dihapus)",
        Problem.INSERTED: "disisipkan: tidak punya tempat dalam rantai",
        "ok": "jejak audit utuh: {n} peristiwa diperiksa (seq {first}-{last})",
        "none": "jejak audit: belum ada peristiwa berantai",
        "broken": "JEJAK AUDIT RUSAK: {n} masalah",
    },
}


def words(lang: str) -> Mapping[object, str]:
    return _WORDS["id" if lang == "id" else "en"]


def describe_finding(finding: AuditFinding, lang: str = "en") -> str:
    """One line naming the event: ``seq 12 2026-...Z playback: altered: ...``."""
    seq = f"seq {finding.seq} " if finding.seq is not None else ""
    at = f"{format_ms(finding.at)} " if finding.at else ""
    action = f"{finding.action.value}: " if finding.action else ""
    extra = f" ({finding.what})" if finding.what else ""
    return f"{seq}{at}{action}{words(lang)[finding.problem]}{extra}"
