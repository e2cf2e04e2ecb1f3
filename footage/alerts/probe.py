"""``vms alerts test``: a test message to each recipient of each channel, sent
now (not through the outbox: a running ``vms up`` must not send it too) and
recorded like any alert, with each delivery's outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from footage.alerts.config import AlertsConfig
from footage.alerts.decide import Condition
from footage.alerts.models import DeliveryStatus, Rule
from footage.alerts.outbox import send_one
from footage.alerts.service import SiteInfo, send_note
from footage.alerts.store import AlertStore
from footage.notify.base import Channel, Severity

#: Queued this far ahead so no running sender takes them; sent here at once.
_HOLD = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class TestResult:
    channel: str
    recipient: str  # the recipient's name
    address: str
    delivered: bool
    error: str


def send_test(store: AlertStore, config: AlertsConfig, channels: Mapping[str, Channel | str],
              sites: Mapping[str, SiteInfo], site: str, only: str | None,
              now: datetime) -> list[TestResult]:  # fmt: skip
    """ValueError when ``only`` is not a configured channel."""
    if only is not None and only not in config.channels:
        raise ValueError(
            f"no channel {only!r} (configured: {', '.join(config.channels) or 'none'})"
        )
    chosen = config.model_copy(update={"recipients": [
        r for r in config.recipients if only is None or r.channel == only]})  # fmt: skip
    test = Condition(Rule.TEST, site, now, severity=Severity.INFO)
    alert = send_note(store, chosen, sites, test, now, hold_until=now + _HOLD)
    names = {(r.channel, r.address): r.name for r in chosen.recipients}
    recorded = store.get(alert.id)
    assert recorded is not None
    out = []
    for row in recorded.deliveries:
        outcome = send_one(channels, row, None)
        status = DeliveryStatus.DELIVERED if outcome.delivered else DeliveryStatus.FAILED
        store.record_attempt(row.id, status, now, outcome.error)
        out.append(TestResult(row.channel, names.get((row.channel, row.recipient), "?"),
                              row.recipient, outcome.delivered, outcome.error))  # fmt: skip
    return out
