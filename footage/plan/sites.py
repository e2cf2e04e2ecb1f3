"""One site's plan: the lightest ladder level at which its uplink carries what its
cameras record, within the edge's CPU budget, with the backlog over a week."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from footage.config import Camera, Config, Site
from footage.plan.figures import CameraRate, Measured, level_figure
from footage.plan.uplink import WEEK_H, Simulation, hourly_capacity, simulate

GB = 1e9


class Limit(StrEnum):
    UPLINK = "uplink"  # no level's footage fits the upload schedule
    CPU = "cpu"  # a level that fits needs more cores than cpu_budget_cores


class SitePlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    site: str
    name: str
    timezone: str
    cameras: int
    keeps_up: bool
    limit: Limit | None  # why not, when it does not
    level: int  # of uploader.compression.ladder (adaptive cameras)
    profile: str
    recorded_gb_day: float
    upload_gb_day: float  # at the level
    capacity_gb_day: float | None  # a day of the week on average; None: no cap
    slowest_day_gb: float | None  # the day of the week the schedule allows least
    growth_gb_day: float  # the backlog grows this much a day, for ever (0: keeps up)
    backlog_peak_gb: float
    peak_at: int  # hours since Monday 00:00, the site's clock
    drained_at: int | None  # the backlog is next empty then; None: never
    cpu_cores: float  # the edge's encoder at the level, on average
    cpu_budget_cores: float
    heaviest_gb_day: float  # what the ladder's last level would send, whatever its CPU
    heaviest_cpu_cores: float  # and the cores it needs
    ratio_sources: list[str]  # "camera profile ratio source"
    backlog_gb: list[float]  # at the end of each hour of the week
    capacity_gb: list[float | None]  # what each hour may carry (None: no cap)


@dataclass(frozen=True, slots=True)
class _Option:
    level: int
    incoming: float  # bytes an hour to upload
    cpu: float
    sim: Simulation
    sources: list[str]


def plan_site(site: Site, rates: Sequence[CameraRate], config: Config,
              measured: Measured) -> SitePlan:  # fmt: skip
    """The lightest level that keeps up within the CPU budget; else the one whose
    backlog grows least within it (``keeps_up`` False, ``limit`` says why)."""
    cameras = [c for c in config.cameras if c.site == site.id and c.enabled]
    bph = {r.camera: r.bytes_per_hour for r in rates}
    capacity = hourly_capacity(site)
    ladder = config.uploader.compression.ladder
    budget = config.uploader.compression.cpu_budget_cores
    options = [_option(level, cameras, bph, config, measured, capacity)
               for level in range(len(ladder))]  # fmt: skip
    within = [o for o in options if o.cpu <= budget + 1e-9] or options[:1]
    chosen = next((o for o in within if o.sim.keeps_up), None)
    limit = None
    if chosen is None:
        limit = Limit.CPU if any(o.sim.keeps_up for o in options) else Limit.UPLINK
        chosen = min(within, key=lambda o: o.sim.growth_per_week)
    plan = _site_plan(site, cameras, bph, chosen, limit, capacity, budget, ladder)
    heaviest = options[-1]
    return plan.model_copy(update={"heaviest_gb_day": heaviest.incoming * 24 / GB,
                                   "heaviest_cpu_cores": heaviest.cpu})  # fmt: skip


def _option(level: int, cameras: list[Camera], bph: dict[str, float], config: Config,
            measured: Measured, capacity: list[float | None]) -> _Option:  # fmt: skip
    incoming = cpu = 0.0
    sources = []
    for camera in cameras:
        figure = level_figure(camera, config, level, measured)
        incoming += bph[camera.id] * figure.ratio
        cpu += figure.cpu_s_per_s
        sources.append(f"{camera.id} {figure.ratio:.2f} {figure.source.value}")
    return _Option(level, incoming, cpu, simulate(incoming, capacity), sources)


def _site_plan(site: Site, cameras: list[Camera], bph: dict[str, float], o: _Option,
               limit: Limit | None, capacity: list[float | None], budget: float,
               ladder: list[str]) -> SitePlan:  # fmt: skip
    sim = o.sim
    known = [c for c in capacity if c is not None]
    capped = len(known) == len(capacity)
    days = [sum(c or 0.0 for c in capacity[d * 24 : d * 24 + 24]) / GB for d in range(7)]
    return SitePlan(
        site=site.id, name=site.name, timezone=site.timezone, cameras=len(cameras),
        keeps_up=sim.keeps_up and limit is None, limit=limit, level=o.level,
        profile=ladder[o.level], recorded_gb_day=sum(bph[c.id] for c in cameras) * 24 / GB,
        upload_gb_day=o.incoming * 24 / GB,
        capacity_gb_day=sum(known) / 7 / GB if capped else None,
        slowest_day_gb=min(days) if capped else None,
        growth_gb_day=sim.growth_per_week / 7 / GB, backlog_peak_gb=sim.peak / GB,
        peak_at=sim.peak_at, drained_at=sim.drained_at, cpu_cores=o.cpu,
        cpu_budget_cores=budget, heaviest_gb_day=0.0, heaviest_cpu_cores=0.0,
        ratio_sources=o.sources,
        backlog_gb=[b / GB for b in sim.backlog],
        capacity_gb=[None if c is None else c / GB for c in capacity[:WEEK_H]],
    )  # fmt: skip
