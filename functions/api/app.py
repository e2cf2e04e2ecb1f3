"""The HTTP API (FastAPI). The viewer issue grows it; for now it answers health.

The same app runs on-prem under uvicorn and in AWS through Mangum
(functions.api.handler). Routes live in routers, one per resource.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

health = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    status: str
    service: str


@health.get("/health")
def get_health() -> Health:
    return Health(status="ok", service="cctv-vms")


def create_app() -> FastAPI:
    app = FastAPI(title="cctv-vms", docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.include_router(health)
    return app
