"""What the API routes depend on, as FastAPI dependencies (tests override them).

``ApiContext`` holds the adapters and settings of one deployment. On-prem it
is built from the config by ``functions.api.serve``; in AWS by the Lambda from
its settings. The app keeps it in ``app.state``; a route that needs it before
it is set answers 503.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Protocol

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from footage.alerts.store import AlertStore
from footage.audit import AuditAction, AuditEvent, AuditLog
from footage.auth import Principal
from footage.catalog import Catalog
from footage.clock import Clock
from footage.config import Camera, Config
from footage.drills import DrillLog
from footage.errors import TokenError
from footage.live import RelayStatus
from footage.push import DEFAULT_PUSH_HOSTS, PushSubscriptions
from footage.ratelimit import LoginLimiter, MemoryLoginLimiter
from footage.services.accounts import session_principal
from footage.services.exports import ExportStore
from footage.services.renditions import RenditionMaker
from footage.storage import Storage
from footage.tokens import DEFAULT_TTL
from footage.users import UserStore
from functions.api.cache import AnswerCache


class TokenVerifier(Protocol):
    def verify(self, token: str, now: datetime) -> Principal: ...


@dataclass(frozen=True, slots=True)
class LocalTokens:
    """Our own HS256 tokens (on-prem login), checked against the account on every
    request (exists, enabled, same token version: a primary-key read)."""

    key: bytes
    users: UserStore

    def verify(self, token: str, now: datetime) -> Principal:
        return session_principal(self.users, token, self.key, now)


@dataclass(frozen=True, slots=True)
class LiveAccess:
    """What the API needs to hand out live URLs (footage.live.live_link)."""

    #: the live key of a site (shared with that site's relay nginx, secure_link);
    #: raises LiveUnavailable when the site has none
    keys: Callable[[str], bytes]
    #: this machine's relay state (on-prem); None in the cloud, where relays are at the sites
    local_relay: Callable[[datetime], RelayStatus | None] | None = None


@dataclass(frozen=True, slots=True)
class PushAccess:
    """What the API needs for web push (functions.api.routers.push)."""

    subscriptions: PushSubscriptions
    public_key: str  # the VAPID key: base64url, an uncompressed P-256 point
    allowed_hosts: tuple[str, ...] = DEFAULT_PUSH_HOSTS


@dataclass
class ApiContext:
    config: Config
    catalog: Catalog
    storage: Storage
    clock: Clock
    verifier: TokenVerifier
    audit: AuditLog
    #: starts (or queues) the work on an export job, by id
    launch_export: Callable[[str], None]
    #: issues local tokens; None with Cognito
    token_key: bytes | None = None
    users: UserStore | None = None  # None: accounts live elsewhere (Cognito)
    #: on-prem: shared by the worker processes (SqliteLoginLimiter)
    limiter: LoginLimiter = field(default_factory=MemoryLoginLimiter)
    token_ttl: timedelta = DEFAULT_TTL
    #: the key of signed /media/ paths when footage is a local folder
    media_key: bytes | None = None
    live: LiveAccess | None = None
    answers: AnswerCache = field(default_factory=AnswerCache)
    #: how late a camera's catalog revision follows a write (AWS: the totals
    #: stream's batching window; on-prem SQLite: at once). A footage answer whose
    #: range ends within this of now is not cached: its newest segments may not
    #: have moved the revision yet
    revision_lag: timedelta = timedelta(0)
    #: makes one part of an H.264 rendition (the rendition Lambda, or in process
    #: on-prem); None: renditions are not made here (503)
    make_rendition: RenditionMaker | None = None
    #: restore drill runs (the status page shows the last); None: not kept here
    drills: DrillLog | None = None
    #: web push subscriptions of the viewer as a PWA; None: not offered here (503)
    push: PushAccess | None = None
    #: alerts and their deliveries (the Alerts page); None: not kept here (503)
    alerts: AlertStore | None = None
    #: shared clips are sent once their export is done (on-prem: the export worker);
    #: False: POST /api/shares answers 503
    shares: bool = False

    @property
    def exports(self) -> ExportStore:
        return ExportStore(self.storage)


# The dependencies are async on purpose: they only read memory, verify a signature
# and (local tokens) read one users row by primary key (~10-20 us; WAL readers never
# wait for writers), so running them on the event loop saves two thread hops a request.
async def get_context(request: Request) -> ApiContext:
    context: ApiContext | None = getattr(request.app.state, "context", None)
    if context is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the API is not configured")
    return context


Context = Annotated[ApiContext, Depends(get_context)]
_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise _unauthorized("log in first: send Authorization: Bearer <token>")
    try:
        return context.verifier.verify(credentials.credentials, context.clock.now())
    except TokenError as exc:
        raise _unauthorized("token expired" if exc.expired else "invalid token") from exc


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def admin_principal(principal: CurrentPrincipal) -> Principal:
    if not principal.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "administrators only")
    return principal


AdminPrincipal = Annotated[Principal, Depends(admin_principal)]


def visible_camera(context: ApiContext, principal: Principal, camera_id: str) -> Camera:
    """The configured camera, if the caller may see its site (404 / 403 otherwise)."""
    camera = context.config.camera(camera_id)
    if camera is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no camera {camera_id!r}")
    if not principal.can_see(camera.site):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"not allowed to see site {camera.site}")
    return camera


def record_access(
    context: ApiContext,
    request: Request,
    principal: Principal,
    action: AuditAction,
    camera: Camera,
    start: datetime | None = None,
    end: datetime | None = None,
    detail: str = "",
) -> None:
    client = client_address(request)
    context.audit.record(
        AuditEvent(context.clock.now(), principal.username, action, camera.id, camera.site,
                   client, start, end, detail)
    )  # fmt: skip


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )
