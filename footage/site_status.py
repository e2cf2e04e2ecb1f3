"""What each site's edge publishes about itself (``status/<SITE>.json``) and the
API reads back for ``GET /api/status``: recorder states and the upload backlog,
which only the edge knows. The same storage carries it on-prem and in the cloud,
so the status page works the same in both.

The edge builds a report every CHECK_INTERVAL but writes it only when
``should_publish`` says so: when something the head office acts on changed, or
HEARTBEAT after the last write. A PUT per site per minute was 43,200 a month
($0.22 at $0.005 per 1,000); a steady site now writes 4,320 ($0.022). A report
older than FRESH_FOR (heartbeat + grace) means the edge, or its uplink, is down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict

from footage.calibration import CameraQuality
from footage.watch_account import FileOutcome, WatchFolderReport

#: The edge builds its report this often and decides whether to write it.
CHECK_INTERVAL = timedelta(seconds=60)
#: A report unchanged for this long is written again: the sign of life.
HEARTBEAT = timedelta(minutes=10)
#: Past the heartbeat: a check a minute late, a failed PUT or two retried
#: each minute, clocks a little apart.
GRACE = timedelta(minutes=5)
#: A report older than this means the edge (or its uplink) is down: a dead
#: site shows as silent at most FRESH_FOR after its last write.
FRESH_FOR = HEARTBEAT + GRACE
#: A site whose newest upload is older than this is shown in red; so is a
#: backlog whose oldest segment waits longer (footage.services.site_status).
STALE_AFTER = timedelta(minutes=15)
#: The backlog's count moves the report only when it more than doubles (or
#: halves) since the last write, plus this slack: the one or two segments in
#: flight at a steady site never do.
BACKLOG_SLACK = 10
#: Watch-folder outcomes the head office acts on (the others are routine).
_WATCH_PROBLEMS = (FileOutcome.QUARANTINED, FileOutcome.SALVAGED, FileOutcome.REMOVED)


class EdgeCamera(BaseModel):
    model_config = ConfigDict(extra="ignore")  # newer edges may add fields

    camera: str
    state: str  # RecorderState value: recording, offline, stopped, disabled, starting
    last_segment_at: AwareDatetime | None = None
    backlog_count: int = 0
    backlog_bytes: int = 0
    backlog_oldest: AwareDatetime | None = None
    last_upload_at: AwareDatetime | None = None  # when its newest upload finished
    last_error: str | None = None  # the tool's own words (masked): for admins only
    problem: str | None = None  # why it is red: footage.outages.Problem; None: fine
    last_file_at: AwareDatetime | None = None  # NVR-only: when its folder last gave a file
    live: str | None = None  # the relay's StreamState of the main stream; None: no relay
    live_viewers: int = 0  # main and sub-stream
    live_error: str | None = None
    quality: CameraQuality | None = None  # adaptive edge compression (footage.calibration)


class EdgeReport(BaseModel):
    model_config = ConfigDict(extra="ignore")

    site: str
    published_at: AwareDatetime
    running: bool = True
    spool_full: bool = False
    cameras: list[EdgeCamera] = []
    upload_rate_bps: float | None = None  # the last minute
    upload_rate_avg_bps: float | None = None  # the last 15 minutes
    drain_eta_s: float | None = None  # backlog / average rate
    compression_ratio: float | None = None  # bytes recorded / bytes sent, the last hour
    compression_profile: str | None = None  # the adaptive edge compression level now
    upload_error: str | None = None  # the newest error of an upload still waiting
    watch_folders: list[WatchFolderReport] = []  # what became of each dropped NVR file

    def fresh(self, now: datetime) -> bool:
        return now - self.published_at <= FRESH_FOR

    @property
    def backlog_count(self) -> int:
        return sum(c.backlog_count for c in self.cameras)


@dataclass(frozen=True, slots=True)
class _Seen:
    """What the head office concludes from a report at a given time: the status
    page's states and reasons, and the two judgements it makes from times."""

    site: tuple[object, ...]
    cameras: tuple[tuple[object, ...], ...]
    watch_problems: tuple[tuple[str, int], ...]
    uploads_stale: bool
    backlog_overdue: bool


def _seen(report: EdgeReport, now: datetime) -> _Seen:
    newest = max((c.last_upload_at for c in report.cameras if c.last_upload_at), default=None)
    oldest = min((c.backlog_oldest for c in report.cameras if c.backlog_oldest), default=None)
    return _Seen(
        site=(report.running, report.spool_full, report.upload_error, report.compression_profile),
        cameras=tuple(
            (c.camera, c.state, c.problem, c.last_error, c.live, c.live_error)
            for c in sorted(report.cameras, key=lambda c: c.camera)
        ),
        watch_problems=tuple(
            (f"{w.path}:{outcome.value}", w.counts.get(outcome.value, 0))
            for w in sorted(report.watch_folders, key=lambda w: w.path)
            for outcome in _WATCH_PROBLEMS
        ),
        uploads_stale=newest is None or now - newest > STALE_AFTER,
        backlog_overdue=oldest is not None and now - oldest > STALE_AFTER,
    )


def backlog_moved(written: int, now: int) -> bool:
    """The count more than doubled, or more than halved, since the last write
    (with BACKLOG_SLACK): relative to what was written, so a count hovering at a
    boundary cannot make a write a minute."""
    return now > 2 * written + BACKLOG_SLACK or written > 2 * now + BACKLOG_SLACK


def should_publish(written: EdgeReport | None, new: EdgeReport, now: datetime) -> bool:
    """Write ``new`` now? ``written``: the report last written (None: none since
    start). Yes when the heartbeat is due, or when the head office, reading the
    written report at ``now``, would conclude otherwise than from the new one:
    a camera up or down (state, reason, error), live view, the site's running,
    spool and upload error, the compression level, problem files in a watch
    folder, uploads turning stale or a backlog overdue (judged at ``now``, as
    the API judges them), or the backlog's count moving (``backlog_moved``).
    Rates, bytes, ETA, viewer counts and times that move every minute wait for
    the heartbeat."""
    if written is None or now - written.published_at >= HEARTBEAT:
        return True
    if _seen(written, now) != _seen(new, now):
        return True
    return backlog_moved(written.backlog_count, new.backlog_count)
