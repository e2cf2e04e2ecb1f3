"""One-off alerts of the edge (nothing to clear): footage the spool-full policy
dropped, NVR files quarantined, failed restore drills, and the daily digest.

Counts are compared with the last look (the first look after a start only sets
the baseline, so a restart repeats nothing); drills are read since the last
look; a digest is sent once per site per day at ``digest_at`` on its clock (the
store remembers the last one across restarts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from edge_uploader.journal import Journal
from edge_uploader.journal.history import camera_history
from footage.alerts.checks import digest_due, grew
from footage.alerts.decide import Condition
from footage.alerts.models import AlertFilter, Rule
from footage.alerts.service import SiteInfo, send_note
from footage.alerts.store import AlertStore
from footage.config import Config
from footage.drills import DrillLog
from footage.notify.base import Severity
from footage.site_status import EdgeReport
from footage.watch_account import FileOutcome

log = logging.getLogger(__name__)
DAY = timedelta(days=1)


@dataclass(slots=True)
class Notes:
    config: Config
    store: AlertStore
    journal: Journal
    sites: dict[str, SiteInfo]
    drills: DrillLog | None = None
    counts: dict[str, int] = field(default_factory=dict)
    drills_seen: datetime | None = None

    def check(self, reports: dict[str, EdgeReport], now: datetime,
              ingest_quarantined: int = 0) -> int:  # fmt: skip
        """Send what is new; the number of notes sent. ``ingest_quarantined``: what
        this box's ingest worker quarantined or refused since it started (told
        under the first site it records)."""
        sent = 0
        for site, report in reports.items():
            dropped = self.journal_dropped(site)
            sent += self._grown(Rule.FOOTAGE_DROPPED, site, dropped, Severity.CRITICAL, now)
            sent += self._grown(Rule.QUARANTINE, site, quarantined(report), Severity.WARNING, now)
            sent += self._digest(site, report, now)
        if reports:
            first = min(reports)
            sent += self._grown(Rule.QUARANTINE, first, ingest_quarantined, Severity.WARNING, now,
                                counter="ingest")  # fmt: skip
        return sent + self._drills(now)

    def journal_dropped(self, site: str) -> int:
        cameras = [c.id for c in self.config.cameras if c.site == site]
        return sum(self.journal.stats.backlog(c).dropped for c in cameras)

    def _grown(self, rule: Rule, site: str, count: int, severity: Severity,
               now: datetime, counter: str = "") -> int:  # fmt: skip
        key = f"{rule.value}/{site}/{counter}"
        more = grew(self.counts.get(key), count)
        self.counts[key] = count
        if not more:
            return 0
        cond = Condition(rule, site, now, severity=severity, facts={"count": str(more)})
        send_note(self.store, self.config.alerts, self.sites, cond, now)
        return 1

    def _digest(self, site: str, report: EdgeReport, now: datetime) -> int:
        rules = self.config.alerts.rules_for(site)
        last = self.store.find(AlertFilter(sites=frozenset({site}), rule=Rule.DIGEST, limit=1))
        info = self.sites[site]
        if not digest_due(last[0].opened_at if last else None, rules.digest_at, info.timezone, now):
            return 0
        cameras = {c.id for c in self.config.cameras if c.site == site}
        history = camera_history(self.journal.db, now - DAY)
        recorded = sum(n for cam, (n, _) in history.recorded.items() if cam in cameras)
        facts = {"recorded": str(recorded), "waiting": str(report.backlog_count),
                 "uploaded": str(max(0, recorded - report.backlog_count)),
                 "dropped": str(self.journal_dropped(site)),
                 "quarantined": str(quarantined(report))}  # fmt: skip
        cond = Condition(Rule.DIGEST, site, now, severity=Severity.INFO, facts=facts)
        send_note(self.store, self.config.alerts, self.sites, cond, now)
        return 1

    def _drills(self, now: datetime) -> int:
        if self.drills is None:
            return 0
        since, self.drills_seen = self.drills_seen, now
        if since is None:
            return 0
        sent = 0
        for run in self.drills.runs_since(since):
            if run.failed:
                site = run.failed[0].site
                cond = Condition(Rule.DRILL_FAILED, site, now, severity=Severity.CRITICAL,
                                 facts={"count": str(len(run.failed))})  # fmt: skip
                send_note(self.store, self.config.alerts, self.sites, cond, now)
                sent += 1
        return sent


def quarantined(report: EdgeReport) -> int:
    return sum(w.counts.get(FileOutcome.QUARANTINED.value, 0) for w in report.watch_folders)
