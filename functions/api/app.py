"""The HTTP API (FastAPI, OpenAPI at /api/docs). One router per resource.

The same app runs on-prem under uvicorn and in AWS through Mangum
(functions.api.handler). Error answers, and the statuses domain errors map to,
live in functions.api.errors; request bodies must be strict JSON
(functions.api.strict_json).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from functions.api.deps import ApiContext
from functions.api.error_docs import document_errors
from functions.api.errors import ContainErrors, install_error_handlers
from functions.api.routers import alerts, auth, evidence, exports, footage, plan, push, share, sites
from functions.api.routers import status as status_routes
from functions.api.strict_json import StrictJSONBodies

health = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    status: str
    service: str


@health.get("/health")
def get_health() -> Health:
    return Health(status="ok", service="cctv-vms")


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
               evidence.router, status_routes.router, push.router, alerts.router,
               plan.router, share.router)  # fmt: skip
    for router in routers:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(StrictJSONBodies)  # innermost: its 400s get the headers too
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ContainErrors)  # outermost: no exception reaches the server
    published = app.openapi

    def openapi() -> dict[str, Any]:
        return document_errors(published())

    app.openapi = openapi  # type: ignore[method-assign]
    return app
