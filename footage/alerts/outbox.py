"""Send what the outbox holds: each due delivery once, its outcome recorded.

A failure is tried again after a doubling wait (``retry_initial_s`` ..
``retry_max_s``) until ``max_attempts``; a permanent refusal (unknown chat,
refused address) is FAILED at once. A channel that cannot be built (its secret
is missing) counts as a retryable failure: fixing the secret lets it through.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from footage.alerts.config import AlertsConfig
from footage.alerts.decide import backoff
from footage.alerts.models import DeliveryRecord, DeliveryStatus
from footage.alerts.store import AlertStore
from footage.notify.base import Channel, Delivery, OutgoingMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Sent:
    delivery: DeliveryRecord
    outcome: Delivery
    status: DeliveryStatus


def message_of(row: DeliveryRecord, image: bytes | None) -> OutgoingMessage:
    return OutgoingMessage(channel=row.channel, recipient=row.recipient, subject=row.subject,
                           text=row.text, language=row.language, severity=row.severity,
                           image=image)  # fmt: skip


def send_one(channels: Mapping[str, Channel | str], row: DeliveryRecord,
             image: bytes | None) -> Delivery:  # fmt: skip
    channel = channels.get(row.channel)
    if channel is None:
        return Delivery.failed(f"no channel {row.channel!r} configured", retryable=False)
    if isinstance(channel, str):
        return Delivery.failed(channel)
    try:
        return channel.send(message_of(row, image))
    except Exception as exc:  # a channel must not take the sender down with it
        log.exception("channel %s raised", row.channel, extra={"key": row.alert_id})
        return Delivery.failed(f"{type(exc).__name__}: {exc}"[:300])


def deliver_due(store: AlertStore, channels: Mapping[str, Channel | str], config: AlertsConfig,
                now: datetime, limit: int = 50) -> list[Sent]:  # fmt: skip
    sent = []
    for row, image in store.due(now, limit):
        outcome = send_one(channels, row, image)
        attempts = row.attempts + 1
        if outcome.delivered:
            status, retry_at = DeliveryStatus.DELIVERED, None
        elif not outcome.retryable or attempts >= config.max_attempts:
            status, retry_at = DeliveryStatus.FAILED, None
        else:
            wait = backoff(attempts, config.retry_initial_s, config.retry_max_s)
            status, retry_at = DeliveryStatus.PENDING, now + wait
        store.record_attempt(row.id, status, now, outcome.error, retry_at)
        ctx = {"key": row.alert_id}
        if outcome.delivered:
            log.info("alert delivered via %s (attempt %d)", row.channel, attempts, extra=ctx)
        else:
            log.warning("alert delivery via %s failed (attempt %d, %s): %s", row.channel,
                        attempts, status.value, outcome.error, extra=ctx)  # fmt: skip
        sent.append(Sent(row, outcome, status))
    return sent
