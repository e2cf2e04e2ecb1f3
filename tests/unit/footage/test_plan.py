"""vms plan's math (footage.plan): a site's uplink hour by hour over a week, the
ladder level it needs, the figures it trusts, and what the deployment costs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from footage.calibration import Calibration, LevelChoice
from footage.config import Config
from footage.plan.costs import deployment_costs
from footage.plan.figures import Measured, Source, camera_rate, from_history, level_figure
from footage.plan.sites import Limit, plan_site
from footage.plan.uplink import WEEK_H, hourly_capacity, simulate, weekday_hour
from footage.pricing import PRICES, transitions
from footage.services.plan import plan_deployment

GB = 1e9
KBPS_HOUR = 1000 / 8 * 3600  # bytes an hour at 1 kbit/s
BUSINESS = {"start": "08:00", "end": "18:00", "max_kbps": 2000, "days": [0, 1, 2, 3, 4]}


def _config(upload: dict[str, Any], *cameras: dict[str, Any], **uploader: Any) -> Config:
    cams = [{"id": f"c{i}", "site": "B", "name": f"c{i}", "rtsp_url": "rtsp://h/s", **c}
            for i, c in enumerate(cameras)]  # fmt: skip
    return Config.model_validate({"sites": [{"id": "B", "name": "Branch", "upload": upload}],
                                  "cameras": cams, "uploader": uploader})  # fmt: skip


def test_capacity_follows_the_schedule_to_the_minute_and_the_line() -> None:
    half = {"start": "07:30", "end": "18:00", "max_kbps": 4000, "days": [0]}
    config = _config({"max_kbps": 8000, "schedule": [half]})
    capacity = hourly_capacity(config.sites[0])
    assert len(capacity) == WEEK_H
    assert capacity[6] == pytest.approx(8000 * KBPS_HOUR)  # Monday 06:00
    assert capacity[7] == pytest.approx(6000 * KBPS_HOUR)  # half at 4000, half at 8000
    assert capacity[24 + 7] == pytest.approx(8000 * KBPS_HOUR)  # Tuesday: no window
    network = {"edge_address": "10.0.0.2", "uplink_kbps": 3000}
    lined = Config.model_validate(
        {"sites": [{"id": "B", "name": "B", "network": network, "upload": {"max_kbps": 8000}}]}
    )
    assert hourly_capacity(lined.sites[0]) == [pytest.approx(3000 * KBPS_HOUR)] * WEEK_H
    assert set(hourly_capacity(_config({}).sites[0])) == {None}


def test_a_backlog_built_in_business_hours_drains_at_night() -> None:
    config = _config({"max_kbps": 8000, "schedule": [BUSINESS]})
    capacity = hourly_capacity(config.sites[0])
    sim = simulate(4000 * KBPS_HOUR, capacity)  # 4 Mbit/s recorded, 2 Mbit/s by day
    assert sim.keeps_up
    # 10 hours short of 2 Mbit/s: 10 * 2000 kbit/s-hours, drained at 4 Mbit/s spare
    assert sim.peak == pytest.approx(10 * 2000 * KBPS_HOUR)
    assert weekday_hour(sim.peak_at) == "Mon 18:00"
    assert sim.drained_at is not None and weekday_hour(sim.drained_at) == "Mon 23:00"


def test_a_link_too_slow_grows_its_backlog_every_week() -> None:
    sim = simulate(3000 * KBPS_HOUR, [2000 * KBPS_HOUR] * WEEK_H)
    assert not sim.keeps_up
    assert sim.growth_per_week == pytest.approx(WEEK_H * 1000 * KBPS_HOUR)
    assert sim.drained_at is None


def test_the_site_takes_the_lightest_level_that_fits() -> None:
    # 2 cameras x 2 Mbit/s = 4 Mbit/s through 3 Mbit/s: copy (1.0) no, cctv-h264 (0.681) yes
    config = _config({"max_kbps": 3000}, {"bitrate_kbps": 2000}, {"bitrate_kbps": 2000},
                     compression={"cpu_budget_cores": 2})  # fmt: skip
    rates = [camera_rate(c, Measured()) for c in config.cameras]
    site = plan_site(config.sites[0], rates, config, Measured())
    assert (site.keeps_up, site.level, site.profile) == (True, 1, "cctv-h264")
    assert site.recorded_gb_day == pytest.approx(4000 * KBPS_HOUR * 24 / GB)
    assert site.upload_gb_day == pytest.approx(site.recorded_gb_day * 0.681)
    assert site.cpu_cores == pytest.approx(2 * 38.8 / 60)


def test_a_level_that_fits_but_needs_more_cpu_than_the_budget_is_refused() -> None:
    config = _config({"max_kbps": 3000}, {"bitrate_kbps": 2000}, {"bitrate_kbps": 2000},
                     compression={"cpu_budget_cores": 1})  # fmt: skip
    rates = [camera_rate(c, Measured()) for c in config.cameras]
    site = plan_site(config.sites[0], rates, config, Measured())
    assert (site.keeps_up, site.limit, site.level) == (False, Limit.CPU, 0)
    assert site.growth_gb_day == pytest.approx(1000 * KBPS_HOUR * 24 / GB)
    assert site.heaviest_cpu_cores == pytest.approx(2 * 121.7 / 60)


def test_measured_figures_win_over_the_config_and_the_defaults() -> None:
    config = _config({}, {"bitrate_kbps": 2000}, {"bitrate_kbps": 2000}, {})
    c0, c1, c2 = config.cameras
    measured = from_history(config, {"c0": (60, 60_000_000), "c1": (3, 10**9)},
                            {("c0", "cctv-h264"): (1000, 500)}, {}, "spool")  # fmt: skip
    rate = camera_rate(c0, measured)
    assert (rate.bytes_per_hour, rate.source) == (pytest.approx(60e6), Source.MEASURED)
    assert camera_rate(c1, measured).source is Source.CONFIG  # 3 segments: too few
    assert camera_rate(c2, measured).source is Source.ASSUMED
    assert level_figure(c0, config, 1, measured).ratio == 0.5
    assert level_figure(c1, config, 1, measured).source is Source.ASSUMED
    level = LevelChoice(level=1, floor=93, profile=None, ratio=0.4, cpu_s_per_min=30)
    calibration = Calibration(camera="c1", calibrated_at=datetime(2026, 12, 1, tzinfo=UTC),
                              bitrate_bps=3e6, levels=[level])  # fmt: skip
    calibrated = Measured(calibrations={"c1": calibration})
    assert level_figure(c1, config, 1, calibrated).ratio == 0.4
    assert camera_rate(c1, calibrated).bytes_per_hour == 3e6 / 8 * 3600
    assert from_history(config, {}, {}, {}, "spool").where == ""


def test_storage_goes_to_glacier_ir_only_where_retention_allows() -> None:
    assert transitions(30, 120) and not transitions(30, 119)
    config = _config({}, {"retention_days": 180}, {"retention_days": 30})
    gb_hour = 1e9  # 24 GB a day each
    costs = deployment_costs(config, {"c0": gb_hour, "c1": gb_hour}, hours_watched=10)
    p = PRICES["ap-southeast-3"]
    long = 24 * (30 * p["s3_standard_gb"] + 150 * p["s3_gir_gb"])
    short = 24 * 30 * p["s3_standard_gb"]
    assert costs.storage == pytest.approx(long + short)
    assert costs.stored_tb == pytest.approx(24 * 210 / 1000)
    assert costs.transfer_out == pytest.approx(10 * p["transfer_out_gb"])
    k = PRICES["us-east-1"]
    assert costs.kvs_storage == pytest.approx(24 * 210 * k["kvs_storage_gb"])
    assert costs.kvs_total > costs.total


def test_processing_reproduces_the_measured_totals() -> None:
    """At 60 s segments, processing + the PUTs are bench/cloud_cost.py's $0.359 (Jakarta)."""
    config = _config({}, {"retention_days": 30})
    costs = deployment_costs(config, {"c0": 0.0}, hours_watched=0)
    assert costs.processing + costs.requests == pytest.approx(0.359)


def test_the_plan_names_the_branch_that_cannot_keep_up() -> None:
    config = _config({"max_kbps": 1000}, {"bitrate_kbps": 4000})
    plan = plan_deployment(config, Measured(), 0)
    [site] = plan.sites
    assert not site.keeps_up and site.limit is Limit.UPLINK
    with pytest.raises(ValueError, match="hours watched"):
        plan_deployment(config, Measured(), -1)
