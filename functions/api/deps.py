"""What the API routes depend on, as FastAPI dependencies (tests override them).

``ApiContext`` holds the adapters and settings of one deployment. On-prem it
is built from the config by ``vms up``; in AWS by the Lambda from its
settings. The app keeps it in ``app.state``; a route that needs it before it
is set answers 503.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from footage.auth import Principal
from footage.catalog import Catalog
from footage.clock import Clock
from footage.config import Config
from footage.errors import TokenError
from footage.ratelimit import LoginLimiter
from footage.storage import Storage
from footage.tokens import DEFAULT_TTL, verify_token
from footage.users import UserStore


@dataclass
class ApiContext:
    config: Config
    catalog: Catalog
    storage: Storage
    clock: Clock
    token_key: bytes
    users: UserStore | None = None  # None: accounts live elsewhere (Cognito)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    token_ttl: timedelta = DEFAULT_TTL


def get_context(request: Request) -> ApiContext:
    context: ApiContext | None = getattr(request.app.state, "context", None)
    if context is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the API is not configured")
    return context


Context = Annotated[ApiContext, Depends(get_context)]
_bearer = HTTPBearer(auto_error=False)


def current_principal(
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise _unauthorized("log in first: send Authorization: Bearer <token>")
    try:
        return verify_token(credentials.credentials, context.token_key, context.clock.now())
    except TokenError as exc:
        raise _unauthorized("token expired" if exc.expired else "invalid token") from exc


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )
