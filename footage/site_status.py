"""What each site's edge publishes about itself (``status/<SITE>.json``, once a
minute) and the API reads back for ``GET /api/status``: recorder states and
the upload backlog, which only the edge knows. The same storage carries it
on-prem and in the cloud, so the status page works the same in both.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict

from footage.watch_account import WatchFolderReport

#: The edge publishes this often; a report older than 3 intervals means the
#: edge (or its uplink) is down.
PUBLISH_INTERVAL = timedelta(seconds=60)


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
        return now - self.published_at <= 3 * PUBLISH_INTERVAL
