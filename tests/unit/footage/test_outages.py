"""Reason codes from tool errors, and outages logged by their changes, not per retry."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from footage.outages import OutageLog, Problem, classify, describe

NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
REFUSED = (
    "camera unreachable: ffprobe failed: [tcp @ 0x55] Connection to tcp://10.0.0.9:554?timeout="
    "5000000 failed: Connection refused | rtsp://admin:***@10.0.0.9:554/ch1: Connection refused"
)


@pytest.mark.parametrize(
    ("error", "connecting", "problem"),
    [
        (REFUSED, True, Problem.UNREACHABLE),
        ("rtsp://10.0.0.9/ch1: Connection timed out", True, Problem.UNREACHABLE),
        ("ffmpeg exited (1): rtsp://10.0.0.9/ch1: Connection timed out", False, Problem.NO_FRAMES),
        ("[rtsp @ 0x5] method DESCRIBE failed: 401 Unauthorized", True, Problem.AUTH_FAILED),
        ("[rtsp @ 0x5] method DESCRIBE failed: 404 Not Found", True, Problem.STREAM_NOT_FOUND),
        ("no video stream", True, Problem.NO_VIDEO),
        ("ffmpeg exited (0): rtsp://10.0.0.9/ch1: End of file", False, Problem.STREAM_ENDED),
        ("ffmpeg exited (1): segment.mp4: No space left on device", False, Problem.DISK_FULL),
        ("ffmpeg exited (-9): no error output", False, Problem.ERROR),
        (None, False, Problem.ERROR),
    ],
)
def test_tool_errors_become_reason_codes(error, connecting, problem) -> None:
    assert classify(error, connecting) is problem


def test_every_code_has_words_for_the_cli() -> None:
    assert all(describe(p) and describe(p) != p.value for p in Problem)
    assert describe("some_future_code") == "some_future_code" and describe(None) == ""


def _outages(summary_every: timedelta = timedelta(minutes=10)) -> OutageLog:
    ctx = {"camera": "lobby", "site": "HO"}
    return OutageLog(logging.getLogger("test.outages"), "camera", ctx, summary_every)


def test_an_outage_logs_its_start_summaries_and_its_end(caplog) -> None:
    caplog.set_level(logging.INFO, "test.outages")
    outages = _outages()
    now = NOW
    for _ in range(220):  # 11 minutes of retries every 3 s
        outages.failed(now, Problem.UNREACHABLE, REFUSED)
        now += timedelta(seconds=3)
    outages.recovered(now)
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert len(lines) == 3, lines
    assert lines[0] == ("WARNING", f"camera offline: camera unreachable ({REFUSED})")
    assert lines[1][1].startswith("camera still offline for 10 min, 201 attempts: camera unreachab")
    assert lines[2] == ("INFO", "camera back online after 11 min offline (220 failed attempts)")
    assert all(r.camera == "lobby" and r.site == "HO" for r in caplog.records)  # type: ignore[attr-defined]
    assert not outages.down and outages.attempts == 0


def test_a_new_reason_is_logged_once_and_passwords_never(caplog) -> None:
    caplog.set_level(logging.INFO, "test.outages")
    outages = _outages()
    outages.failed(NOW, Problem.UNREACHABLE, "rtsp://admin:hunter22@cam/ch1: Connection refused")
    for second in range(1, 4):
        outages.failed(NOW + timedelta(seconds=second), Problem.AUTH_FAILED, "401 Unauthorized")
    outages.recovered(NOW + timedelta(seconds=4))
    outages.recovered(NOW + timedelta(seconds=5))  # already up: nothing
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "camera offline: camera unreachable (rtsp://admin:***@cam/ch1: Connection refused)",
        "camera still offline, now: camera refused the username or password (401 Unauthorized)",
        "camera back online after 4 s offline (4 failed attempts)",
    ]
