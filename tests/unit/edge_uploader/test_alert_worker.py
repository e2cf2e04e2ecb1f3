"""The edge's alert worker over real local parts (bootstrap on a temp data dir):
HO sees a branch go silent and come back, failed logins, footage dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge_uploader.shell.alert_worker import build_alert_worker
from edge_uploader.shell.bootstrap import bootstrap
from footage.adapters.sqlite_login_limiter import SqliteLoginLimiter
from footage.alerts.models import AlertFilter, Rule
from footage.config_loader import parse_config
from footage.keys import build_status_key
from footage.notify.base import Severity
from footage.site_status import EdgeReport

NOW = datetime.now(UTC).replace(microsecond=0)


def _worker(tmp_path: Path, ingest: str = "local", **alerts: object):  # type: ignore[no-untyped-def]
    config = parse_config({
        "uploader": {"ingest": ingest},
        "sites": [{"id": "HO", "name": "Kantor Pusat"},
                  {"id": "CABANG-01", "name": "Cabang Makassar", "timezone": "Asia/Makassar"}],
        "cameras": [{"id": "lobby", "site": "HO", "name": "Lobby",
                     "rtsp_url": "rtsp://127.0.0.1:9/x"}],
        "alerts": {"rules": {"spool_percent": 100, "digest_at": None},
                   "sites": {"CABANG-01": {"site_silent_minutes": 20}}, **alerts},
    }, environ={})  # fmt: skip
    rt = bootstrap(config, tmp_path, environ={})
    rt.catalog.initialize()
    rt.spool.prepare(["lobby"])
    return rt, build_alert_worker(rt, environ={})


def _branch_report(rt, at: datetime) -> None:  # type: ignore[no-untyped-def]
    report = EdgeReport(site="CABANG-01", published_at=at)
    rt.storage.put_bytes(build_status_key("CABANG-01"), report.model_dump_json().encode(),
                         content_type="application/json")  # fmt: skip


def test_ho_sees_a_branch_go_silent_and_come_back(tmp_path: Path) -> None:
    rt, worker = _worker(tmp_path)
    _branch_report(rt, NOW - timedelta(minutes=12))  # past FRESH_FOR, not yet its 20 minutes
    assert worker.evaluate(NOW).opened == []
    later = NOW + timedelta(minutes=9)
    opened = worker.evaluate(later).opened
    assert [(a.rule, a.site, a.severity) for a in opened] == [
        (Rule.SITE_SILENT, "CABANG-01", Severity.CRITICAL)
    ]
    assert "has not reported since" in opened[0].message and "WITA" in opened[0].message
    assert worker.evaluate(later + timedelta(minutes=1)).opened == []  # one per incident
    _branch_report(rt, later + timedelta(minutes=2))
    cleared = worker.evaluate(later + timedelta(minutes=2)).cleared
    assert [a.key for a in cleared] == ["site_silent/CABANG-01"]
    assert worker.store.find(AlertFilter(open_only=True)) == []


def test_failed_logins_open_one_critical_alert(tmp_path: Path) -> None:
    rt, worker = _worker(tmp_path)
    limiter = SqliteLoginLimiter(rt.paths.users)
    for i in range(5):
        limiter.failed(limiter.reserve("admin", f"10.1.1.{i}", NOW), NOW)
    [alert] = worker.evaluate(NOW + timedelta(seconds=1)).opened
    assert (alert.rule, alert.key, alert.severity) == (
        Rule.FAILED_LOGINS,
        "failed_logins/HO/admin",
        Severity.CRITICAL,
    )
    assert "5 failed logins for user admin" in alert.message
    assert worker.evaluate(NOW + timedelta(seconds=2)).opened == []
    # 15 minutes on, the failures are out of the window: it clears
    cleared = worker.evaluate(NOW + timedelta(minutes=16)).cleared
    assert [a.key for a in cleared] == ["failed_logins/HO/admin"]


def test_a_box_watches_only_the_sites_it_is_told(tmp_path: Path) -> None:
    rt, worker = _worker(tmp_path, watch_sites=[])  # a branch sharing the fleet's config
    _branch_report(rt, NOW - timedelta(hours=2))
    assert worker.evaluate(NOW).opened == []


def test_with_the_index_in_the_cloud_the_edge_leaves_reports_to_the_alerts_lambda(
    tmp_path: Path,
) -> None:
    """No second message for what functions/alerts says from the reports, and no read
    of another site's report (an edge's credentials cannot read them in AWS)."""
    rt, worker = _worker(tmp_path, ingest="cloud")
    _branch_report(rt, NOW - timedelta(hours=2))
    assert worker.reports(NOW).keys() == {"HO"}
    assert worker.evaluate(NOW).opened == []
    assert not worker.owns("site_silent/CABANG-01") and not worker.owns("camera_offline/HO/lobby")
    assert worker.owns("tampering/HO/lobby")  # what only the edge sees stays its own
