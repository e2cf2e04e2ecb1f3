"""Why a camera (or its live view, or a site) is down, and its outages in the log.

:class:`Problem` is a reason code: the viewer says it in the user's language
(``reason.<code>`` in web/src/messages-*.ts), the CLI in English (:data:`PROBLEM_TEXT`).
The raw tool error (ffprobe/ffmpeg's own words, credentials masked) travels
beside it for admins only. :func:`classify` reads the code from that text.

:class:`OutageLog` logs a source's outages by their changes (down with the
reason, the reason changing, back up with the outage's length) and a summary
every ``summary_every`` while it stays down: not one warning per retry (an
unreachable camera used to log one every 3 s, 206 lines in 11 minutes).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from footage.redact import redact


class Problem(StrEnum):
    UNREACHABLE = "unreachable"  # no answer at its address: network, power, wrong IP
    AUTH_FAILED = "auth_failed"  # the camera refuses the username or password
    STREAM_NOT_FOUND = "stream_not_found"  # wrong path in rtsp_url
    NO_VIDEO = "no_video"  # answers, but sends no video stream we can record
    NO_FRAMES = "no_frames"  # was streaming, then stopped sending pictures
    STREAM_ENDED = "stream_ended"  # the camera closed the stream
    DISK_FULL = "disk_full"  # the edge's disk is full
    UPLOAD_FAILING = "upload_failing"  # recorded, but uploads to storage fail
    NO_UPLOADS = "no_uploads"  # nothing uploaded lately (the site is stale)
    EDGE_SILENT = "edge_silent"  # the site's edge sends no status (down, or its uplink)
    NOT_RUNNING = "not_running"  # vms up is not running at the edge
    NVR_SILENT = "nvr_silent"  # an NVR-only camera's folder got no new file lately
    NO_RECENT_FOOTAGE = "no_recent_footage"  # judged by the index alone: nothing new
    ERROR = "error"  # anything else: see the technical details


#: What ``vms status`` prints (English, like the rest of the CLI).
PROBLEM_TEXT = {
    Problem.UNREACHABLE: "camera unreachable",
    Problem.AUTH_FAILED: "camera refused the username or password",
    Problem.STREAM_NOT_FOUND: "no such stream on the camera (check rtsp_url)",
    Problem.NO_VIDEO: "camera sends no video",
    Problem.NO_FRAMES: "camera stopped sending pictures",
    Problem.STREAM_ENDED: "camera ended the stream",
    Problem.DISK_FULL: "disk full",
    Problem.UPLOAD_FAILING: "uploads failing",
    Problem.NO_UPLOADS: "nothing uploaded lately",
    Problem.EDGE_SILENT: "site not reporting",
    Problem.NOT_RUNNING: "recorder not running",
    Problem.NVR_SILENT: "no new file in the NVR folder",
    Problem.NO_RECENT_FOOTAGE: "no recent footage",
    Problem.ERROR: "recorder error",
}

_UNREACHABLE = (
    "connection refused|no route to host|network is unreachable|host is unreachable"
    "|name or service not known|temporary failure in name resolution|could not resolve"
)
_NO_VIDEO = (
    "no video|could not find codec parameters|does not contain any stream"
    "|invalid data found|no picture size"
)
#: First match wins: the most specific words first.
_PATTERNS: tuple[tuple[Problem, re.Pattern[str]], ...] = tuple(
    (problem, re.compile(pattern, re.IGNORECASE))
    for problem, pattern in (
        (Problem.DISK_FULL, r"no space left on device|disk quota exceeded"),
        (Problem.AUTH_FAILED, r"\b401\b|unauthorized|\b403\b|forbidden"),
        (Problem.STREAM_NOT_FOUND, r"\b404\b|not found|\b454\b"),
        (Problem.UNREACHABLE, _UNREACHABLE),
        (Problem.NO_FRAMES, r"timed out|timeout"),
        (Problem.STREAM_ENDED, r"end of file|connection reset|broken pipe|\beof\b"),
        (Problem.NO_VIDEO, _NO_VIDEO),
    )
)


def classify(error: str | None, connecting: bool = False) -> Problem:
    """The reason code in a tool's error text. ``connecting``: the error came while
    opening the camera, where a timeout means nothing answers (unreachable), not a
    stream that went quiet."""
    text = error or ""
    for problem, pattern in _PATTERNS:
        if pattern.search(text):
            if problem is Problem.NO_FRAMES and connecting:
                return Problem.UNREACHABLE
            return problem
    return Problem.ERROR


def describe(problem: Problem | str | None) -> str:
    """English words for a code (codes this version does not know: as they are)."""
    if problem is None:
        return ""
    try:
        return PROBLEM_TEXT[Problem(problem)]
    except ValueError:
        return str(problem)


def _span(delta: timedelta) -> str:
    """``45 s``, ``25 min``, ``3 h 5 min``: an outage's length for a log line."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@dataclass(slots=True)
class OutageLog:
    """One source's outages, for its log: call :meth:`failed` on every failed
    attempt and :meth:`recovered` once it works again."""

    logger: logging.Logger
    what: str  # "camera", "live relay ho-lobby__sub": the subject of each line
    context: dict[str, str]  # the records' structured fields (camera, site)
    summary_every: timedelta = timedelta(minutes=10)
    since: datetime | None = None  # when the outage began; None: up
    problem: Problem | None = None
    attempts: int = 0
    last_error: str = ""
    _summarized: datetime | None = field(default=None, repr=False)

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, now: datetime, problem: Problem, error: str) -> None:
        error = redact(error)
        self.attempts += 1
        self.last_error = error
        if self.since is None:
            self.since, self.problem, self._summarized = now, problem, now
            self.logger.warning("%s offline: %s (%s)", self.what, describe(problem), error,
                                extra=self.context)  # fmt: skip
        elif problem is not self.problem:
            self.problem, self._summarized = problem, now
            self.logger.warning("%s still offline, now: %s (%s)", self.what, describe(problem),
                                error, extra=self.context)  # fmt: skip
        elif self._summarized is not None and now - self._summarized >= self.summary_every:
            self._summarized = now
            self.logger.warning(
                "%s still offline for %s, %d attempts: %s, last error: %s", self.what,
                _span(now - self.since), self.attempts, describe(problem), error,
                extra=self.context,
            )  # fmt: skip

    def recovered(self, now: datetime) -> None:
        """Up again: one line with the outage's length (nothing when it was up)."""
        if self.since is None:
            return
        self.logger.info("%s back online after %s offline (%d failed attempts)", self.what,
                         _span(now - self.since), self.attempts, extra=self.context)  # fmt: skip
        self.reset()

    def reset(self) -> None:
        """Forget the outage without a word (the source is no longer wanted)."""
        self.since, self.problem, self.attempts, self.last_error = None, None, 0, ""
        self._summarized = None
