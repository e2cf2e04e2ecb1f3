"""The audit trail in the footage table (DynamoDB), one partition per UTC day.

Items expire through the table's TTL (``expires_at``) after AUDIT_RETENTION.
A query walks the days of its range newest first, so a busy day costs one
partition read per page.

Hash-chained (footage.audit_chain): the head item (``AUDIT#HEAD``) holds the
last event's seq and hash and the genesis. An event is one TransactWriteItems of
two items: the head moved under the condition that its seq is still the one read,
and the event put. A writer that lost the race reads the head again and retries.
Cost per event: one strongly consistent GetItem (1 read unit) and a transaction of
two items under 1 KB (2 x 2 write units): about $5.3 per million events on demand
in us-east-1, against $1.25 before the chain. The head is one item: fine for an
audit trail's rate (DynamoDB takes ~1,000 writes a second on one item).
"""

from __future__ import annotations

import heapq
import json
import random
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from footage.adapters.dynamodb import sdk_errors
from footage.adapters.dynamodb_models import (
    AuditHeadItem,
    AuditItem,
    audit_pk,
    bind_models,
    iso,
    parse_iso,
)
from footage.audit import AUDIT_RETENTION, AuditAction, AuditEvent, AuditLog
from footage.audit_chain import (
    ChainedEvent,
    ChainView,
    Genesis,
    Link,
    chain_next,
    genesis_from_json,
)
from footage.clock import Clock, SystemClock
from footage.errors import CatalogError

HEAD_PK, HEAD_SK = "AUDIT#HEAD", "HEAD"
#: Attempts of one event when other writers keep moving the head.
RECORD_ATTEMPTS = 20
#: TTL deletes within about two days of expiry: an older first event may follow expired ones.
TTL_SLACK = timedelta(days=3)


class DynamoAuditLog(AuditLog):
    def __init__(
        self,
        table: str,
        region: str,
        endpoint_url: str | None = None,
        clock: Clock | None = None,
        retention: timedelta = AUDIT_RETENTION,
    ) -> None:
        """``retention``: how long events are kept (their TTL), so also how far back
        the chain's genesis counts the events written before it."""
        models = bind_models(table, region, endpoint_url)
        self._retention = retention
        self._item, self._head = models.audit, models.audit_head
        self._connection = Connection(region=region, host=endpoint_url)
        self._clock = clock or SystemClock()

    def initialize(self) -> None:
        """The table belongs to the catalog (DynamoCatalog.initialize or the CDK stack)."""

    def record(self, event: AuditEvent) -> None:
        for attempt in range(RECORD_ATTEMPTS):
            with sdk_errors("read the audit chain's head"):
                head = self._read_head()
            if self._append(head, event):
                return
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        raise CatalogError(f"audit event not recorded: the chain's head moved {RECORD_ATTEMPTS}x")

    def _append(self, head: AuditHeadItem | None, event: AuditEvent) -> bool:
        """One transaction: False when another writer moved the head first."""
        if head is None:
            genesis = Genesis(event.at, self._count_unchained(event.at))
            link = genesis.link
        else:
            link = Link(int(head.seq), head.hash)
        chained = chain_next(link, event)
        try:
            with TransactWrite(connection=self._connection) as tx:
                if head is None:
                    new = self._head(HEAD_PK, HEAD_SK, seq=chained.seq, hash=chained.hash,
                                     genesis=json.dumps(genesis.to_json()))  # fmt: skip
                    tx.save(new, condition=self._head.pk.does_not_exist())
                else:
                    tx.update(head, [self._head.seq.set(chained.seq),
                                     self._head.hash.set(chained.hash)],
                              condition=self._head.seq == link.seq)  # fmt: skip
                tx.save(self._event_item(chained), condition=self._item.pk.does_not_exist())
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                return False
            raise CatalogError(f"could not record an audit event in DynamoDB: {exc}") from exc
        return True

    def _event_item(self, chained: ChainedEvent) -> AuditItem:
        event = chained.event
        return self._item(
            audit_pk(event.at.date()), f"{iso(event.at)}#{chained.seq:012d}",
            username=event.username, action=event.action.value, camera=event.camera,
            site=event.site, client=event.client,
            start=iso(event.start) if event.start else None,
            end=iso(event.end) if event.end else None,
            detail=event.detail or None,
            expires_at=event.at + self._retention, seq=chained.seq, prev=chained.prev,
        )  # fmt: skip

    def _read_head(self) -> AuditHeadItem | None:
        try:
            return self._head.get(HEAD_PK, HEAD_SK, consistent_read=True)
        except self._head.DoesNotExist:
            return None

    def _count_unchained(self, at: datetime) -> int:
        """Events an older version wrote (once, when the chain begins): one COUNT
        query per day of the retention, 16 at a time."""
        days = [at.date() - timedelta(days=n) for n in range(self._retention.days + 1)]
        with sdk_errors("count the audit events before the chain"):
            first = self._item.count(audit_pk(days[0]))  # makes the client once, not per thread
            with ThreadPoolExecutor(16) as pool:
                return first + sum(pool.map(lambda d: self._item.count(audit_pk(d)), days[1:]))

    def query(self, start: datetime, end: datetime, limit: int) -> list[AuditEvent]:
        events: list[AuditEvent] = []
        day = (end - timedelta(microseconds=1)).date()
        with sdk_errors("read the audit trail"):
            while day >= start.date() and len(events) < limit:
                items = self._item.query(
                    audit_pk(day),
                    self._item.sk.between(iso(start), iso(end)),
                    scan_index_forward=False,
                    limit=limit - len(events),
                )
                events.extend(
                    _event(item) for item in items if start <= parse_iso(item.sk[:24]) < end
                )
                day -= timedelta(days=1)
        return events[:limit]

    @contextmanager
    def chain_view(self, since: datetime | None = None) -> Iterator[ChainView]:
        """The days from the one before ``since`` (or the genesis) to today, merged
        into seq order two days at a time (a clock a little off near midnight puts
        an event in the day before or after its seq)."""
        now = self._clock.now()
        with sdk_errors("read the audit chain"):
            head = self._read_head()
            if head is None:
                yield ChainView(None, None, lambda: None, ())
                return
            genesis = genesis_from_json(json.loads(head.genesis))
            first = (since or genesis.at).date() - timedelta(days=1)
            strays: list[AuditEvent] = []
            days = (first + timedelta(days=n) for n in range((now.date() - first).days + 1))
            events = _merged(self._chained(self._item.query(audit_pk(d)), genesis, strays)
                             for d in days)  # fmt: skip
            yield ChainView(genesis, Link(int(head.seq), head.hash), self._head_link, events,
                            strays=strays, partial=since is not None,
                            expired_before=now - self._retention + TTL_SLACK)  # fmt: skip

    def _head_link(self) -> Link | None:
        with sdk_errors("read the audit chain's head"):
            head = self._read_head()
        return None if head is None else Link(int(head.seq), head.hash)

    @staticmethod
    def _chained(
        items: Iterable[AuditItem], genesis: Genesis, strays: list[AuditEvent]
    ) -> list[ChainedEvent]:
        """A day's chained events in seq order; its unchained ones since the
        genesis go to ``strays``."""
        day: list[ChainedEvent] = []
        for item in items:
            event = _event(item)
            if item.seq is None or item.prev is None:
                if event.at >= genesis.at:
                    strays.append(event)
            else:
                day.append(ChainedEvent(int(item.seq), item.prev, event))
        return sorted(day, key=lambda c: c.seq)


def _merged(days: Iterable[list[ChainedEvent]]) -> Iterator[ChainedEvent]:
    """Seq order across days, holding at most two days: what is below the next
    day's lowest seq is out before that day goes in."""
    pending: list[tuple[int, int, ChainedEvent]] = []
    tie = 0
    for day in days:
        if day:
            while pending and pending[0][0] < day[0].seq:
                yield heapq.heappop(pending)[2]
        for event in day:
            tie += 1
            heapq.heappush(pending, (event.seq, tie, event))
    while pending:
        yield heapq.heappop(pending)[2]


def _event(item: AuditItem) -> AuditEvent:
    return AuditEvent(
        at=parse_iso(item.sk[:24]), username=item.username, action=AuditAction(item.action),
        camera=item.camera, site=item.site, client=item.client,
        start=parse_iso(item.start) if item.start else None,
        end=parse_iso(item.end) if item.end else None,
        detail=item.detail or "",
    )  # fmt: skip
