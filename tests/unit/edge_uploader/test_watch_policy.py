"""The folder watcher's decisions: pure functions over plain data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_uploader.journal.watched import WatchedFile
from edge_uploader.lifecycle import SegmentState
from edge_uploader.watch_policy import (
    classify_unreadable,
    needs_transcode,
    salvage_due,
    source_deletable,
    take_again,
)
from footage.watch_account import DropReason, FileOutcome, reason_text

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
TAKEN = WatchedFile(Path("/nvr/a.mp4"), 10, 20, FileOutcome.INGESTED, "cam1", sha256="ab" * 32,
                    segment=Path("/spool/ready/cam1/x.mp4"),
                    since=NOW - timedelta(minutes=10))  # fmt: skip


@pytest.mark.parametrize(
    ("size", "container", "error", "reason"),
    [
        (0, "other", "unreadable", DropReason.EMPTY),
        (900, "mp4", "no duration: the file holds no complete frames", DropReason.ZERO_DURATION),
        (900, "mkv", "no video stream", DropReason.NOT_VIDEO),
        (900, "avi", "unreadable: ffprobe failed: Invalid data", DropReason.UNREADABLE),
        (900, "other", "unreadable: ffprobe failed: Invalid data", DropReason.NOT_VIDEO),
    ],
)
def test_why_a_file_is_refused(size: int, container: str, error: str, reason: DropReason) -> None:
    assert classify_unreadable(size, container, error) is reason


def test_reasons_are_said_in_both_languages() -> None:
    assert reason_text(DropReason.EMPTY) == "berkas kosong / file is empty"
    assert reason_text(DropReason.DUPLICATE, {"earlier": "a.mp4"}) == (
        "duplikat dari a.mp4 / duplicate of a.mp4"
    )
    assert "?" in reason_text(DropReason.TRANSCODED, {"codec": "MJPEG"})  # a missing value


@pytest.mark.parametrize(("codec", "transcode"), [("h264", False), ("hevc", False),
                                                  ("mpeg4", True), ("mjpeg", True)])  # fmt: skip
def test_old_codecs_are_transcoded(codec: str, transcode: bool) -> None:
    assert needs_transcode(codec) is transcode


def test_salvage_only_what_stayed_incomplete_long_enough() -> None:
    waiting = WatchedFile(Path("/nvr/a.mp4"), 1, 1, FileOutcome.WAITING, code=DropReason.INCOMPLETE,
                          since=NOW - timedelta(seconds=3600))  # fmt: skip
    assert salvage_due(waiting, NOW, 3600)
    assert not salvage_due(waiting, NOW - timedelta(seconds=1), 3600)
    writing = WatchedFile(Path("/nvr/a.mp4"), 1, 1, FileOutcome.WAITING, code=DropReason.WRITING,
                          since=NOW - timedelta(days=1))  # fmt: skip
    assert not salvage_due(writing, NOW, 3600)  # still changing: nothing to salvage yet


UPLOADED, READY = SegmentState.UPLOADED, SegmentState.READY  # stored; on its way


def test_a_source_is_deleted_only_when_every_upload_is_done_and_it_was_left_alone() -> None:
    assert source_deletable(TAKEN, [UPLOADED], NOW, 300)
    assert source_deletable(TAKEN, [UPLOADED, UPLOADED], NOW, 300)
    assert not source_deletable(TAKEN, [UPLOADED, READY], NOW, 300)  # the original not yet
    assert not source_deletable(TAKEN, [READY], NOW, 300)
    assert not source_deletable(TAKEN, [None], NOW, 300)
    assert not source_deletable(TAKEN, [], NOW, 300)
    assert not source_deletable(TAKEN, [UPLOADED], NOW, 3600)  # a recorder may still append
    assert not source_deletable(replace(TAKEN, deleted=True), [UPLOADED], NOW, 300)
    assert not source_deletable(replace(TAKEN, outcome=FileOutcome.SALVAGED), [UPLOADED], NOW, 300)


@pytest.mark.parametrize(("state", "again"), [(READY, False), (UPLOADED, False),
                                              (SegmentState.DROPPED, True),
                                              (SegmentState.LOST, True), (None, True)])  # fmt: skip
def test_a_segment_that_never_reached_storage_is_taken_again(
    state: SegmentState | None, again: bool
) -> None:
    assert take_again(state) is again
