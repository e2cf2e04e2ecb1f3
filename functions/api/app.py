"""The HTTP API (FastAPI, OpenAPI at /api/docs). One router per resource.

The same app runs on-prem under uvicorn and in AWS through Mangum
(functions.api.handler). Domain errors map to HTTP statuses here, in one place.
"""

from __future__ import annotations

import math

from fastapi import APIRouter, FastAPI, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from footage.errors import (
    AuthError,
    AuthUnavailable,
    CatalogError,
    LiveUnavailable,
    MediaError,
    NotFound,
    QuotaExceeded,
    RateLimited,
    StorageError,
    UserError,
)
from functions.api.deps import ApiContext
from functions.api.routers import auth, exports, footage, sites
from functions.api.routers import status as status_routes

health = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    status: str
    service: str


@health.get("/health")
def get_health() -> Health:
    return Health(status="ok", service="cctv-vms")


_STATUS = {
    RateLimited: status.HTTP_429_TOO_MANY_REQUESTS,
    QuotaExceeded: status.HTTP_429_TOO_MANY_REQUESTS,
    AuthError: status.HTTP_401_UNAUTHORIZED,
    UserError: status.HTTP_400_BAD_REQUEST,
    NotFound: status.HTTP_404_NOT_FOUND,
    AuthUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    LiveUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    MediaError: status.HTTP_502_BAD_GATEWAY,
    CatalogError: status.HTTP_503_SERVICE_UNAVAILABLE,
    StorageError: status.HTTP_503_SERVICE_UNAVAILABLE,
}


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    code = next(code for kind, code in _STATUS.items() if isinstance(exc, kind))
    headers = {"Retry-After": f"{exc.retry_after_s:.0f}"} if isinstance(exc, RateLimited) else {}
    if isinstance(exc, QuotaExceeded) and exc.retry_after_s is not None:
        headers["Retry-After"] = str(math.ceil(exc.retry_after_s))
    if code == status.HTTP_401_UNAUTHORIZED:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse({"detail": str(exc)}, status_code=code, headers=headers)


class SecurityHeaders:
    """``X-Content-Type-Options: nosniff`` on every answer, and ``Cache-Control:
    no-store`` on API answers that set none (tokens, errors, lists of sites).
    The viewer's CSP and frame headers come from nginx on-prem and the
    CloudFront response headers policy in AWS. Plain ASGI: a few µs a request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if api:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(context: ApiContext | None = None) -> FastAPI:
    app = FastAPI(title="cctv-vms", docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.context = context
    routers = (health, auth.router, sites.router, footage.router, exports.router,
               status_routes.router)  # fmt: skip
    for router in routers:
        app.include_router(router)
    for kind in _STATUS:
        app.add_exception_handler(kind, _domain_error)
    app.add_middleware(SecurityHeaders)
    return app
