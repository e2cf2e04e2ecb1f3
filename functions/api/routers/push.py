"""Web push for the viewer installed as a PWA: GET /api/push/key (the VAPID public
key browsers subscribe with), GET and POST /api/push/subscriptions and DELETE
/api/push/subscriptions/{id} (the caller's own browsers; the id is the first 32
hex digits of the endpoint's SHA-256, footage.push.subscription_id: an endpoint
is a long URL that a query string may not carry through nginx). Alerts reach a
user through a ``webpush`` channel whose recipient address is their user name
(footage.notify.webpush)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field

from footage.push import MAX_ENDPOINT_LENGTH, PushSubscription, subscription_id
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
    id: str  # what DELETE /api/push/subscriptions/{id} takes
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
    return SubscriptionsOut(subscriptions=[_out(s) for s in mine])


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
    return _out(sub)


@router.delete(
    "/subscriptions/{subscription_id}",
    responses={**_UNSET, 404: {"description": "you have no subscription with that id"}},
)
def delete_subscription(
    subscription_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    context: Context,
    principal: CurrentPrincipal,
) -> SubscriptionOut:
    store = _push(context).subscriptions
    mine = [s for s in store.of_user(principal.username) if _out(s).id == subscription_id]
    if not mine or not store.remove(principal.username, mine[0].endpoint):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such subscription of yours")
    return _out(mine[0])


def _out(sub: PushSubscription) -> SubscriptionOut:
    return SubscriptionOut(id=subscription_id(sub.endpoint), endpoint=sub.endpoint,
                           created_at=sub.created_at.isoformat())  # fmt: skip
