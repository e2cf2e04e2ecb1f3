"""``GET /api/status``: per site and camera, is it recording and backing up?

Joins each site's edge report (recorders, backlog, uploads) with the index
(newest segment, 24 h coverage). Without a fresh edge report the cameras'
state comes from the index alone and the site shows no backlog.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError

from footage.catalog import Catalog
from footage.config import Camera, Config, Site
from footage.coverage import coverage_ratio
from footage.errors import ObjectNotFound
from footage.keys import build_status_key
from footage.live import CameraLive, RelayStatus, StreamState
from footage.redact import redact_optional
from footage.site_status import EdgeCamera, EdgeReport
from footage.storage import Storage

log = logging.getLogger(__name__)
#: A site whose newest upload is older than this is shown in red.
STALE_AFTER = timedelta(minutes=15)
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
    state: str
    last_segment_end: datetime | None
    coverage_24h: float
    last_error: str | None
    live: str | None = None  # the relay's state of the main stream; None: unknown
    live_viewers: int = 0
    live_error: str | None = None


@dataclass(frozen=True, slots=True)
class SiteState:
    id: str
    name: str
    timezone: str
    last_upload: datetime | None
    stale: bool
    edge_seen: datetime | None
    backlog: Backlog | None
    cameras: list[CameraState]


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
    reported = {c.camera: c for c in edge.cameras} if edge else {}
    cameras = [
        _camera(catalog, camera, reported.get(camera.id), now, relay)
        for camera in config.cameras
        if camera.site == site.id
    ]
    uploads = [c.last_upload_at for c in reported.values() if c.last_upload_at]
    if not uploads:  # no edge report: the newest indexed footage was uploaded by then
        uploads = [c.last_segment_end for c in cameras if c.last_segment_end]
    last_upload = max(uploads, default=None)
    backlog = None
    if edge:
        oldest = [c.backlog_oldest for c in edge.cameras if c.backlog_oldest]
        backlog = Backlog(
            sum(c.backlog_count for c in edge.cameras),
            sum(c.backlog_bytes for c in edge.cameras),
            min(oldest, default=None),
            edge.upload_rate_bps,
            edge.upload_rate_avg_bps,
            edge.drain_eta_s,
            edge.compression_ratio,
            edge.compression_profile,
        )
    return SiteState(
        id=site.id, name=site.name, timezone=site.timezone, last_upload=last_upload,
        stale=last_upload is None or now - last_upload > STALE_AFTER,
        edge_seen=report.published_at if report else None, backlog=backlog, cameras=cameras,
    )  # fmt: skip


def indexed_state(camera: Camera, last_segment_end: datetime | None, now: datetime) -> str:
    """ "recording" or "offline", judged by the newest indexed segment alone."""
    window = 2 * timedelta(seconds=camera.segment_seconds) + RECORDING_SLACK
    fresh = last_segment_end is not None and now - last_segment_end <= window
    return "recording" if fresh else "offline"


def _camera(
    catalog: Catalog,
    camera: Camera,
    edge: EdgeCamera | None,
    now: datetime,
    relay: RelayStatus | None,
) -> CameraState:
    recent = catalog.query_camera(camera.id, now - COVERAGE_WINDOW, now)
    last = max((s.end for s in recent), default=None)
    if not camera.enabled:
        state = "disabled"
    else:
        state = edge.state if edge is not None else indexed_state(camera, last, now)
    if relay is not None and camera.id in {s.camera for s in relay.streams.values()}:
        live = relay.camera(camera.id)
    elif edge is not None:
        live = CameraLive(StreamState(edge.live) if edge.live else None, edge.live_viewers,
                          edge.live_error)  # fmt: skip
    else:
        live = CameraLive(None, 0, None)
    return CameraState(
        id=camera.id, name=camera.name, state=state, last_segment_end=last,
        coverage_24h=round(coverage_ratio(recent, now - COVERAGE_WINDOW, now), 4),
        last_error=redact_optional(edge.last_error if edge else None),
        live=live.state.value if live.state else None, live_viewers=live.viewers,
        live_error=redact_optional(live.error),
    )  # fmt: skip
