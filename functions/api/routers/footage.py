"""GET /api/footage: one camera's segments and gaps over a time range."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import AwareDatetime

from footage.services.footage_query import camera_footage
from functions.api.deps import Context, CurrentPrincipal
from functions.api.schemas import FootageOut, RangeOut, SegmentOut

router = APIRouter(prefix="/api", tags=["footage"])


@router.get("/footage", responses={403: {}, 404: {}})
def get_footage(
    context: Context,
    principal: CurrentPrincipal,
    camera: Annotated[str, Query(min_length=1, max_length=64)],
    start: Annotated[AwareDatetime, Query(description="ISO 8601 with a zone")],
    end: Annotated[AwareDatetime, Query(description="ISO 8601 with a zone")],
) -> FootageOut:
    configured = context.config.camera(camera)
    if configured is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no camera {camera!r}")
    if not principal.can_see(configured.site):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"not allowed to see site {configured.site}")
    try:
        found = camera_footage(context.catalog, camera, start, end)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    segments = [
        SegmentOut(start=s.start, end=s.end, duration_s=s.duration_s, size_bytes=s.size_bytes,
                   codec=s.codec, width=s.width, height=s.height, status=s.status.value,
                   reason=s.reason)
        for s in found.segments
    ]  # fmt: skip
    gaps = [RangeOut(start=g.start, end=g.end) for g in found.gaps]
    return FootageOut(camera=camera, site=configured.site, start=start, end=end,
                      segments=segments, gaps=gaps)  # fmt: skip
