"""``vms plan``'s text: a table per site, the cameras' figures and where they came
from, and the monthly costs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from footage.plan.sites import Limit, SitePlan
from footage.plan.uplink import weekday_hour

if TYPE_CHECKING:
    from footage.services.plan import DeploymentPlan

_SITE_HEAD = (
    f"{'site':<14}{'cams':>5}{'records':>10}{'uplink':>10}{'slowest':>9}  "
    f"{'level':<22}{'sends':>8}{'backlog peak':>22}{'drained':>11}{'CPU':>12}  verdict"
)


def plan_lines(plan: DeploymentPlan) -> list[str]:
    where = plan.measured_from or "nothing measured yet"
    lines = [
        f"vms plan: prices {plan.prices}; measured figures from: {where}",
        "GB a day; times in each site's clock over a week (Mon-Sun)",
        "",
        _SITE_HEAD,
    ]
    lines += [_site_row(s) for s in plan.sites]
    lines += [_verdict(s) for s in plan.sites if not s.keeps_up]
    lines += [
        "",
        f"{'camera':<20}{'site':<14}{'Mbit/s':>8} {'(source)':<12}"
        f"{'profile':<18}{'ratio':>6} {'(source)':<12}{'stored GB/day':>14}{'kept':>7}",
    ]
    for c in plan.cameras:
        lines.append(
            f"{c.camera:<20}{c.site:<14}{c.recorded_bytes_per_hour * 8 / 3600 / 1e6:>8.2f} "
            f"{c.source.value:<12}{c.profile:<18}{c.ratio:>6.2f} {c.ratio_source.value:<12}"
            f"{c.stored_bytes_per_hour * 24 / 1e9:>14.1f}{c.retention_days:>6}d"
        )
    return lines + _cost_lines(plan)


def _site_row(s: SitePlan) -> str:
    uplink = "no cap" if s.capacity_gb_day is None else f"{s.capacity_gb_day:.1f}"
    slowest = "-" if s.slowest_day_gb is None else f"{s.slowest_day_gb:.1f}"
    level = f"{s.level} {s.profile}"
    peak, drained = "none", "-"
    if not s.keeps_up:
        peak, drained = f"grows {s.growth_gb_day:.1f} a day", "never"
    elif s.backlog_peak_gb >= 0.001:
        peak = f"{s.backlog_peak_gb:.1f} GB {weekday_hour(s.peak_at)}"
        drained = "never" if s.drained_at is None else weekday_hour(s.drained_at)
    cpu = f"{s.cpu_cores:.2f}/{s.cpu_budget_cores:g}"
    verdict = "keeps up" if s.keeps_up else "CANNOT KEEP UP"
    return (
        f"{s.site:<14}{s.cameras:>5}{s.recorded_gb_day:>10.1f}{uplink:>10}{slowest:>9}  "
        f"{level:<22}{s.upload_gb_day:>8.1f}{peak:>22}{drained:>11}{cpu:>12}  {verdict}"
    )


def _verdict(s: SitePlan) -> str:
    """Why a site cannot keep up, with the numbers."""
    uplink = "has no cap"
    if s.capacity_gb_day is not None:
        uplink = f"carries {s.capacity_gb_day:.1f} GB a day"
    why = (
        f"{s.site} cannot keep up: its cameras record {s.recorded_gb_day:.1f} GB a day and the"
        f" uplink {uplink}; at level {s.level} ({s.profile}) it sends {s.upload_gb_day:.1f} GB"
        f" a day and the backlog grows {s.growth_gb_day:.1f} GB a day"
    )
    if s.limit is Limit.CPU:
        return why + (
            "; a heavier level would fit the uplink but needs more than the edge's"
            f" {s.cpu_budget_cores:g} CPU cores (uploader.compression.cpu_budget_cores)"
        )
    return why + (
        f"; even the heaviest level would send {s.heaviest_gb_day:.1f} GB a day (with"
        f" {s.heaviest_cpu_cores:.2f} CPU cores): a faster line, a longer schedule or"
        " lower camera bitrates"
    )


def _cost_lines(plan: DeploymentPlan) -> list[str]:
    c = plan.costs
    priced = c.region if c.prices == c.region else f"{c.region} (priced as {c.prices})"
    return [
        "",
        f"AWS {priced}, a month after {plan.horizon_days} days: {c.stored_tb:.2f} TB stored"
        f" (Standard, Glacier IR after aws.transition_days where retention allows)",
        f"  storage ${c.storage:,.2f}  requests ${c.requests:,.2f}  processing"
        f" ${c.processing:,.2f}  transfer out ({c.hours_watched:g} h watched)"
        f" ${c.transfer_out:,.2f}  = ${c.total:,.2f} a month",
        f"Kinesis Video Streams (us-east-1), same footage: ingest ${c.kvs_ingest:,.2f}  storage"
        f" ${c.kvs_storage:,.2f}  HLS ${c.kvs_hls:,.2f}  transfer out ${c.kvs_transfer_out:,.2f}"
        f"  = ${c.kvs_total:,.2f} a month",
    ]
