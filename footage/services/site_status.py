"""``GET /api/status``: per site and camera, is it recording and backing up?

Joins each site's edge report (recorders, backlog, uploads) with the index
(newest segment, 24 h coverage). Without a fresh edge report (written within
footage.site_status.FRESH_FOR: the edge writes on change and every HEARTBEAT)
the site is "edge silent", the cameras' state comes from the index alone and
the site shows no backlog. "Last upload"
is when an upload finished, which only the edge knows (an old report still
says it); the newest footage is a separate field. Every red state carries a
reason code (footage.outages.Problem) for the viewer to say in the user's
language; the tools' own words stay beside it, for admins.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import ValidationError

from footage.calibration import CameraQuality
from footage.catalog import Catalog
from footage.config import Camera, Config, Site
from footage.coverage import coverage_ratio
from footage.errors import ObjectNotFound
from footage.keys import build_status_key
from footage.live import CameraLive, RelayStatus, StreamState
from footage.outages import Problem, classify
from footage.redact import redact_optional
from footage.site_status import STALE_AFTER, EdgeCamera, EdgeReport
from footage.storage import Storage
from footage.watch_account import WatchFolderReport

log = logging.getLogger(__name__)
COVERAGE_WINDOW = timedelta(hours=24)
#: Ingest and upload lag: a camera is "recording" while its newest indexed segment
#: ended within two segment lengths plus this.
RECORDING_SLACK = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Backlog:
    segments: int
    bytes: int
    oldest: datetime | None
    rate_bps: float | None = None
    avg_rate_bps: float | None = None
    eta_s: float | None = None
    compression_ratio: float | None = None
    compression_profile: str | None = None


@dataclass(frozen=True, slots=True)
class CameraState:
    id: str
    name: str
    state: str  # recording, offline, stopped, starting, disabled, or nvr (NVR-only)
    last_segment_end: datetime | None  # the newest footage in the index
    coverage_24h: float
    last_error: str | None  # the tool's own words: for admins only
    live: str | None = None  # the relay's state of the main stream; None: unknown
    live_viewers: int = 0
    live_error: str | None = None
    last_upload: datetime | None = None  # when its newest upload finished (the edge says)
    problem: str | None = None  # why it is red (footage.outages.Problem); None: fine
    live_problem: str | None = None  # why live view retries
    last_file_at: datetime | None = None  # NVR-only: when its folder last gave a file
    quality: CameraQuality | None = None  # adaptive edge compression, as the edge reported


@dataclass(frozen=True, slots=True)
class SiteState:
    id: str
    name: str
    timezone: str
    last_upload: datetime | None  # when the newest upload finished; None: not known
    stale: bool  # nothing uploaded for more than STALE_AFTER (or not known)
    edge_seen: datetime | None
    backlog: Backlog | None
    cameras: list[CameraState]
    problem: str | None = None  # why the site is red; None: fine
    detail: str | None = None  # the tool's own words behind it: for admins only
    newest_footage: datetime | None = None  # the end of the newest indexed footage
    #: what became of each file dropped in its NVR folders (the edge's last report)
    watch_folders: list[WatchFolderReport] = field(default_factory=list)


def read_edge_report(storage: Storage, site: str) -> EdgeReport | None:
    try:
        return EdgeReport.model_validate_json(storage.read_range(build_status_key(site)))
    except ObjectNotFound:
        return None
    except ValidationError as exc:
        log.warning("unreadable edge report: %s", exc, extra={"site": site})
        return None


def site_states(
    config: Config,
    catalog: Catalog,
    storage: Storage,
    sites: Iterable[Site],
    now: datetime,
    relay: RelayStatus | None = None,
) -> list[SiteState]:
    """``relay``: this machine's live relay (on-prem), fresher than the edge reports."""
    return [_site(config, catalog, storage, site, now, relay) for site in sites]


def _site(
    config: Config,
    catalog: Catalog,
    storage: Storage,
    site: Site,
    now: datetime,
    relay: RelayStatus | None,
) -> SiteState:
    report = read_edge_report(storage, site.id)
    edge = report if report and report.fresh(now) else None
    known = {c.camera: c for c in report.cameras} if report else {}  # stale: still true
    ours = [camera for camera in config.cameras if camera.site == site.id]
    cameras = [_camera(catalog, camera, known.get(camera.id), edge is not None, now, relay)
               for camera in ours]  # fmt: skip
    last_upload = max((c.last_upload for c in cameras if c.last_upload), default=None)
    stale = last_upload is None or now - last_upload > STALE_AFTER
    backlog = _backlog(edge) if edge else None
    recorded = any(c.enabled and not c.nvr_only for c in ours)
    problem, detail = _site_problem(report, edge, stale and recorded, last_upload, backlog, now)
    return SiteState(
        id=site.id, name=site.name, timezone=site.timezone, last_upload=last_upload, stale=stale,
        edge_seen=report.published_at if report else None, backlog=backlog, cameras=cameras,
        problem=problem, detail=redact_optional(detail),
        newest_footage=max((c.last_segment_end for c in cameras if c.last_segment_end),
                           default=None),
        watch_folders=report.watch_folders if report else [],
    )  # fmt: skip


def _backlog(edge: EdgeReport) -> Backlog:
    oldest = [c.backlog_oldest for c in edge.cameras if c.backlog_oldest]
    return Backlog(
        sum(c.backlog_count for c in edge.cameras), sum(c.backlog_bytes for c in edge.cameras),
        min(oldest, default=None), edge.upload_rate_bps, edge.upload_rate_avg_bps,
        edge.drain_eta_s, edge.compression_ratio, edge.compression_profile,
    )  # fmt: skip


def _site_problem(
    report: EdgeReport | None,
    edge: EdgeReport | None,
    stale: bool,
    last_upload: datetime | None,
    backlog: Backlog | None,
    now: datetime,
) -> tuple[str | None, str | None]:
    """Why a site is red, and the words behind it. ``stale``: it records cameras and
    nothing was uploaded lately (before any upload: only once footage waits that long)."""
    if edge is None:
        seen = f"last report {report.published_at.isoformat()}" if report else "no report yet"
        return Problem.EDGE_SILENT, seen
    if not edge.running:
        return Problem.NOT_RUNNING, None
    if edge.spool_full:
        return Problem.DISK_FULL, "the spool is full: the oldest footage not uploaded is dropped"
    oldest = backlog.oldest if backlog else None
    overdue = oldest is not None and now - oldest > STALE_AFTER
    if stale and (last_upload is not None or overdue):
        if edge.upload_error:
            return Problem.UPLOAD_FAILING, edge.upload_error
        return Problem.NO_UPLOADS, None
    return None, None


def indexed_state(camera: Camera, last_segment_end: datetime | None, now: datetime) -> str:
    """ "recording" or "offline", judged by the newest indexed segment alone ("nvr"
    for a camera only an NVR records: footage arrives when the NVR exports it)."""
    if camera.nvr_only:
        return "nvr"
    window = 2 * timedelta(seconds=camera.segment_seconds) + RECORDING_SLACK
    fresh = last_segment_end is not None and now - last_segment_end <= window
    return "recording" if fresh else "offline"


def _camera(
    catalog: Catalog,
    camera: Camera,
    reported: EdgeCamera | None,
    fresh: bool,
    now: datetime,
    relay: RelayStatus | None,
) -> CameraState:
    """``reported``: what the site's edge last said of it; ``fresh``: said lately."""
    recent = catalog.query_camera(camera.id, now - COVERAGE_WINDOW, now)
    last = max((s.end for s in recent), default=None)
    edge = reported if fresh else None
    state, problem = _state(camera, edge, last, now)
    live = _live(camera, edge, relay)
    live_problem = None
    if live.state is StreamState.RETRYING:  # a silent feed: its camera is why, if it is down
        live_problem = problem if state == "offline" else classify(live.error)
    return CameraState(
        id=camera.id, name=camera.name, state=state, last_segment_end=last,
        coverage_24h=round(coverage_ratio(recent, now - COVERAGE_WINDOW, now), 4),
        last_error=redact_optional(edge.last_error if edge else None),
        live=live.state.value if live.state else None, live_viewers=live.viewers,
        live_error=redact_optional(live.error),
        last_upload=reported.last_upload_at if reported else None, problem=problem,
        live_problem=live_problem, last_file_at=edge.last_file_at if edge else None,
        quality=reported.quality if reported else None,
    )  # fmt: skip


def _state(
    camera: Camera, edge: EdgeCamera | None, last: datetime | None, now: datetime
) -> tuple[str, str | None]:
    """The camera's state and why it is red (None: it is not)."""
    if not camera.enabled:
        return "disabled", None
    if edge is not None:
        problem = edge.problem
        if problem is None and edge.state == "offline":  # an edge older than reasons
            problem = classify(edge.last_error)
        return edge.state, problem
    state = indexed_state(camera, last, now)
    return state, Problem.EDGE_SILENT if state == "offline" else None


def _live(camera: Camera, edge: EdgeCamera | None, relay: RelayStatus | None) -> CameraLive:
    if relay is not None and camera.id in {s.camera for s in relay.streams.values()}:
        return relay.camera(camera.id)
    if edge is not None:
        return CameraLive(StreamState(edge.live) if edge.live else None, edge.live_viewers,
                          edge.live_error)  # fmt: skip
    return CameraLive(None, 0, None)


def live_problem(storage: Storage, camera: Camera, error: str | None, now: datetime) -> str:
    """Why a camera's live view retries: the camera's own reason when its edge reports
    it down (its recorder feeds live view), else what the relay's words say."""
    report = read_edge_report(storage, camera.site)
    if report is not None and report.fresh(now):
        mine = next((c for c in report.cameras if c.camera == camera.id), None)
        if mine is not None and mine.state == "offline" and mine.problem:
            return mine.problem
    return classify(error)
