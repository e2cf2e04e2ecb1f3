"""A segment's life at the edge, as data and pure decisions: read this first.

Every segment the spool journals (edge_uploader.journal) has one state, kept in
its row's ``state`` column; the journal stores states and never decides.
Which segment goes next, whether one may wait for the compressor, when the
link takes footage as recorded and what the spool may drop are the functions
below, over plain rows.

::

               journalled: spool.finalize, or an NVR file the watcher took
                                      |
           its camera compresses now  |  it does not, or the row is evidence
          +---------------------------+---------------------------+
          v                                                       v
       WAITING ------ camera stops compressing; evidence ------> RECORDED
        |  ^   <------- camera starts compressing -------------   |
claimed |  |  a restart after a crash cut the encode short        |
        v  |                                                      |
       ENCODING                                                   |
        |  encoded; or as recorded (it failed, saves under 5 %)   |
        v                                                         |
       READY ---------------> UPLOADING <--------------------------+
        ^                      |  |  also WAITING, as recorded, when the
        +---- upload failed ---+  |  link would idle; a crash: resumed
              (retried later)     |
                                  | stored and verified; its ingest
                                  v queued in the same transaction
                               UPLOADED
                                  | the index has it (the ingest queue's row)
                                  v
                               INGESTED

    Closed before storage: DROPPED (the spool is full; never while ENCODING),
    LOST (its file vanished), EXPIRED (older than its camera's retention).

Who moves a row: the spool journals it (RECORDED or WAITING, by the compression
plan the compressor publishes in the journal); the compressor claims WAITING
rows and makes them READY; the uploader claims RECORDED and READY rows (and
WAITING ones when the link would idle) and closes them; the ingest worker
finishes the ingest queue's row. A claim is one guarded write, so the
compressor and the uploader never both take a row.

Not states, on purpose: *evidence* is a flag (first in line, never compressed,
never expired); a *failure* is a READY row with ``attempts`` and a retry time.

Thumbnail sprites (edge_uploader.sprites, when the cloud ingests) are a kind of
their own, one per camera per 10-minute window: OPEN (tiles join) -> CLOSED (the
window is over and none of its segments pending: :func:`window_closes`) -> READY
(assembled) -> SENT, only while no footage is due (:func:`next_sprites`); any
but SENT -> DROPPED when the spool is full, before any footage.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from footage.errors import FootageError
from footage.keys import SPRITE_WINDOW as SPRITE_SPAN

#: A retry time long past: due now.
AT_ONCE = datetime.fromtimestamp(0, UTC)


class SegmentState(StrEnum):
    RECORDED = "recorded"  # journalled; goes up as recorded unless its camera compresses
    WAITING = "waiting"  # its camera compresses: waits for the compressor
    ENCODING = "encoding"  # the compressor has it (``profile``: what it encodes to)
    READY = "ready"  # decided: goes up as ``profile`` says ("copy": as recorded)
    UPLOADING = "uploading"  # the uploader has it
    UPLOADED = "uploaded"  # stored and verified
    INGESTED = "ingested"  # indexed (the ingest queue's row; cloud ingest: never seen)
    DROPPED = "dropped"  # removed to honour the spool quota (logged as an error)
    LOST = "lost"  # its file vanished from the spool before upload
    EXPIRED = "expired"  # older than the camera's retention: deleted, never uploaded


S = SegmentState
#: Not yet in storage nor given up: the spool's backlog.
PENDING = frozenset({S.RECORDED, S.WAITING, S.ENCODING, S.READY, S.UPLOADING})
#: Nobody has decided how it goes up yet.
UNDECIDED = frozenset({S.RECORDED, S.WAITING})
#: The uploader takes these when due (WAITING only when the link would idle).
UPLOADABLE = frozenset({S.RECORDED, S.READY, S.UPLOADING})
#: The spool-full policy may drop these (an encode in progress is left alone).
DROPPABLE = frozenset({S.RECORDED, S.WAITING, S.READY, S.UPLOADING})
#: The profile of footage that goes up as the camera recorded it.
COPY = "copy"

_LOST = "its file vanished"
_DROPPED = "the spool is full: the oldest waiting segment goes"
#: Every allowed move, and why it happens.
TRANSITIONS: Mapping[SegmentState, Mapping[SegmentState, str]] = {
    S.RECORDED: {
        S.WAITING: "its camera starts compressing (the compressor's plan)",
        S.UPLOADING: "the uploader takes it as recorded",
        S.DROPPED: _DROPPED,
        S.LOST: _LOST,
    },
    S.WAITING: {
        S.RECORDED: "its camera stops compressing, or it became evidence",
        S.ENCODING: "the compressor claims it",
        S.READY: "its camera's profile copies: as recorded",
        S.UPLOADING: "the link would idle: the uploader sends it as recorded",
        S.DROPPED: _DROPPED,
        S.LOST: _LOST,
    },
    S.ENCODING: {
        S.READY: "encoded; or as recorded (the encode failed or saves under 5 %)",
        S.WAITING: "a restart after a crash cut the encode short",
        S.RECORDED: "a restart after a crash, its camera no longer compressing",
    },
    S.READY: {
        S.UPLOADING: "the uploader claims it",
        S.DROPPED: _DROPPED,
        S.LOST: _LOST,
    },
    S.UPLOADING: {
        S.UPLOADING: "a crash cut its upload short: resumed where it stopped",
        S.READY: "the upload failed: retried later",
        S.UPLOADED: "stored and verified; its ingest queued in the same transaction",
        S.LOST: _LOST,
        S.EXPIRED: "older than its camera's retention: not worth the uplink",
        S.DROPPED: _DROPPED,
    },
    S.UPLOADED: {
        S.UPLOADED: "another uploader sent it too (the store had it)",
        S.INGESTED: "the index has it",
    },
    S.DROPPED: {S.UPLOADED: "its upload was in flight when the spool dropped it"},
    S.INGESTED: {},
    S.LOST: {},
    S.EXPIRED: {},
}


class IllegalTransition(FootageError):
    """A move the lifecycle does not allow."""


def advance(current: SegmentState, target: SegmentState) -> SegmentState:
    """``target`` if a row in ``current`` may move there; else IllegalTransition."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(f"a segment cannot go from {current} to {target}")
    return target


def sources(target: SegmentState) -> frozenset[SegmentState]:
    """The states a row may reach ``target`` from (the journal guards writes with it)."""
    return frozenset(s for s, moves in TRANSITIONS.items() if target in moves)


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """One journalled segment, as plain data."""

    path: Path
    camera: str
    site: str
    start: datetime
    size: int
    state: SegmentState = S.RECORDED
    sha256: str | None = None
    attempts: int = 0
    last_error: str | None = None
    evidence: bool = False
    #: None while undecided; what it is encoded to (ENCODING) or goes up as
    profile: str | None = None
    upload_path: Path | None = None  # the compressed file, if any
    recorded_size: int | None = None  # bytes as recorded, if compressed
    retry_at: datetime = AT_ONCE  # a failed upload waits until then

    @property
    def source(self) -> Path:
        """The file to upload: the compressed one if there is one."""
        return self.upload_path or self.path

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.path,) if self.upload_path is None else (self.path, self.upload_path)


# -- the compressor's plan: what the uploader and the spool need to know of it --


@dataclass(frozen=True, slots=True)
class SitePlan:
    """An adaptive site as the compressor sees it (edge_uploader.adaptive)."""

    site: str
    cameras: tuple[str, ...]  # its cameras with ``edge_profile: adaptive``
    overflowing: bool = False  # its backlog is past high water
    link_bps: float | None = None  # bytes/s its link drains while busy (learnt)


@dataclass(frozen=True, slots=True)
class CompressionPlan:
    """What the compressor does now; it publishes this in the journal."""

    held: frozenset[str] = frozenset()  # cameras whose footage waits for it
    sites: tuple[SitePlan, ...] = ()
    encode_s: float | None = None  # wall time per encode (moving average)


def journalled(camera: str, held: Collection[str], profile: str | None = None) -> SegmentState:
    """A new row's state: READY if how it goes up is decided already (an NVR file's
    original: ``copy``), else WAITING if its camera compresses now, else RECORDED."""
    if profile is not None:
        return S.READY
    return S.WAITING if camera in held else S.RECORDED


def routed(row: SegmentRow, held: Collection[str]) -> SegmentState:
    """An undecided row's state under the plan ``held`` (evidence never waits);
    any other row keeps its own."""
    if row.state not in UNDECIDED:
        return row.state
    return S.WAITING if row.camera in held and not row.evidence else S.RECORDED


# -- which segment next ----------------------------------------------------------


def upload_order(row: SegmentRow, oldest_first: bool = True) -> tuple[bool, float, str]:
    """Evidence first, then by start (oldest first, or newest first where a
    recorder may be stolen), then by path."""
    stamp = row.start.timestamp()
    return (not row.evidence, stamp if oldest_first else -stamp, str(row.path))


def due_for_upload(row: SegmentRow, now: datetime) -> bool:
    """The uploader takes it now (WAITING rows only when the link would idle)."""
    return row.state in UPLOADABLE and row.retry_at <= now


def next_for_upload(
    rows: Iterable[SegmentRow], now: datetime, limit: int, oldest_first: bool = True
) -> list[SegmentRow]:
    due = [r for r in rows if due_for_upload(r, now)]
    return sorted(due, key=lambda r: upload_order(r, oldest_first))[:limit]


def compressor_order(row: SegmentRow, oldest_first: bool = True) -> tuple[float, str]:
    stamp = row.start.timestamp()
    return (stamp if oldest_first else -stamp, str(row.path))


def next_for_compressor(
    rows: Iterable[SegmentRow],
    limit: int,
    oldest_first: bool = True,
    cameras: Collection[str] | None = None,
) -> list[SegmentRow]:
    """WAITING rows (of ``cameras``, default any) in the compressor's order. With
    ``oldest_first=False`` on the upload order: the ones it would reach last."""
    waiting = [r for r in rows if r.state is S.WAITING and (cameras is None or r.camera in cameras)]
    return sorted(waiting, key=lambda r: compressor_order(r, oldest_first))[:limit]


# -- the link would idle: send as recorded -----------------------------------------


def idle_workers(due: int, workers: int) -> int:
    """Upload workers the due rows leave without work."""
    return max(0, workers - due)


def sooner_as_recorded(
    waiting: int, waiting_bytes: int, encode_s: float | None, link_bps: float | None
) -> bool:
    """The last of ``waiting`` segments reaches storage sooner as recorded: the
    encodes ahead of it take longer than sending it as it is. Nothing measured
    yet (no encode, no link rate): compress."""
    if encode_s is None or not link_bps or waiting <= 0:
        return False
    return waiting * encode_s > waiting_bytes / waiting / link_bps


def send_as_recorded(
    plan: CompressionPlan, waiting: Mapping[str, tuple[int, int]]
) -> frozenset[str]:
    """Held adaptive cameras whose footage the uploader may send as recorded when
    it would otherwise idle: their site's backlog is past high water, or the last
    segment in the compressor's queue would reach storage sooner as recorded.
    ``waiting``: per site, (segments, bytes) WAITING of its held adaptive cameras."""
    out: set[str] = set()
    for site in plan.sites:
        cameras = held_at(site, plan)
        count, size = waiting.get(site.site, (0, 0))
        if cameras and (
            site.overflowing or sooner_as_recorded(count, size, plan.encode_s, site.link_bps)
        ):
            out.update(cameras)
    return frozenset(out)


def held_at(site: SitePlan, plan: CompressionPlan) -> tuple[str, ...]:
    """The site's adaptive cameras the compressor holds now."""
    return tuple(c for c in site.cameras if c in plan.held)


# -- settling a segment --------------------------------------------------------------

#: An encode must save at least this much, or the recording goes up as it is.
WORTH = 0.95


def worth_sending_encoded(recorded: int, encoded: int) -> bool:
    return encoded <= WORTH * recorded


def expired(row: SegmentRow, keep: timedelta | None, now: datetime) -> bool:
    """Retention would delete it on arrival (evidence is kept): not worth the uplink."""
    return keep is not None and row.start + keep <= now and not row.evidence


def may_drop(row: SegmentRow) -> bool:
    """The spool-full policy may delete its files (never an encode in progress)."""
    return row.state in DROPPABLE


def drop_order(row: SegmentRow) -> tuple[bool, float, str]:
    """Footage under an evidence hold last; then the oldest first."""
    return (row.evidence, row.start.timestamp(), str(row.path))


def next_to_drop(rows: Iterable[SegmentRow], limit: int = 1) -> list[SegmentRow]:
    """What the spool-full policy drops first: the oldest footage that is not
    evidence; evidence only when nothing else is left to drop. Any sprite not yet
    sent goes before all footage (:func:`next_sprite_to_drop`)."""
    return sorted(filter(may_drop, rows), key=drop_order)[:limit]


# -- thumbnail sprites: a kind of their own, after footage --------------------------


class SpriteState(StrEnum):
    OPEN = "open"  # its window's tiles join it
    CLOSED = "closed"  # no tile joins any more: being assembled
    READY = "ready"  # assembled on disk: waits for the link to have no footage due
    SENT = "sent"  # stored (or found stored: keys are write-once)
    DROPPED = "dropped"  # the spool was full (sprites go before footage), or unmakeable


SP = SpriteState
#: Not sent nor given up: the spool-full policy may drop these.
SPRITE_PENDING = frozenset({SP.OPEN, SP.CLOSED, SP.READY})
#: Every allowed move: where each state may be reached from.
SPRITE_SOURCES: Mapping[SpriteState, frozenset[SpriteState]] = {
    SP.CLOSED: frozenset({SP.OPEN}), SP.READY: frozenset({SP.CLOSED}),
    SP.SENT: frozenset({SP.READY}), SP.DROPPED: SPRITE_PENDING,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SpriteWindow:
    """One camera's sprite for one window, as plain data."""

    key: str  # footage.keys.build_sprite_key
    camera: str
    site: str
    start: datetime  # the window's start
    path: Path  # its folder in the spool: its tiles, then the sprite
    state: SpriteState = SP.OPEN
    size: int = 0  # bytes on disk: its tiles, then the sprite
    attempts: int = 0
    retry_at: datetime = AT_ONCE


def window_closes(
    window: SpriteWindow, now: datetime, grace: timedelta, pending: int, later: bool
) -> bool:
    """No tile joins an OPEN window any more: none of its camera's segments that
    start in it is ``pending`` (not yet stored nor given up), and either a later
    segment of the camera is journalled (the next window began) or the window
    ended ``grace`` ago (the camera may be down)."""
    if window.state is not SP.OPEN or pending:
        return False
    return later or now >= window.start + SPRITE_SPAN + grace


def next_sprites(
    windows: Iterable[SpriteWindow], now: datetime, footage_due: int, limit: int
) -> list[SpriteWindow]:
    """READY sprites due now, oldest first: none while any footage is due."""
    if footage_due:
        return []
    due = [w for w in windows if w.state is SP.READY and w.retry_at <= now]
    return sorted(due, key=lambda w: (w.start, w.key))[:limit]


def next_sprite_to_drop(windows: Iterable[SpriteWindow]) -> SpriteWindow | None:
    """The oldest sprite not yet sent: the spool drops it before any footage."""
    pending = [w for w in windows if w.state in SPRITE_PENDING]
    return min(pending, key=lambda w: (w.start, w.key), default=None)
