"""The edge's alerts (``vms up``): evaluate its rules, record, and deliver.

Every ``alerts.check_interval_s`` the worker builds the reports of the sites
this box records from its live status (what ``status/<SITE>.json`` would say
now, without waiting for the next publish), reads the reports of the other
configured sites from storage (HO sees its branches: "site silent"), adds its
own checks (tampering probes, the spool disk, recording gaps where the index
is here, failed logins) and lets footage.alerts.service open and clear the
incidents it owns, with their messages, in one write each. One-offs go
through :class:`~edge_uploader.alert_notes.Notes`. Every few seconds the
outbox's due messages are sent (footage.alerts.outbox).
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from edge_uploader.alert_notes import Notes
from edge_uploader.alert_probe import TamperWatch, newest_segments, snapshot_jpeg
from edge_uploader.shell.bootstrap import Runtime
from edge_uploader.shell.status import build_report, edge_reports, read_status
from footage.adapters.factory import build_drill_log
from footage.adapters.sqlite_alerts import ALERTS_DB_NAME, SqliteAlertStore
from footage.adapters.sqlite_login_limiter import SqliteLoginLimiter
from footage.alerts.checks import (
    CHECK_RULES,
    GAP_WINDOW,
    gap_condition,
    login_conditions,
    spool_condition,
    tamper_condition,
)
from footage.alerts.decide import Condition
from footage.alerts.models import Rule
from footage.alerts.outbox import Sent, deliver_due
from footage.alerts.reports import OFFLINE, REPORT_RULES, report_conditions
from footage.alerts.service import Applied, SiteInfo, all_keys, apply
from footage.alerts.store import AlertStore
from footage.config import IngestMode
from footage.drills import DrillLog
from footage.errors import FootageError
from footage.live import read_relay_status, relay_status_path
from footage.notify.base import Channel
from footage.notify.channels import build_channels
from footage.services.ingest_types import Outcome
from footage.services.site_status import read_edge_report
from footage.site_status import EdgeReport

log = logging.getLogger(__name__)
#: How often the outbox is looked at between evaluations.
DELIVER_EVERY_S = 5.0
#: Recording gaps are looked for this often (a day's index per camera).
GAP_EVERY = timedelta(minutes=10)


@dataclass
class AlertWorker:
    rt: Runtime
    store: AlertStore
    channels: dict[str, Channel | str]
    local_index: bool = False  # the index is kept here (gaps can be measured)
    cloud: bool = False  # uploader.ingest: cloud (the alerts Lambda reads the reports)
    logins: Callable[[datetime], dict[str, int]] | None = None  # failures per user since
    drills: DrillLog | None = None
    tamper: TamperWatch = field(default_factory=TamperWatch)
    gaps: list[Condition] = field(default_factory=list)
    gaps_at: datetime | None = None
    notes: Notes | None = None

    def __post_init__(self) -> None:
        config = self.rt.config
        self.sites = {s.id: SiteInfo(s.name, s.timezone, {c.id: c.name for c in config.cameras
                                                          if c.site == s.id})
                      for s in config.sites}  # fmt: skip
        self.own = sorted({c.site for c in self.rt.config.cameras})
        # With the index in the cloud, the alerts Lambda evaluates every site's report
        # (functions/alerts); the edge keeps to what only it sees, so nothing is said twice.
        self.owns = all_keys(CHECK_RULES if self.cloud else (*REPORT_RULES, *CHECK_RULES))
        self.notes = Notes(self.rt.config, self.store, self.rt.journal, self.sites, self.drills)

    def run(self, stop: threading.Event) -> None:
        interval = timedelta(seconds=self.rt.config.alerts.check_interval_s)
        evaluated: datetime | None = None
        while not stop.is_set():
            now = self.rt.clock.now()
            try:
                if evaluated is None or now - evaluated >= interval:
                    evaluated = now  # a failed check is tried again at the next interval
                    self.evaluate(now)
                self.deliver(now)
            except FootageError as exc:  # the store or storage failed: try again next time
                log.error("alert check failed: %s", exc)
            except Exception:  # a bug here must not stop the recording (the supervisor would)
                log.exception("alert check crashed; trying again at the next check")
            stop.wait(DELIVER_EVERY_S)

    def evaluate(self, now: datetime) -> Applied:
        reports = self.reports(now)
        conditions = [] if self.cloud else report_conditions(self.rt.config, dict(reports), now)
        conditions += self.checks(reports, now)
        applied = apply(self.store, self.rt.config.alerts, self.sites, conditions, self.owns,
                        now, self._image)  # fmt: skip
        assert self.notes is not None
        status = read_status(self.rt.paths.status_file, now)
        ingest = status.ingest if status else {}
        refused = ingest.get(Outcome.QUARANTINED.value, 0) + ingest.get(Outcome.REFUSED.value, 0)
        self.notes.check({s: reports[s] for s in self.own if s in reports}, now, refused)
        return applied

    def deliver(self, now: datetime) -> list[Sent]:
        return deliver_due(self.store, self.channels, self.rt.config.alerts, now)

    def reports(self, now: datetime) -> dict[str, EdgeReport]:
        """This box's sites from its live status; the others' from storage."""
        rt = self.rt
        status = read_status(rt.paths.status_file, now)
        relay = read_relay_status(relay_status_path(rt.paths.data_dir), now)
        report = build_report(rt.camera_sites, status, rt.journal, now, relay)
        found = {e.site: e for e in edge_reports(report, self.own, now)}
        watch = rt.config.alerts.watch_sites
        if watch is None and self.cloud:
            watch = []  # an edge may not read other sites' reports in the cloud; the Lambda does
        for site in rt.config.sites:
            if site.id not in found and (watch is None or site.id in watch):
                seen = read_edge_report(rt.storage, site.id)
                if seen is not None:
                    found[site.id] = seen
        return found

    def checks(self, reports: dict[str, EdgeReport], now: datetime) -> list[Condition]:
        config = self.rt.config.alerts
        out: list[Condition] = []
        percent = self._spool_percent()
        for site in self.own:
            cond = spool_condition(site, percent, config.rules_for(site), now)
            out += [cond] if cond else []
            if site in reports:
                out += self._tampering(reports[site], now)
        out += self._gaps(now)
        if self.logins is not None and self.own:
            rules = config.rules_for(self.own[0])
            since = now - timedelta(minutes=rules.failed_logins_minutes)
            out += login_conditions(self.logins(since), self.own[0], rules, now)
        return out

    def _spool_percent(self) -> float:
        spool = self.rt.spool
        try:
            disk = shutil.disk_usage(spool.root)
        except OSError:
            return 0.0
        used = 100.0 * (disk.total - disk.free) / disk.total if disk.total else 0.0
        waiting = self.rt.journal.stats.backlog().bytes + spool.log_bytes()
        quota = 100.0 * waiting / spool.quota_bytes if spool.quota_bytes else 0.0
        return max(used, quota)

    def _tampering(self, report: EdgeReport, now: datetime) -> list[Condition]:
        config = self.rt.config
        rules = config.alerts.rules_for(report.site)
        out = []
        for cam in report.cameras:
            camera = config.camera(cam.camera)
            if camera is None or not camera.enabled or camera.nvr_only or not rules.tampering:
                continue
            if cam.state == OFFLINE:
                self.tamper.forget(cam.camera)
                continue
            seen = self.tamper.check(self.rt.spool, cam.camera, now)
            if seen is not None:
                out.append(tamper_condition(report.site, cam.camera, seen[0].value, seen[1],
                                            rules))  # fmt: skip
        return out

    def _gaps(self, now: datetime) -> list[Condition]:
        if not self.local_index:
            return []
        if self.gaps_at is not None and now - self.gaps_at < GAP_EVERY:
            return self.gaps
        config = self.rt.config
        found = []
        for camera in config.cameras:
            if not camera.enabled or camera.nvr_only:
                continue
            segments = self.rt.catalog.query_camera(camera.id, now - GAP_WINDOW, now)
            spans = [(s.start, s.end) for s in segments]
            cond = gap_condition(camera.site, camera.id, spans,
                                 config.alerts.rules_for(camera.site), now)  # fmt: skip
            found += [cond] if cond else []
        self.gaps, self.gaps_at = found, now
        return found

    def _image(self, cond: Condition) -> bytes | None:
        """A snapshot where the picture is the news (tampering)."""
        if cond.rule is not Rule.TAMPERING or cond.camera is None:
            return None
        newest = newest_segments(self.rt.spool, cond.camera)
        return snapshot_jpeg(newest[0]) if newest else None


def build_alert_worker(rt: Runtime, environ: Mapping[str, str]) -> AlertWorker:
    """The worker as configured: the store beside the data, each channel with its
    secret (one whose secret is missing is logged, and its messages wait)."""
    config, data_dir = rt.config, rt.paths.data_dir
    store = SqliteAlertStore(data_dir / ALERTS_DB_NAME)
    store.initialize()
    channels = build_channels(config.alerts.channels, data_dir, environ, rt.clock.now)
    for name, channel in channels.items():
        if isinstance(channel, str):
            log.error("alert channel %s cannot send: %s", name, channel, extra={"key": name})
    limiter = SqliteLoginLimiter(rt.paths.users)
    limiter.initialize()
    local_index = config.uploader.ingest is IngestMode.LOCAL
    drills = None
    if local_index and config.drills.enabled:
        drills = build_drill_log(config.index, rt.paths)
        drills.initialize()
    return AlertWorker(rt, store, channels, local_index=local_index,
                       cloud=config.uploader.ingest is IngestMode.CLOUD,
                       logins=limiter.failures_since, drills=drills)  # fmt: skip
