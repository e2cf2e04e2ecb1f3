"""``vms plan`` and GET /api/plan: per site, whether the uplink carries the cameras'
footage within the upload schedule, at which ladder level, the backlog and the CPU;
per deployment, storage after six months and the monthly AWS cost next to Kinesis
Video Streams (footage.plan)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from footage.catalog import Catalog
from footage.config import Config
from footage.plan.costs import HORIZON_DAYS, Costs, deployment_costs
from footage.plan.figures import (
    MIN_SEGMENTS,
    Measured,
    Source,
    camera_rate,
    level_figure,
    profile_at,
)
from footage.plan.sites import SitePlan, plan_site
from footage.pricing import PRICE_DATE

#: What GET /api/plan says its measured figures are.
INDEX_MEASURES = "the index: cameras sent as recorded (edge_profile copy)"
#: Hours of footage watched a month across the deployment, unless asked otherwise.
DEFAULT_HOURS_WATCHED = 100.0


class CameraPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    camera: str
    site: str
    recorded_bytes_per_hour: float
    source: Source  # of recorded_bytes_per_hour
    profile: str  # what its footage goes up with at the site's level
    ratio: float
    ratio_source: Source
    stored_bytes_per_hour: float
    retention_days: int


class DeploymentPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    measured_from: str  # where measured figures came from ("" : nothing measured)
    prices: str  # their date
    horizon_days: int
    sites: list[SitePlan]
    cameras: list[CameraPlan]
    costs: Costs


def plan_deployment(config: Config, measured: Measured, hours_watched: float) -> DeploymentPlan:
    """The plan of every site and the deployment's costs, from the config and what
    the edge measured (``measured``; empty: the config and assumed figures)."""
    if not 0 <= hours_watched <= 1e7:
        raise ValueError("hours watched must be between 0 and 10,000,000 a month")
    enabled = [c for c in config.cameras if c.enabled]
    rates = {c.id: camera_rate(c, measured) for c in enabled}
    sites = [plan_site(s, [rates[c.id] for c in enabled if c.site == s.id], config, measured)
             for s in config.sites]  # fmt: skip
    levels = {s.site: s.level for s in sites}
    ladder = config.uploader.compression.ladder
    cameras = []
    for c in enabled:
        figure = level_figure(c, config, levels[c.site], measured)
        rate = rates[c.id]
        cameras.append(CameraPlan(
            camera=c.id, site=c.site, recorded_bytes_per_hour=rate.bytes_per_hour,
            source=rate.source, profile=profile_at(c, ladder, levels[c.site]),
            ratio=figure.ratio, ratio_source=figure.source,
            stored_bytes_per_hour=rate.bytes_per_hour * figure.ratio,
            retention_days=c.retention_days,
        ))  # fmt: skip
    stored = {p.camera: p.stored_bytes_per_hour for p in cameras}
    return DeploymentPlan(
        measured_from=measured.where, prices=PRICE_DATE, horizon_days=HORIZON_DAYS,
        sites=sites, cameras=cameras, costs=deployment_costs(config, stored, hours_watched),
    )  # fmt: skip


def index_figures(config: Config, catalog: Catalog) -> Measured:
    """Bytes per hour as recorded of the cameras whose footage is stored as recorded
    (``edge_profile: copy``), from the index's totals; the others' stored bytes are
    after edge compression, so they are left to the config."""
    rates: dict[str, float] = {}
    for camera in config.cameras:
        if not camera.enabled or camera.edge_profile != "copy":
            continue
        totals = catalog.camera_totals(camera.id)
        if totals.segments >= MIN_SEGMENTS and totals.seconds > 0:
            rates[camera.id] = totals.bytes / totals.seconds * 3600
    return Measured(rates, where=INDEX_MEASURES if rates else "")
