"""Share a clip with a configured recipient (Telegram chat, e-mail address):
GET /api/share/recipients (whom the caller may share with), POST /api/shares (a
camera's range: its export is cut, then the message with a thumbnail, the site's
time and an expiring link is sent; audited, refusals too), GET /api/shares/{id}
(how far it got: the sharer's own, or any for admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field

from footage.audit import AuditAction, AuditEvent
from footage.auth import Principal
from footage.errors import NotFound, ShareRefused
from footage.keys import ID_PATTERN
from footage.services.exports import ExportJob
from footage.services.share import ShareRecord, load_share, recipients_for, start_share
from functions.api.deps import ApiContext, Context, CurrentPrincipal, client_address
from functions.api.errors import unprocessable
from functions.api.schemas import ApiTime

router = APIRouter(prefix="/api", tags=["share"])
_EXPORT_ID = r"^[0-9a-f]{32}$"


class RecipientOut(BaseModel):
    name: str
    kind: str  # telegram or email
    language: str


class RecipientsOut(BaseModel):
    recipients: list[RecipientOut]
    #: whether the clip itself may go to a Telegram chat too (sharing.send_clip)
    send_clip: bool


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    camera: str = Field(pattern=ID_PATTERN, max_length=64)
    start: ApiTime
    end: ApiTime
    recipient: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    clip: bool = Field(False, description="send the clip itself too (Telegram, when allowed)")


class ShareOut(BaseModel):
    id: str  # the export's id
    camera: str
    start: ApiTime
    end: ApiTime
    recipient: str
    shared_by: str
    #: pending (the clip is being cut or sent), delivered or failed
    status: str
    export_status: str
    progress: float
    error: str
    delivered_at: ApiTime | None
    link_expires_at: ApiTime | None


@router.get("/share/recipients")
def get_recipients(context: Context, principal: CurrentPrincipal) -> RecipientsOut:
    channels = context.config.alerts.channels
    return RecipientsOut(recipients=[
        RecipientOut(name=r.name, kind=channels[r.channel].type, language=r.language.value)
        for r in recipients_for(context.config, principal)
    ], send_clip=context.config.sharing.send_clip)  # fmt: skip


_POST: dict[int | str, dict[str, Any]] = {
    403: {"description": "your role may not share, the footage is not your site's, or the"
                         " recipient does not receive that site"},
    404: {"description": "no such camera or recipient, or no footage in the range"},
    422: {"description": "a range that is empty or longer than sharing.max_minutes"},
    429: {"description": "over your export quota"},
    503: {"description": "clips are not shared from this deployment"},
}  # fmt: skip


@router.post("/shares", status_code=status.HTTP_202_ACCEPTED, responses=_POST)
def post_share(
    body: ShareIn, request: Request, context: Context, principal: CurrentPrincipal
) -> ShareOut:
    if not context.shares:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "clips are not shared from here")
    camera = context.config.camera(body.camera)
    site = camera.site if camera else ""
    quota = context.config.api.export_quota(principal.is_admin)
    try:
        job, record = start_share(context.exports, context.catalog, context.config, principal,
                                  (body.camera, body.start, body.end, body.recipient),
                                  context.clock.now(), quota, clip=body.clip)  # fmt: skip
    except (ShareRefused, NotFound) as exc:
        _audit(context, request, principal, AuditAction.SHARE_REFUSED, body, site, str(exc))
        raise
    except ValueError as exc:
        raise unprocessable(str(exc), "body") from exc
    what = f"to {body.recipient}" + (" with the clip" if body.clip else "")
    _audit(context, request, principal, AuditAction.SHARE, body, site, what)
    context.launch_export(job.id)
    return _out(job, record)


@router.get(
    "/shares/{share_id}",
    responses={403: {"description": "another user's share"},
               404: {"description": "no share with that id (they expire with their export)"}},
)  # fmt: skip
def get_share(
    share_id: Annotated[str, Path(pattern=_EXPORT_ID)],
    context: Context,
    principal: CurrentPrincipal,
) -> ShareOut:
    record = load_share(context.exports, share_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no share {share_id!r}")
    if record.shared_by != principal.username and not principal.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "another user's share")
    return _out(context.exports.load(share_id), record)


def _audit(context: ApiContext, request: Request, principal: Principal, action: AuditAction,
           body: ShareIn, site: str, detail: str) -> None:  # fmt: skip
    context.audit.record(AuditEvent(context.clock.now(), principal.username, action, body.camera,
                                    site, client_address(request), body.start, body.end,
                                    detail))  # fmt: skip


def _out(job: ExportJob, record: ShareRecord) -> ShareOut:
    return ShareOut(
        id=job.id, camera=job.camera, start=job.start, end=job.end, recipient=record.recipient,
        shared_by=record.shared_by, status=record.status, export_status=job.status.value,
        progress=round(job.progress, 3), error=record.error or (job.error or ""),
        delivered_at=record.delivered_at, link_expires_at=record.link_expires_at,
    )  # fmt: skip
