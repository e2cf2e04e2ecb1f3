"""GET /api/plan (admins): vms plan for the deployment this API serves, with what
its index measured (footage.services.plan)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from footage.services.plan import (
    DEFAULT_HOURS_WATCHED,
    DeploymentPlan,
    index_figures,
    plan_deployment,
)
from functions.api.deps import AdminPrincipal, Context

router = APIRouter(prefix="/api", tags=["plan"])


@router.get("/plan", responses={403: {"description": "administrators only"}})
def get_plan(
    context: Context,
    _: AdminPrincipal,
    hours_watched: Annotated[
        float,
        Query(ge=0, le=10_000_000, description="hours of footage watched a month, all cameras"),
    ] = DEFAULT_HOURS_WATCHED,
) -> DeploymentPlan:
    """Per site: whether the uplink carries the cameras' footage within the upload
    schedule, at which compression level, the backlog over a week and the CPU; per
    deployment: storage after 6 months and the monthly AWS cost next to Kinesis
    Video Streams."""
    measured = index_figures(context.config, context.catalog)
    return plan_deployment(context.config, measured, hours_watched)
