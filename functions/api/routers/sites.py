"""GET /api/sites and /api/cameras: only what the caller may see."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from footage.audit import AuditAction
from footage.errors import LiveUnavailable
from footage.live import StreamState, live_link
from footage.services.footage_query import last_segment_end
from footage.services.site_status import indexed_state, live_problem
from functions.api.deps import Context, CurrentPrincipal, record_access, visible_camera
from functions.api.schemas import CameraOut, IceServerOut, LiveOut, SiteOut

router = APIRouter(prefix="/api", tags=["sites"])


@router.get("/sites")
def list_sites(context: Context, principal: CurrentPrincipal) -> list[SiteOut]:
    return [
        SiteOut(id=s.id, name=s.name, timezone=s.timezone)
        for s in context.config.sites
        if principal.can_see(s.id)
    ]


@router.get("/cameras")
def list_cameras(context: Context, principal: CurrentPrincipal) -> list[CameraOut]:
    now = context.clock.now()
    cameras = []
    for camera in context.config.cameras:
        if not principal.can_see(camera.site):
            continue
        last = last_segment_end(context.catalog, camera.id)
        cameras.append(
            CameraOut(id=camera.id, site=camera.site, name=camera.name,
                      timezone=context.config.site(camera.site).timezone,
                      state=indexed_state(camera, last, now), last_segment_end=last,
                      has_substream=camera.sub_rtsp_url is not None)
        )  # fmt: skip
    return cameras


@router.get(
    "/cameras/{camera_id}/live",
    responses={403: {"description": "the camera's site is not yours"},
               404: {"description": "no such camera"},
               503: {"description": "no live relay serves this camera"}},
)  # fmt: skip
def get_live(
    camera_id: str,
    request: Request,
    context: Context,
    principal: CurrentPrincipal,
    quality: Annotated[Literal["main", "sub"], Query()] = "main",
) -> LiveOut:
    camera = visible_camera(context, principal, camera_id)
    if context.live is None:
        raise LiveUnavailable("live view is not set up here (no live key)")
    now = context.clock.now()
    local = context.live.local_relay
    relay = local(now) if local else None
    key = context.live.keys(camera.site)  # the camera's site's key: it opens that relay only
    link = live_link(context.config, camera, quality == "sub", now, key, relay,
                     local=local is not None)  # fmt: skip
    record_access(context, request, principal, AuditAction.LIVE, camera)
    retrying = link.state is StreamState.RETRYING
    ice = [IceServerOut(**server.model_dump()) for server in link.ice_servers]
    return LiveOut(url=link.url, expires_at=link.expires_at, state=link.state,
                   whep_url=link.whep_url, ice_servers=ice,
                   problem=live_problem(context.storage, camera, link.last_error, now)
                   if retrying else None,
                   last_error=link.last_error if principal.is_admin else None)  # fmt: skip
