"""One evaluation of the fleet's alert rules from the sites' edge reports, then
the outbox: what the alerts Lambda runs every minute in AWS (and HO's ``vms up``
for the branches it sees).

Reports are read with one listing of ``status/``; a report whose ETag has not
changed since the last run (:class:`ReportCache`, kept by a warm container or
the long-running process) is not read again, so a minute costs one LIST and a
GET per site that wrote since (edges write on change and every 10 minutes).
The alerts go through footage.alerts.service (recorded with their messages in
one write), then the due messages through the channels.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from footage.alerts.outbox import Sent, deliver_due
from footage.alerts.reports import REPORT_RULES, report_conditions, silent_sites
from footage.alerts.service import SiteInfo, all_keys, apply
from footage.alerts.store import AlertStore
from footage.config import Config
from footage.keys import STATUS_PREFIX, build_status_key
from footage.notify.base import Channel
from footage.services.site_status import read_edge_report
from footage.site_status import EdgeReport
from footage.storage import Storage

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ReportCache:
    """The reports read before, by site, with the ETag they were read at."""

    seen: dict[str, tuple[str | None, EdgeReport]] = field(default_factory=dict)
    reads: int = 0  # GETs made (for the log line and the tests)


@dataclass(frozen=True, slots=True)
class FleetRun:
    silent: list[str]  # sites silent past their threshold (the SitesSilent metric)
    opened: int
    cleared: int
    sent: list[Sent]
    reports_read: int


def read_reports(storage: Storage, config: Config, cache: ReportCache) -> dict[str, EdgeReport]:
    """Each configured site's newest report (sites without one are left out)."""
    etags = {info.key: info.etag for info in storage.list(STATUS_PREFIX)}
    found: dict[str, EdgeReport] = {}
    for site in config.sites:
        key = build_status_key(site.id)
        if key not in etags:
            cache.seen.pop(site.id, None)
            continue
        known = cache.seen.get(site.id)
        if known is not None and known[0] is not None and known[0] == etags[key]:
            found[site.id] = known[1]
            continue
        report = _read(storage, key, site.id)
        if report is not None:
            cache.seen[site.id] = (etags[key], report)
            cache.reads += 1
            found[site.id] = report
    return found


def _read(storage: Storage, key: str, site: str) -> EdgeReport | None:
    """The site's report as the status page reads it, unless it names another site."""
    report = read_edge_report(storage, site)
    if report is not None and report.site != site:
        log.warning("a report under another site's key", extra={"site": site, "key": key})
        return None
    return report


def evaluate_fleet(
    config: Config,
    storage: Storage,
    store: AlertStore,
    channels: Mapping[str, Channel | str],
    now: datetime,
    cache: ReportCache,
) -> FleetRun:
    before = cache.reads
    reports = read_reports(storage, config, cache)
    conditions = report_conditions(config, dict(reports), now)
    sites = {s.id: SiteInfo(s.name, s.timezone) for s in config.sites}
    applied = apply(store, config.alerts, sites, conditions, all_keys(REPORT_RULES), now)
    sent = deliver_due(store, channels, config.alerts, now)
    return FleetRun(silent_sites(conditions, now), len(applied.opened), len(applied.cleared),
                    sent, cache.reads - before)  # fmt: skip
