"""Web push for the viewer installed as a PWA: GET /api/push/key (the VAPID public
key browsers subscribe with), POST and DELETE /api/push/subscriptions (the
caller's own browsers). Alerts reach a user through a ``webpush`` channel whose
recipient address is their user name (footage.notify.webpush)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

from footage.push import MAX_ENDPOINT_LENGTH
from footage.push import checked_subscription as check
from functions.api.deps import ApiContext, Context, CurrentPrincipal, PushAccess
from functions.api.errors import unprocessable

router = APIRouter(prefix="/api/push", tags=["push"])


class PushKeyOut(BaseModel):
    public_key: str = Field(description="applicationServerKey for PushManager.subscribe")


class SubscriptionKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p256dh: str = Field(min_length=80, max_length=100)
    auth: str = Field(min_length=16, max_length=32)


class SubscriptionIn(BaseModel):
    """As the browser's PushSubscription.toJSON() gives it (expirationTime ignored)."""

    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(min_length=9, max_length=MAX_ENDPOINT_LENGTH)
    keys: SubscriptionKeys
    expirationTime: int | None = Field(None, ge=0)


class SubscriptionOut(BaseModel):
    endpoint: str
    created_at: str


class SubscriptionsOut(BaseModel):
    subscriptions: list[SubscriptionOut]


def _push(context: ApiContext) -> PushAccess:
    if context.push is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "web push is not set up here")
    return context.push


_UNSET: dict[int | str, dict[str, Any]] = {
    503: {"description": "web push is not set up in this deployment"}
}


@router.get("/key", responses=_UNSET)
def get_key(context: Context, principal: CurrentPrincipal) -> PushKeyOut:
    return PushKeyOut(public_key=_push(context).public_key)


@router.get("/subscriptions", responses=_UNSET)
def list_subscriptions(context: Context, principal: CurrentPrincipal) -> SubscriptionsOut:
    """The caller's browsers (endpoints only)."""
    mine = _push(context).subscriptions.of_user(principal.username)
    return SubscriptionsOut(subscriptions=[
        SubscriptionOut(endpoint=s.endpoint, created_at=s.created_at.isoformat()) for s in mine
    ])  # fmt: skip


@router.post(
    "/subscriptions",
    status_code=status.HTTP_201_CREATED,
    responses={**_UNSET, 422: {"description": "not a push service endpoint, or bad keys"}},
)
def post_subscription(
    body: SubscriptionIn, context: Context, principal: CurrentPrincipal
) -> SubscriptionOut:
    push = _push(context)
    try:
        sub = check(principal.username, body.endpoint, body.keys.p256dh, body.keys.auth,
                    context.clock.now(), push.allowed_hosts)  # fmt: skip
    except ValueError as exc:
        raise unprocessable(str(exc), "body") from exc
    push.subscriptions.add(sub)
    return SubscriptionOut(endpoint=sub.endpoint, created_at=sub.created_at.isoformat())


@router.delete(
    "/subscriptions",
    responses={**_UNSET, 404: {"description": "you have no subscription at that endpoint"}},
)
def delete_subscription(
    endpoint: Annotated[str, Query(min_length=9, max_length=MAX_ENDPOINT_LENGTH)],
    context: Context,
    principal: CurrentPrincipal,
) -> SubscriptionOut:
    if not _push(context).subscriptions.remove(principal.username, endpoint):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such subscription of yours")
    return SubscriptionOut(endpoint=endpoint, created_at="")
