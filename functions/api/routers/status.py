"""GET /api/status (per site and camera: recording, uploads, backlog, coverage)
and GET /api/audit (admins: who watched or exported what)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from footage.audit import MAX_AUDIT_EVENTS
from footage.services.site_status import site_states
from functions.api.deps import AdminPrincipal, Context, CurrentPrincipal
from functions.api.errors import unprocessable
from functions.api.schemas import (
    ApiTime,
    AuditEventOut,
    AuditOut,
    BacklogOut,
    CameraStatusOut,
    SiteStatusOut,
    StatusOut,
)

router = APIRouter(prefix="/api", tags=["status"])
_MAX_AUDIT_RANGE = timedelta(days=400)


@router.get("/status")
def get_status(context: Context, principal: CurrentPrincipal) -> StatusOut:
    now = context.clock.now()
    sites = [s for s in context.config.sites if principal.can_see(s.id)]
    local = context.live.local_relay if context.live else None
    relay = local(now) if local else None
    states = site_states(context.config, context.catalog, context.storage, sites, now, relay)
    return StatusOut(
        generated_at=now,
        sites=[
            SiteStatusOut(
                id=s.id, name=s.name, timezone=s.timezone, last_upload=s.last_upload,
                stale=s.stale, edge_seen=s.edge_seen,
                backlog=BacklogOut(segments=s.backlog.segments, bytes=s.backlog.bytes,
                                   oldest=s.backlog.oldest, rate_bps=s.backlog.rate_bps,
                                   avg_rate_bps=s.backlog.avg_rate_bps,
                                   eta_s=s.backlog.eta_s,
                                   compression_ratio=s.backlog.compression_ratio,
                                   compression_profile=s.backlog.compression_profile)
                if s.backlog else None,
                cameras=[
                    CameraStatusOut(id=c.id, name=c.name, state=c.state,
                                    last_segment_end=c.last_segment_end,
                                    coverage_24h=c.coverage_24h, last_error=c.last_error,
                                    live=c.live, live_viewers=c.live_viewers,
                                    live_error=c.live_error)
                    for c in s.cameras
                ],
            )
            for s in states
        ],
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
                          site=e.site, start=e.start, end=e.end, client=e.client)
            for e in events
        ]
    )  # fmt: skip
