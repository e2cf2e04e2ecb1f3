"""Pure decisions: which incidents open or clear now, grouped, and who hears when.

An evaluator observes :class:`Condition` s (what is wrong now, and since when);
``decide`` turns them and the open alerts into opens and clears: one message
per incident when it has lasted its threshold, one when it is over, none while
it goes on. ``group_site_down`` folds a site whose every camera is offline
into one SITE_DOWN incident. ``schedule`` says which recipients hear of an
alert and from when (quiet hours hold all but critical alerts to their end).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from footage.alerts.config import QuietHours, Recipient
from footage.alerts.models import Event, Rule, alert_key
from footage.localtime import site_zone
from footage.notify.base import Severity

_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


@dataclass(frozen=True, slots=True)
class Condition:
    """Something wrong now. ``since``: when it began; it opens an incident once it
    has lasted ``threshold``. ``grouped``: folded into a bigger incident (keeps its
    own open alert open, opens none). ``facts``: what the message says."""

    rule: Rule
    site: str
    since: datetime
    threshold: timedelta = timedelta(0)
    camera: str | None = None
    subject: str = ""  # what within the site (default: the camera)
    severity: Severity = Severity.WARNING
    facts: Mapping[str, str] = field(default_factory=dict)
    grouped: bool = False

    @property
    def key(self) -> str:
        return alert_key(self.rule, self.site, self.subject or self.camera or "")


@dataclass(frozen=True, slots=True)
class Decisions:
    opens: list[Condition]
    clears: list[str]  # keys of open alerts whose condition is over


def decide(open_keys: Iterable[str], conditions: Iterable[Condition], now: datetime) -> Decisions:
    """``open_keys``: the open alerts of the rules this evaluator checks (others are
    not its to clear). A condition still under its threshold keeps an open alert
    open (a flapping camera does not clear and reopen), and opens none."""
    active = {c.key: c for c in conditions}
    opened = set(open_keys)
    opens = [c for key, c in sorted(active.items())
             if key not in opened and not c.grouped and now - c.since >= c.threshold]  # fmt: skip
    clears = sorted(opened - active.keys())
    return Decisions(opens, clears)


def group_site_down(
    conditions: list[Condition], cameras: Mapping[str, set[str]]
) -> list[Condition]:
    """``cameras``: per site, the cameras it records. When all of a site's cameras
    are offline: one SITE_DOWN (since the last went down, critical) and the
    cameras' conditions grouped under it."""
    offline: dict[str, list[Condition]] = {}
    for c in conditions:
        if c.rule is Rule.CAMERA_OFFLINE:
            offline.setdefault(c.site, []).append(c)
    out = list(conditions)
    for site, down in offline.items():
        if len(cameras.get(site, ())) < 2 or {c.camera for c in down} != cameras[site]:
            continue
        out = [replace(c, grouped=True) if c in down else c for c in out]
        since = max(c.since for c in down)
        out.append(Condition(Rule.SITE_DOWN, site, since, down[0].threshold,
                             severity=Severity.CRITICAL,
                             facts={"cameras": str(len(down))}))  # fmt: skip
    return out


def in_quiet_hours(quiet: QuietHours, local: datetime) -> bool:
    now = local.timetz().replace(tzinfo=None)
    if quiet.start <= quiet.end:
        return quiet.start <= now < quiet.end
    return now >= quiet.start or now < quiet.end  # across midnight


def quiet_until(recipient: Recipient, severity: Severity, now: datetime) -> datetime:
    """When a message may go to ``recipient``: now, or the end of their quiet hours
    (critical alerts are sent at once)."""
    quiet = recipient.quiet_hours
    if quiet is None or severity is Severity.CRITICAL:
        return now
    local = now.astimezone(site_zone(recipient.timezone))
    if not in_quiet_hours(quiet, local):
        return now
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


def schedule(recipients: Iterable[Recipient], rule: Rule, site: str, severity: Severity,
             event: Event, now: datetime) -> list[tuple[Recipient, datetime]]:  # fmt: skip
    """Who hears of this alert, and from when: the recipients of the site whose
    minimum severity it reaches (the digest: those who want it; a test: all)."""
    out = []
    for r in recipients:
        if rule is Rule.TEST:
            out.append((r, now))
            continue
        if r.sites is not None and site not in r.sites:
            continue
        if rule is Rule.DIGEST:
            if r.digest:
                out.append((r, quiet_until(r, Severity.INFO, now)))
            continue
        if _RANK[severity] < _RANK[r.min_severity]:
            continue
        out.append((r, quiet_until(r, severity, now)))
    return out


def backoff(attempts: int, initial_s: float, max_s: float) -> timedelta:
    """The wait after the ``attempts``-th failed try: doubling from ``initial_s``."""
    return timedelta(seconds=min(max_s, initial_s * 2 ** min(max(0, attempts - 1), 64)))
