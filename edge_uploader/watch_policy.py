"""The folder watcher's decisions, as pure functions over plain data.

* A file that will not probe is *incomplete* while its container says bytes are
  missing (it is waited for), else quarantined with a reason people understand.
* A file stable but incomplete for ``salvage_after_s`` is taken as far as it
  plays, and its source is kept: never lost, never deleted by us.
* A taken file's source is deleted only when every upload of it is done (the
  uploader verified the stored object) and it has not changed since it was taken,
  ``delete_after_s`` ago at least. Duplicates and refused files are left in place.
* A taken file whose segment upload was dropped (spool full) or lost is taken again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from edge_uploader.journal.watched import WatchedFile
from edge_uploader.lifecycle import SegmentState
from footage.watch_account import DropReason, FileOutcome

#: Codecs stored as they are (stream copy); any other video is transcoded to H.264.
PLAYABLE_CODECS = frozenset({"h264", "hevc"})
_GONE = {SegmentState.DROPPED, SegmentState.LOST}


def needs_transcode(codec: str) -> bool:
    return codec not in PLAYABLE_CODECS


def classify_unreadable(size: int, container: str, error: str) -> DropReason:
    """Why a file that does not probe as video is refused (its container is known)."""
    if size == 0:
        return DropReason.EMPTY
    lowered = error.lower()
    if "no duration" in lowered:
        return DropReason.ZERO_DURATION
    if "no video stream" in lowered:
        return DropReason.NOT_VIDEO
    if container in {"mp4", "avi", "mkv", "ts"}:
        return DropReason.UNREADABLE
    return DropReason.NOT_VIDEO


def salvage_due(entry: WatchedFile, now: datetime, after_s: float) -> bool:
    """Incomplete, unchanged, for ``after_s``: it will not be finished by anyone."""
    return (
        entry.outcome is FileOutcome.WAITING
        and entry.code is DropReason.INCOMPLETE
        and entry.since is not None
        and now - entry.since >= timedelta(seconds=after_s)
    )


def source_deletable(
    entry: WatchedFile, states: Sequence[SegmentState | None], now: datetime, after_s: float
) -> bool:
    """Every upload of the taken file is done, we have not deleted it yet, and it has
    been left alone for ``after_s`` since it was taken (the caller checked that it
    is unchanged): a recorder still appending to it would lose what it writes."""
    return (
        entry.outcome is FileOutcome.INGESTED
        and entry.taken
        and not entry.deleted
        and entry.since is not None
        and now - entry.since >= timedelta(seconds=after_s)
        and bool(states)
        and all(state == SegmentState.UPLOADED for state in states)
    )


def take_again(segment_state: SegmentState | None) -> bool:
    """The segment never reached storage (dropped for room, vanished): take it again."""
    return segment_state is None or segment_state in _GONE
