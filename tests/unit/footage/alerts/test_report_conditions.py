"""What a central evaluator concludes from the sites' edge reports (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from footage.alerts.decide import decide
from footage.alerts.models import Rule
from footage.alerts.reports import report_conditions, silent_sites
from footage.config import Config
from footage.site_status import EdgeCamera, EdgeReport

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def _config() -> Config:
    return Config.model_validate({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}, {"id": "SBY", "name": "Surabaya"},
                  {"id": "NEW", "name": "Not installed yet"}],
        "cameras": [{"id": "lobby", "site": "HO", "name": "L", "rtsp_url": "rtsp://h/1"},
                    {"id": "gate", "site": "HO", "name": "G", "rtsp_url": "rtsp://h/2"},
                    {"id": "kasir", "site": "SBY", "name": "K", "rtsp_url": "rtsp://h/3"},
                    {"id": "gudang", "site": "SBY", "name": "W", "rtsp_url": "rtsp://h/4"}],
        "alerts": {"sites": {"SBY": {"site_silent_minutes": 30}}},
    })  # fmt: skip


def _report(site: str, age: timedelta, *cameras: EdgeCamera, **fields: object) -> EdgeReport:
    return EdgeReport.model_validate(
        {"site": site, "published_at": NOW - age, "cameras": cameras, **fields}
    )


def _cam(camera: str, state: str = "recording", **fields: object) -> EdgeCamera:
    return EdgeCamera.model_validate({"camera": camera, "state": state, **fields})


def _keys(config: Config, reports: dict[str, EdgeReport | None], now: datetime = NOW) -> list[str]:
    return [c.key for c in decide([], report_conditions(config, reports, now), now).opens]


def test_a_silent_site_opens_after_its_own_threshold_and_holds_its_other_alerts() -> None:
    config = _config()
    down = _cam("kasir", "offline", last_segment_at=NOW - timedelta(hours=1))
    reports: dict[str, EdgeReport | None] = {
        "HO": _report("HO", timedelta(minutes=16)),  # past the 15 minutes (and FRESH_FOR)
        "SBY": _report("SBY", timedelta(minutes=20), down),  # SBY waits 30 minutes
        "NEW": None,  # never reported: never installed, nothing to say
    }
    assert _keys(config, reports) == ["site_silent/HO"]
    conditions = report_conditions(config, reports, NOW)
    # SBY's offline camera is from an old report: it keeps an open alert open, opens none
    kasir = next(c for c in conditions if c.camera == "kasir")
    assert kasir.grouped
    assert decide(["camera_offline/SBY/kasir"], conditions, NOW).clears == []
    later = NOW + timedelta(minutes=10)
    assert _keys(config, reports, later) == ["site_silent/HO", "site_silent/SBY"]
    assert silent_sites(report_conditions(config, reports, later), later) == ["HO", "SBY"]


def test_a_short_silence_threshold_still_waits_for_the_heartbeat() -> None:
    config = Config.model_validate({**_config().model_dump(mode="json"),
                                    "alerts": {"rules": {"site_silent_minutes": 2}}})  # fmt: skip
    fresh = {"HO": _report("HO", timedelta(minutes=9))}  # a quiet site between heartbeats
    assert _keys(config, fresh) == []


def test_fresh_reports_give_offline_cameras_a_whole_site_down_backlog_and_a_full_spool() -> None:
    config = _config()
    reports: dict[str, EdgeReport | None] = {
        "HO": _report("HO", timedelta(minutes=1),
                      _cam("lobby", "offline", last_segment_at=NOW - timedelta(minutes=6)),
                      _cam("gate", "recording", backlog_count=40,
                           backlog_oldest=NOW - timedelta(hours=7)),
                      drain_eta_s=3600, spool_full=True),
        "SBY": _report("SBY", timedelta(minutes=1),
                       _cam("kasir", "offline", last_segment_at=NOW - timedelta(minutes=8)),
                       _cam("gudang", "offline", last_segment_at=NOW - timedelta(minutes=7))),
    }  # fmt: skip
    assert _keys(config, reports) == [
        "camera_offline/HO/lobby",  # 6 minutes down, past the 5
        "site_down/SBY",  # both of its cameras: one message, not two
        "spool_full/HO",
        "upload_backlog/HO",  # drains in an hour, but its oldest segment waited 7 h
    ]
    backlog = next(c for c in report_conditions(config, reports, NOW)
                   if c.rule is Rule.UPLOAD_BACKLOG)  # fmt: skip
    assert backlog.facts["detail"] == "40 segments, the oldest waiting 7.0 h"


def test_a_camera_back_and_a_site_reporting_again_clear_their_alerts() -> None:
    config = _config()
    reports: dict[str, EdgeReport | None] = {
        "HO": _report("HO", timedelta(minutes=1), _cam("lobby"), _cam("gate"))
    }
    conditions = report_conditions(config, reports, NOW)
    assert decide(["camera_offline/HO/lobby", "site_silent/HO"], conditions, NOW).clears == [
        "camera_offline/HO/lobby",
        "site_silent/HO",
    ]
