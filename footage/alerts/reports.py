"""What the sites' edge reports say is wrong: the conditions a central evaluator
checks (the fleet's alerts Lambda in AWS; on-prem, HO for the branches it sees).

Each edge writes its report (footage.site_status) on change and at least every
HEARTBEAT, so a report older than FRESH_FOR means the edge or its uplink is
down: SITE_SILENT, since its last report (a ``site_silent_minutes`` under
FRESH_FOR cannot be told from a quiet site, so it acts as FRESH_FOR). A silent
site's last report says nothing about now: its other conditions are kept as
they were, grouped under the silence (their open alerts stay open, none opens,
none clears until the site reports again).

From a fresh report: a camera the edge reports offline (since its last segment),
all of a site's cameras offline as one SITE_DOWN (decide.group_site_down), an
upload backlog that would take over ``backlog_drain_hours`` to drain or whose
oldest segment has waited ``backlog_growing_hours``, and a spool the edge says
is full. Pure: the caller reads the reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from footage.alerts.config import AlertsConfig
from footage.alerts.decide import Condition, group_site_down
from footage.alerts.models import Rule
from footage.config import Config
from footage.notify.base import Severity
from footage.site_status import FRESH_FOR, EdgeReport

#: The rules these conditions belong to: an evaluator of reports owns their alerts.
REPORT_RULES = (Rule.SITE_SILENT, Rule.CAMERA_OFFLINE, Rule.SITE_DOWN, Rule.UPLOAD_BACKLOG,
                Rule.SPOOL_FULL)  # fmt: skip
OFFLINE = "offline"


def report_conditions(
    config: Config, reports: Mapping[str, EdgeReport | None], now: datetime
) -> list[Condition]:
    """``reports``: each configured site's newest report (None: it never reported,
    so it was never installed: nothing to say yet)."""
    alerts = config.alerts
    out: list[Condition] = []
    cameras: dict[str, set[str]] = {}
    for site in config.sites:
        report = reports.get(site.id)
        if report is None:
            continue
        found = _site_conditions(alerts, report)
        if now - report.published_at > FRESH_FOR:
            rules = alerts.rules_for(site.id)
            silent_for = max(timedelta(minutes=rules.site_silent_minutes), FRESH_FOR)
            out.append(Condition(Rule.SITE_SILENT, site.id, report.published_at, silent_for,
                                 severity=Severity.CRITICAL))  # fmt: skip
            found = [_grouped(c) for c in found]
        out.extend(found)
        cameras[site.id] = {c.id for c in config.cameras if c.site == site.id and c.enabled}
    return group_site_down(out, cameras)


def silent_sites(conditions: list[Condition], now: datetime) -> list[str]:
    """The sites whose silence has lasted its threshold (the SitesSilent metric)."""
    return sorted({c.site for c in conditions
                   if c.rule is Rule.SITE_SILENT and now - c.since >= c.threshold})  # fmt: skip


def _grouped(c: Condition) -> Condition:
    return Condition(c.rule, c.site, c.since, c.threshold, c.camera, c.subject, c.severity,
                     c.facts, grouped=True)  # fmt: skip


def _site_conditions(alerts: AlertsConfig, report: EdgeReport) -> list[Condition]:
    rules = alerts.rules_for(report.site)
    at = report.published_at
    out = [
        Condition(Rule.CAMERA_OFFLINE, report.site, cam.last_segment_at or at,
                  timedelta(minutes=rules.camera_offline_minutes), camera=cam.camera)
        for cam in report.cameras if cam.state == OFFLINE
    ]  # fmt: skip
    backlog = _backlog(report, rules.backlog_drain_hours, rules.backlog_growing_hours)
    if backlog:
        out.append(Condition(Rule.UPLOAD_BACKLOG, report.site, at, facts={"detail": backlog}))
    if report.spool_full:
        out.append(Condition(Rule.SPOOL_FULL, report.site, at, severity=Severity.CRITICAL,
                             facts={"percent": f"{rules.spool_percent:.0f}+"}))  # fmt: skip
    return out


def _backlog(report: EdgeReport, drain_hours: float, waiting_hours: float) -> str:
    """Why the backlog is behind ('' when it is not): in hours, for the message."""
    count = report.backlog_count
    if count == 0:
        return ""
    eta = report.drain_eta_s
    if eta is not None and eta > drain_hours * 3600:
        return f"{count} segments, {eta / 3600:.1f} h to drain"
    oldest = min((c.backlog_oldest for c in report.cameras if c.backlog_oldest), default=None)
    if oldest is not None and report.published_at - oldest > timedelta(hours=waiting_hours):
        waited = (report.published_at - oldest).total_seconds() / 3600
        return f"{count} segments, the oldest waiting {waited:.1f} h"
    return ""
