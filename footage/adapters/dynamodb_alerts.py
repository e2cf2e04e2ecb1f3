"""Alerts, their deliveries and the outbox in the footage table (DynamoDB).

Items (all expire by TTL after ALERT_RETENTION):

- ``ALERTS#<yyyy-mm>`` / ``<opened>#<id>``: an alert (its fixed fields as JSON in
  ``doc``; cleared and acknowledged as attributes, so each is one conditional
  update). Its deliveries sort right after it: ``<opened>#<id>#D<delivery id>``,
  so a month of the Alerts page is one Query, deliveries included.
- ``ALERTS#OPEN`` / ``<alert key>``: the open incident of that key. Put under
  ``attribute_not_exists``: the same condition never opens twice, even when two
  evaluations race.
- ``ALERTS#ID`` / ``<id>``: where an alert is (acknowledge and get by id).
- ``ALERTS#OUTBOX`` / ``<delivery id>``: a delivery still to send (with its image),
  deleted once delivered or given up.

Opening or clearing an alert and queueing its messages is one transaction, so
a Lambda killed after deciding loses nothing (footage.alerts.store). Alerts are
rare (a fleet raises tens a day), so a month is a small partition.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import BinaryAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from footage.adapters.dynamodb import sdk_errors
from footage.adapters.dynamodb_models import bind_model, iso, parse_iso
from footage.alerts.models import (
    AlertFilter,
    AlertRecord,
    DeliveryRecord,
    DeliveryStatus,
    Event,
    Rule,
)
from footage.alerts.store import AlertStore, Queued
from footage.errors import CatalogError
from footage.notify.base import Language, Severity

OPEN_PK, ID_PK, OUTBOX_PK = "ALERTS#OPEN", "ALERTS#ID", "ALERTS#OUTBOX"
#: How long alerts and their deliveries are kept.
ALERT_RETENTION = timedelta(days=400)
#: A snapshot larger than this is not kept in the outbox (an item holds 400 KB).
MAX_IMAGE_BYTES = 300_000
#: TransactWriteItems takes 100 items: an alert's 3, and 2 per message.
MAX_MESSAGES = 45
_FAILED_CONDITION = "ConditionalCheckFailedException"
#: A queued delivery waits PENDING until its ``next_attempt_at`` (quiet hours too).
PENDING = DeliveryStatus.PENDING.value


class AlertRowItem(Model):
    """Every alert item shares this shape (see the module docstring)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    doc = UnicodeAttribute(null=True)  # the alert's or the delivery's fixed fields
    at_pk = UnicodeAttribute(null=True)  # pointers: where the alert (or delivery) is
    at_sk = UnicodeAttribute(null=True)
    cleared_at = UnicodeAttribute(null=True)
    acknowledged_by = UnicodeAttribute(null=True)
    acknowledged_at = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)  # a delivery's
    attempts = NumberAttribute(null=True)
    next_attempt_at = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    image = BinaryAttribute(null=True, legacy_encoding=False)
    expires_at = TTLAttribute(null=True)


def month_pk(at: datetime) -> str:
    return f"ALERTS#{at:%Y-%m}"


def _new_delivery_id() -> int:
    """Unique without a counter: microseconds and a random tail (fits 63 bits)."""
    return time.time_ns() // 1000 * 1000 + random.randrange(1000)


class DynamoAlertStore(AlertStore):
    def __init__(self, table: str, region: str, endpoint_url: str | None = None) -> None:
        self._item = bind_model(AlertRowItem, table, region, endpoint_url)
        self._connection = Connection(region=region, host=endpoint_url)

    def initialize(self) -> None:
        """The table belongs to the catalog (DynamoCatalog.initialize or the CDK stack)."""

    # -- writes ----------------------------------------------------------------

    def open_alert(self, alert: AlertRecord, messages: list[Queued]) -> bool:
        home = self._alert_item(alert)
        pointer = self._item(OPEN_PK, alert.key, doc=home.doc, at_pk=home.pk, at_sk=home.sk,
                             expires_at=alert.opened_at + ALERT_RETENTION)  # fmt: skip
        return self._transact("open an alert", alert, home, messages, opened=pointer)

    def note(self, alert: AlertRecord, messages: list[Queued]) -> None:
        noted = alert if alert.cleared_at else replace(alert, cleared_at=alert.opened_at)
        self._transact("record an alert", noted, self._alert_item(noted), messages)

    def clear_alert(self, key: str, at: datetime, messages: list[Queued]) -> AlertRecord | None:
        with sdk_errors("read an open alert"):
            pointer = self._get(OPEN_PK, key)
        if pointer is None:
            return None
        alert = replace(_alert(pointer), cleared_at=at)
        deliveries = self._deliveries(alert, pointer.at_pk or "", pointer.at_sk or "", messages)
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.delete(pointer, condition=self._item.pk.exists())
                home = self._item(pointer.at_pk, pointer.at_sk)
                tx.update(home, [self._item.cleared_at.set(iso(at))],
                          condition=self._item.pk.exists())  # fmt: skip
                for item in deliveries:
                    tx.save(item)
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                return None  # another evaluation cleared it first
            raise CatalogError(f"could not clear an alert in DynamoDB: {exc}") from exc
        return alert

    def acknowledge(self, alert_id: str, user: str, at: datetime) -> AlertRecord | None:
        with sdk_errors("acknowledge an alert"):
            where = self._get(ID_PK, alert_id)
            if where is None:
                return None
            home = self._item(where.at_pk, where.at_sk)
            try:
                home.update(
                    [self._item.acknowledged_by.set(user),
                     self._item.acknowledged_at.set(iso(at))],
                    condition=self._item.pk.exists() & self._item.acknowledged_by.does_not_exist(),
                )  # fmt: skip
            except UpdateError as exc:
                if exc.cause_response_code != _FAILED_CONDITION:
                    raise
        return self.get(alert_id)

    def record_attempt(
        self,
        delivery_id: int,
        status: DeliveryStatus,
        at: datetime,
        error: str = "",
        next_attempt_at: datetime | None = None,
    ) -> None:
        with sdk_errors("record a delivery attempt"):
            queued = self._get(OUTBOX_PK, _delivery_sk(delivery_id))
            if queued is None:
                return  # recorded already (a retry of this call)
            last_error = self._item.last_error
            actions: list[Action] = [
                self._item.status.set(status.value),
                self._item.attempts.add(1),
                last_error.set(error[:1000]) if error else last_error.remove(),
            ]
            if status is DeliveryStatus.DELIVERED:
                actions.append(self._item.delivered_at.set(iso(at)))
            if next_attempt_at is not None:
                actions.append(self._item.next_attempt_at.set(iso(next_attempt_at)))
            with TransactWrite(connection=self._connection) as tx:
                tx.update(self._item(queued.at_pk, queued.at_sk), actions)
                if status is DeliveryStatus.PENDING:
                    tx.update(queued, [self._item.next_attempt_at.set(iso(next_attempt_at or at))])
                else:
                    tx.delete(queued)

    # -- reads -------------------------------------------------------------------

    def open_keys(self) -> dict[str, AlertRecord]:
        with sdk_errors("read the open alerts"):
            return {item.sk: _alert(item) for item in self._item.query(OPEN_PK)}

    def get(self, alert_id: str) -> AlertRecord | None:
        with sdk_errors("read an alert"):
            where = self._get(ID_PK, alert_id)
            if where is None or not where.at_pk or not where.at_sk:
                return None
            rows = list(self._item.query(where.at_pk, self._item.sk.startswith(where.at_sk),
                                         consistent_read=True))  # fmt: skip
        found = _assemble(rows)
        return found[0] if found else None

    def find(self, flt: AlertFilter) -> list[AlertRecord]:
        until = flt.until or _now()
        since = flt.since or until - ALERT_RETENTION
        found: list[AlertRecord] = []
        month = until.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        with sdk_errors("read the alerts"):
            while month >= since.replace(day=1, hour=0, minute=0, second=0, microsecond=0):
                rows = self._item.query(month_pk(month), scan_index_forward=True)
                month_alerts = [a for a in _assemble(list(rows)) if _matches(a, flt, since, until)]
                found.extend(sorted(month_alerts, key=lambda a: a.opened_at, reverse=True))
                if len(found) >= flt.limit:
                    break
                month = (month - timedelta(days=1)).replace(day=1)
        return found[: flt.limit]

    def due(self, now: datetime, limit: int = 50) -> list[tuple[DeliveryRecord, bytes | None]]:
        with sdk_errors("read the outbox"):
            waiting = self._item.query(OUTBOX_PK, consistent_read=True)
            # as stored (iso rounds to the millisecond, maybe up): a message queued
            # for ``now`` is due at ``now``
            due_by = iso(now)
            queued = [i for i in waiting if i.next_attempt_at and i.next_attempt_at <= due_by]
            queued.sort(key=lambda item: int(item.sk))
            out: list[tuple[DeliveryRecord, bytes | None]] = []
            for item in queued[:limit]:
                home = self._get(item.at_pk or "", item.at_sk or "")
                if home is not None and home.status == PENDING:
                    out.append((_delivery(home), item.image))
            return out

    # -- internals ---------------------------------------------------------------

    def _get(self, pk: str, sk: str) -> AlertRowItem | None:
        try:
            return self._item.get(pk, sk, consistent_read=True)
        except self._item.DoesNotExist:
            return None

    def _alert_item(self, alert: AlertRecord) -> AlertRowItem:
        return self._item(
            month_pk(alert.opened_at), f"{iso(alert.opened_at)}#{alert.id}",
            doc=json.dumps(_alert_doc(alert)),
            cleared_at=iso(alert.cleared_at) if alert.cleared_at else None,
            expires_at=alert.opened_at + ALERT_RETENTION,
        )  # fmt: skip

    def _transact(
        self,
        action: str,
        alert: AlertRecord,
        home: AlertRowItem,
        messages: list[Queued],
        opened: AlertRowItem | None = None,
    ) -> bool:
        where = self._item(ID_PK, alert.id, at_pk=home.pk, at_sk=home.sk,
                           expires_at=alert.opened_at + ALERT_RETENTION)  # fmt: skip
        deliveries = self._deliveries(alert, home.pk, home.sk, messages)
        try:
            with TransactWrite(connection=self._connection) as tx:
                if opened is not None:
                    tx.save(opened, condition=self._item.pk.does_not_exist())
                tx.save(home, condition=self._item.pk.does_not_exist())
                tx.save(where, condition=self._item.pk.does_not_exist())
                for item in deliveries:
                    tx.save(item)
        except TransactWriteError as exc:
            if opened is not None and exc.cause_response_code == "TransactionCanceledException":
                return False  # open already (or this very alert written before)
            raise CatalogError(f"could not {action} in DynamoDB: {exc}") from exc
        return True

    def _deliveries(
        self, alert: AlertRecord, pk: str, sk: str, messages: list[Queued]
    ) -> list[AlertRowItem]:
        """Each message's delivery row (beside its alert) and outbox item."""
        if len(messages) > MAX_MESSAGES:
            raise CatalogError(f"an alert sends at most {MAX_MESSAGES} messages at once")
        expires = alert.opened_at + ALERT_RETENTION
        items = []
        for queued in messages:
            msg, number = queued.message, _new_delivery_id()
            image = msg.image if msg.image and len(msg.image) <= MAX_IMAGE_BYTES else None
            doc = {"id": number, "alert_id": alert.id, "event": queued.event.value,
                   "channel": msg.channel, "recipient": msg.recipient,
                   "language": msg.language.value, "subject": msg.subject, "text": msg.text,
                   "created_at": iso(_now()), "has_image": image is not None,
                   "severity": msg.severity.value}  # fmt: skip
            row_sk = f"{sk}#D{_delivery_sk(number)}"
            items.append(self._item(pk, row_sk, doc=json.dumps(doc), status=PENDING,
                                    attempts=0, next_attempt_at=iso(queued.not_before),
                                    expires_at=expires))  # fmt: skip
            items.append(self._item(OUTBOX_PK, _delivery_sk(number), at_pk=pk, at_sk=row_sk,
                                    next_attempt_at=iso(queued.not_before), image=image,
                                    expires_at=expires))  # fmt: skip
        return items


def _now() -> datetime:
    return datetime.now(UTC)


def _delivery_sk(delivery_id: int) -> str:
    return f"{delivery_id:019d}"


def _alert_doc(alert: AlertRecord) -> dict[str, object]:
    return {"id": alert.id, "key": alert.key, "rule": alert.rule.value, "site": alert.site,
            "camera": alert.camera, "severity": alert.severity.value,
            "opened_at": iso(alert.opened_at), "message": alert.message}  # fmt: skip


def _alert(item: AlertRowItem) -> AlertRecord:
    doc = json.loads(item.doc or "{}")
    return AlertRecord(
        id=doc["id"], key=doc["key"], rule=Rule(doc["rule"]), site=doc["site"],
        camera=doc["camera"], severity=Severity(doc["severity"]),
        opened_at=parse_iso(doc["opened_at"]), message=doc["message"],
        cleared_at=parse_iso(item.cleared_at) if item.cleared_at else None,
        acknowledged_by=item.acknowledged_by,
        acknowledged_at=parse_iso(item.acknowledged_at) if item.acknowledged_at else None,
    )  # fmt: skip


def _delivery(item: AlertRowItem) -> DeliveryRecord:
    doc = json.loads(item.doc or "{}")
    return DeliveryRecord(
        id=int(doc["id"]), alert_id=doc["alert_id"], event=Event(doc["event"]),
        channel=doc["channel"], recipient=doc["recipient"], language=Language(doc["language"]),
        subject=doc["subject"], text=doc["text"], status=DeliveryStatus(item.status),
        created_at=parse_iso(doc["created_at"]), attempts=int(item.attempts or 0),
        next_attempt_at=parse_iso(item.next_attempt_at) if item.next_attempt_at else None,
        delivered_at=parse_iso(item.delivered_at) if item.delivered_at else None,
        last_error=item.last_error or "", has_image=bool(doc.get("has_image")),
        severity=Severity(doc.get("severity", Severity.WARNING.value)),
    )  # fmt: skip


def _assemble(rows: list[AlertRowItem]) -> list[AlertRecord]:
    """A month's items in sort order: each alert, then its deliveries."""
    alerts: list[AlertRecord] = []
    for row in rows:
        if row.status is not None:  # only deliveries carry a status
            if alerts:
                last = alerts[-1]
                alerts[-1] = replace(last, deliveries=(*last.deliveries, _delivery(row)))
        else:
            alerts.append(_alert(row))
    return alerts


def _matches(alert: AlertRecord, flt: AlertFilter, since: datetime, until: datetime) -> bool:
    return (
        since <= alert.opened_at < until
        and (flt.sites is None or alert.site in flt.sites)
        and (flt.rule is None or alert.rule is flt.rule)
        and (not flt.open_only or alert.open)
        and (not flt.unacknowledged_only or alert.acknowledged_by is None)
    )
