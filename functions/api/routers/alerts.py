"""The Alerts page's API (administrators): GET /api/alerts lists the recorded alerts,
newest first, each with who was told what, when and whether it worked;
POST /api/alerts/{id}/ack marks one seen (the first acknowledgement stays)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel

from footage.alerts.models import AlertFilter, AlertRecord, DeliveryRecord
from footage.alerts.store import AlertStore
from footage.keys import ID_PATTERN
from functions.api.deps import AdminPrincipal, ApiContext, Context
from functions.api.schemas import ApiTime

router = APIRouter(prefix="/api/alerts", tags=["alerts"])
_ID = r"^[A-Za-z0-9._:-]{1,100}$"
_RESPONSES: dict[int | str, dict[str, Any]] = {403: {"description": "administrators only"},
              503: {"description": "alerts are not kept in this deployment"}}  # fmt: skip


class DeliveryOut(BaseModel):
    event: str  # open, clear or note
    channel: str
    recipient: str
    language: str
    subject: str
    status: str  # pending, delivered, failed or held
    attempts: int
    created_at: ApiTime
    delivered_at: ApiTime | None
    next_attempt_at: ApiTime | None
    last_error: str


class AlertOut(BaseModel):
    id: str
    rule: str
    site: str
    camera: str | None
    severity: str
    message: str
    opened_at: ApiTime
    cleared_at: ApiTime | None
    acknowledged_by: str | None
    acknowledged_at: ApiTime | None
    deliveries: list[DeliveryOut]


class AlertsOut(BaseModel):
    alerts: list[AlertOut]


def _store(context: ApiContext) -> AlertStore:
    if context.alerts is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "alerts are not kept here")
    return context.alerts


@router.get("", responses=_RESPONSES)
def list_alerts(
    context: Context,
    principal: AdminPrincipal,
    site: Annotated[str | None, Query(pattern=ID_PATTERN, max_length=64)] = None,
    open_only: bool = False,
    unacknowledged_only: bool = False,
    since: ApiTime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> AlertsOut:
    sites = frozenset({site}) if site else None
    flt = AlertFilter(sites=sites, open_only=open_only, unacknowledged_only=unacknowledged_only,
                      since=since, limit=limit)  # fmt: skip
    return AlertsOut(alerts=[alert_out(a) for a in _store(context).find(flt)])


@router.post(
    "/{alert_id}/ack",
    responses={**_RESPONSES, 404: {"description": "no alert with that id"}},
)
def acknowledge(
    alert_id: Annotated[str, Path(pattern=_ID)], context: Context, principal: AdminPrincipal
) -> AlertOut:
    alert = _store(context).acknowledge(alert_id, principal.username, context.clock.now())
    if alert is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no alert {alert_id!r}")
    return alert_out(alert)


def alert_out(a: AlertRecord) -> AlertOut:
    return AlertOut(
        id=a.id, rule=a.rule.value, site=a.site, camera=a.camera, severity=a.severity.value,
        message=a.message, opened_at=a.opened_at, cleared_at=a.cleared_at,
        acknowledged_by=a.acknowledged_by, acknowledged_at=a.acknowledged_at,
        deliveries=[_delivery_out(d) for d in a.deliveries],
    )  # fmt: skip


def _delivery_out(d: DeliveryRecord) -> DeliveryOut:
    return DeliveryOut(
        event=d.event.value, channel=d.channel, recipient=d.recipient, language=d.language.value,
        subject=d.subject, status=d.status.value, attempts=d.attempts, created_at=d.created_at,
        delivered_at=d.delivered_at, next_attempt_at=d.next_attempt_at, last_error=d.last_error,
    )  # fmt: skip
