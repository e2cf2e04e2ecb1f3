"""GET /api/status (per site and camera: recording, uploads, backlog, coverage)
and GET /api/audit (admins: who watched or exported what)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from footage.audit import MAX_AUDIT_EVENTS
from footage.auth import Principal
from footage.drills import DrillLog, drill_status
from footage.services.site_status import CameraState, SiteState, site_states
from footage.watch_account import WatchFolderReport
from functions.api.deps import AdminPrincipal, Context, CurrentPrincipal
from functions.api.errors import unprocessable
from functions.api.schemas import (
    ApiTime,
    AuditEventOut,
    AuditOut,
    BacklogOut,
    CameraQualityOut,
    CameraStatusOut,
    DrillFailureOut,
    DrillsOut,
    SiteStatusOut,
    StatusOut,
    WatchedFileOut,
    WatchFolderOut,
)

router = APIRouter(prefix="/api", tags=["status"])
_MAX_AUDIT_RANGE = timedelta(days=400)


@router.get("/status")
def get_status(context: Context, principal: CurrentPrincipal) -> StatusOut:
    """Each red state carries a reason code; the tools' own words go to admins only."""
    now = context.clock.now()
    sites = [s for s in context.config.sites if principal.can_see(s.id)]
    local = context.live.local_relay if context.live else None
    relay = local(now) if local else None
    states = site_states(context.config, context.catalog, context.storage, sites, now, relay)
    return StatusOut(generated_at=now, sites=[_site_out(s, principal.is_admin) for s in states],
                     drills=_drills_out(context.drills, principal, now))  # fmt: skip


def _drills_out(drills: DrillLog | None, principal: Principal, now: datetime) -> DrillsOut | None:
    """The last drill; its failures at the user's sites, their words for admins."""
    if drills is None:
        return None
    s = drill_status(drills, now)
    failed = [DrillFailureOut(site=c.site, camera=c.camera, start=c.start, key=c.key,
                              outcome=c.outcome.value,
                              reason=c.reason if principal.is_admin else None)
              for c in s.failed if principal.can_see(c.site)]  # fmt: skip
    return DrillsOut(last_at=s.last_at, sampled=s.sampled, failed=failed,
                     fraction_verified_30d=s.fraction_verified_30d,
                     archive_segments=s.archive_segments)  # fmt: skip


def _site_out(s: SiteState, admin: bool) -> SiteStatusOut:
    return SiteStatusOut(
        id=s.id, name=s.name, timezone=s.timezone, last_upload=s.last_upload,
        newest_footage=s.newest_footage, stale=s.stale, problem=s.problem,
        detail=s.detail if admin else None, edge_seen=s.edge_seen,
        backlog=BacklogOut(segments=s.backlog.segments, bytes=s.backlog.bytes,
                           oldest=s.backlog.oldest, rate_bps=s.backlog.rate_bps,
                           avg_rate_bps=s.backlog.avg_rate_bps, eta_s=s.backlog.eta_s,
                           compression_ratio=s.backlog.compression_ratio,
                           compression_profile=s.backlog.compression_profile)
        if s.backlog else None,
        cameras=[_camera_out(c, admin) for c in s.cameras],
        watch_folders=[_folder_out(w, admin) for w in s.watch_folders],
    )  # fmt: skip


def _folder_out(folder: WatchFolderReport, admin: bool) -> WatchFolderOut:
    files = [WatchedFileOut(**f.model_dump() | ({} if admin else {"detail": None}))
             for f in folder.files]  # fmt: skip
    return WatchFolderOut(path=folder.path, camera=folder.camera, counts=folder.counts,
                          files=files)  # fmt: skip


def _camera_out(c: CameraState, admin: bool) -> CameraStatusOut:
    return CameraStatusOut(
        id=c.id, name=c.name, state=c.state, last_segment_end=c.last_segment_end,
        last_upload=c.last_upload, coverage_24h=c.coverage_24h, problem=c.problem,
        last_error=c.last_error if admin else None, last_file_at=c.last_file_at, live=c.live,
        live_viewers=c.live_viewers, live_problem=c.live_problem,
        live_error=c.live_error if admin else None,
        quality=CameraQualityOut(**c.quality.model_dump()) if c.quality else None,
    )  # fmt: skip


@router.get("/audit", responses={403: {"description": "administrators only"}})
def get_audit(
    context: Context,
    _: AdminPrincipal,
    start: Annotated[ApiTime | None, Query(description="default: 7 days before end")] = None,
    end: Annotated[ApiTime | None, Query(description="default: now")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_EVENTS)] = 200,
) -> AuditOut:
    end = end or context.clock.now() + timedelta(seconds=1)  # up to and including now
    start = start or end - timedelta(days=7)
    if end <= start or end - start > _MAX_AUDIT_RANGE:
        raise unprocessable("end must be after start, at most 400 days later", "query")
    events = context.audit.query(start, end, limit)
    return AuditOut(
        events=[
            AuditEventOut(at=e.at, username=e.username, action=e.action.value, camera=e.camera,
                          site=e.site, start=e.start, end=e.end, client=e.client,
                          detail=e.detail)
            for e in events
        ]
    )  # fmt: skip
