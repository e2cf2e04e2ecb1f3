"""Evidence holds (legal holds), administrators only: POST /api/evidence/holds places
one, DELETE /api/evidence/holds/{id} releases it, GET lists a camera's. Anyone else
gets 403, and the refusal is audited (footage.services.evidence)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, status

from footage.auth import Principal
from footage.config import Camera
from footage.errors import KeyFormatError
from footage.models import Protection
from footage.services.evidence import (
    EvidenceDesk,
    Requester,
    hold_id,
    parse_hold_id,
    place_hold,
    release_hold,
)
from footage.services.manifest_find import site_classes
from functions.api.deps import AdminPrincipal, ApiContext, Context, CurrentPrincipal, client_address
from functions.api.errors import unprocessable
from functions.api.schemas import HoldOut, HoldRequest, HoldsOut

router = APIRouter(prefix="/api/evidence/holds", tags=["evidence"])
_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "administrators only (the refusal is audited)"}
}
HoldId = Annotated[str, Path(max_length=100, description="as GET /api/evidence/holds lists it")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**_REFUSED, 404: {"description": "no such camera"},
               422: {"description": "invalid fields, or an end before the start"}},
)  # fmt: skip
def post_hold(
    body: HoldRequest, request: Request, context: Context, principal: CurrentPrincipal
) -> HoldOut:
    if body.end <= body.start:
        raise unprocessable("end must be after start", "body")
    camera = _camera(context, principal, body.camera)
    hold = Protection(body.camera, body.start, body.end, body.reason.strip(), principal.username)
    outcome = place_hold(_desk(context), _who(principal, request), hold, _site(camera))
    return _out(outcome.protection, outcome.segments)


@router.delete(
    "/{hold}",
    responses={**_REFUSED, 404: {"description": "no such hold"},
               422: {"description": "not a hold id"}},
)  # fmt: skip
def delete_hold(
    hold: HoldId, request: Request, context: Context, principal: CurrentPrincipal
) -> HoldOut:
    try:
        camera_id = parse_hold_id(hold)[0]
    except KeyFormatError as exc:
        if principal.is_admin:  # anyone else is refused whatever they send
            raise unprocessable(str(exc), "path") from exc
        camera_id = ""
    camera = _camera(context, principal, camera_id)
    days = camera.retention_days if camera else None
    outcome = release_hold(_desk(context), _who(principal, request), hold, _site(camera), days)
    return _out(outcome.protection, outcome.segments)


@router.get("", responses={403: {"description": "administrators only"}})
def get_holds(
    context: Context,
    _: AdminPrincipal,
    camera: Annotated[str | None, Query(max_length=64, description="only this camera")] = None,
) -> HoldsOut:
    holds = context.catalog.list_protections(camera)
    return HoldsOut(holds=[_out(hold, None) for hold in holds])


def _camera(context: ApiContext, principal: Principal, camera_id: str) -> Camera | None:
    """The configured camera; 404 for an admin if there is none (anyone else is refused,
    and audited, by the service whatever the camera)."""
    camera = context.config.camera(camera_id)
    if camera is None and principal.is_admin:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no camera {camera_id!r}")
    return camera


def _site(camera: Camera | None) -> str:
    return camera.site if camera else ""


def _desk(context: ApiContext) -> EvidenceDesk:
    return EvidenceDesk(context.catalog, context.storage, context.audit, context.clock.now(),
                        site_classes(context.config))  # fmt: skip


def _who(principal: Principal, request: Request) -> Requester:
    return Requester(principal.username, principal.is_admin, client_address(request))


def _out(hold: Protection, segments: int | None) -> HoldOut:
    return HoldOut(id=hold_id(hold), camera=hold.camera, start=hold.start, end=hold.end,
                   reason=hold.reason, created_by=hold.created_by, segments=segments)  # fmt: skip
