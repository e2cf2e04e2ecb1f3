"""From conditions to recorded alerts and queued messages (one transaction each).

``apply`` runs the pure decisions (footage.alerts.decide) against the open
alerts of the rules an evaluator checks, renders each message for each
recipient (language, site clock) and records the alert with its outbox rows.
``send_note`` records a one-off (test, digest, dropped footage).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from footage.alerts.config import AlertsConfig
from footage.alerts.decide import Condition, decide, schedule
from footage.alerts.messages import render
from footage.alerts.models import AlertRecord, Event, Rule
from footage.alerts.store import AlertStore, Queued
from footage.notify.base import Language, OutgoingMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SiteInfo:
    name: str
    timezone: str
    cameras: Mapping[str, str] = field(default_factory=dict)  # id -> name, for messages

    def camera_name(self, camera: str | None) -> str:
        return "" if camera is None else self.cameras.get(camera, camera)


@dataclass(frozen=True, slots=True)
class Applied:
    opened: list[AlertRecord]
    cleared: list[AlertRecord]


def new_alert_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def apply(store: AlertStore, config: AlertsConfig, sites: Mapping[str, SiteInfo],
          conditions: list[Condition], owns: Callable[[str], bool], now: datetime,
          image_for: Callable[[Condition], bytes | None] = lambda c: None) -> Applied:  # fmt: skip
    """``owns(key)``: whether this evaluator checks the rule behind an open alert's
    key (only those may be cleared by the absence of their condition)."""
    open_alerts = store.open_keys()
    decisions = decide([k for k in open_alerts if owns(k)], conditions, now)
    opened = []
    for c in decisions.opens:
        alert = _record(c, sites, now)
        queued = _queue(config, sites, alert, Event.OPEN, c.facts, now, image_for(c), c.since)
        if store.open_alert(alert, queued):
            opened.append(alert)
            log.warning("alert: %s", alert.message, extra={"site": c.site, "camera": c.camera,
                                                           "key": c.key})  # fmt: skip
    cleared = []
    for key in decisions.clears:
        was = open_alerts[key]
        subject = key.split("/", 2)[2] if key.count("/") >= 2 else ""
        facts = {"user": subject}
        queued = _queue(config, sites, was, Event.CLEAR, facts, now)
        done = store.clear_alert(key, now, queued)
        if done is not None:
            cleared.append(done)
            log.info("alert cleared: %s", key, extra={"site": was.site, "camera": was.camera,
                                                      "key": key})  # fmt: skip
    return Applied(opened, cleared)


def send_note(store: AlertStore, config: AlertsConfig, sites: Mapping[str, SiteInfo],
              condition: Condition, now: datetime, image: bytes | None = None,
              hold_until: datetime | None = None) -> AlertRecord:  # fmt: skip
    """``hold_until``: no sender takes its messages before then (the caller sends them)."""
    alert = _record(condition, sites, now, cleared=True)
    queued = _queue(config, sites, alert, Event.NOTE, condition.facts, now, image)
    if hold_until is not None:
        queued = [Queued(q.event, q.message, hold_until) for q in queued]
    store.note(alert, queued)
    return alert


def _record(c: Condition, sites: Mapping[str, SiteInfo], now: datetime,
            cleared: bool = False) -> AlertRecord:  # fmt: skip
    site = sites.get(c.site, SiteInfo(c.site, "UTC"))
    event = Event.NOTE if cleared else Event.OPEN
    facts = {**c.facts, "camera": site.camera_name(c.camera)}
    _, text = render(c.rule, event, Language.EN, facts, site=site.name, timezone=site.timezone,
                     at=now, since=c.since)  # fmt: skip
    return AlertRecord(id=new_alert_id(now), key=c.key, rule=c.rule, site=c.site,
                       camera=c.camera, severity=c.severity, opened_at=now, message=text,
                       cleared_at=now if cleared else None)  # fmt: skip


def _queue(config: AlertsConfig, sites: Mapping[str, SiteInfo], alert: AlertRecord,
           event: Event, facts: Mapping[str, str], now: datetime, image: bytes | None = None,
           since: datetime | None = None) -> list[Queued]:  # fmt: skip
    site = sites.get(alert.site, SiteInfo(alert.site, "UTC"))
    facts = {**facts, "camera": site.camera_name(alert.camera)}
    out = []
    for recipient, not_before in schedule(config.recipients, alert.rule, alert.site,
                                          alert.severity, event, now):  # fmt: skip
        subject, text = render(alert.rule, event, recipient.language, facts, site=site.name,
                               timezone=site.timezone, at=now, since=since)  # fmt: skip
        msg = OutgoingMessage(channel=recipient.channel, recipient=recipient.address,
                              subject=subject, text=text, language=recipient.language,
                              severity=alert.severity, image=image)  # fmt: skip
        out.append(Queued(event, msg, not_before))
    return out


def all_keys(rules: Iterable[Rule]) -> Callable[[str], bool]:
    """``owns`` for an evaluator that checks ``rules`` (at every site)."""
    prefixes = tuple(f"{r.value}/" for r in rules)
    return lambda key: key.startswith(prefixes)
