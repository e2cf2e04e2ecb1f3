"""GET /api/sites and /api/cameras: only what the caller may see."""

from __future__ import annotations

from fastapi import APIRouter

from footage.services.footage_query import last_segment_end
from functions.api.deps import Context, CurrentPrincipal
from functions.api.schemas import CameraOut, SiteOut

router = APIRouter(prefix="/api", tags=["sites"])
#: A camera is "recording" when its newest segment ended within two segment
#: lengths plus this much (upload and ingest take a while).
_SLACK_S = 120


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
        last = last_segment_end(context.catalog, camera.id, now)
        fresh = last is not None and (now - last).total_seconds() <= (
            2 * camera.segment_seconds + _SLACK_S
        )
        cameras.append(
            CameraOut(id=camera.id, site=camera.site, name=camera.name,
                      timezone=context.config.site(camera.site).timezone,
                      state="recording" if fresh else "offline", last_segment_end=last)
        )  # fmt: skip
    return cameras
