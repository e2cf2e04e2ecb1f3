"""The footage index in one DynamoDB table (PynamoDB), for the serverless deployment.

Table design (on-demand billing; the item classes are in dynamodb_models):

=============  ===========================  =====================================
item           pk                           sk
=============  ===========================  =====================================
segment        ``CAM#<camera>``             ``SEG#<start>``
camera totals  ``TOTAL#CAM#<camera>``       ``TOTAL``  (segments, bytes, seconds, site)
site totals    ``TOTAL#SITE#<site>``        ``TOTAL``  (segments, bytes, seconds)
protection     ``PROTECTIONS``              ``<camera>#<start>#<end>``
camera         ``CAMERAS``                  ``<camera>``  (registry for cameras())
=============  ===========================  =====================================

Times are fixed-width UTC ISO-8601 with milliseconds (``2026-11-25T19:56:00.000Z``),
so string order is time order. A segment item carries every Segment field and:

- ``expires_at``: epoch seconds, the table's TTL attribute (enabled by
  ``initialize``). Absent when the segment is protected or has no expiry.
  DynamoDB TTL deletes the row within ~48 h of expiry, without touching S3,
  so the retention sweep must run first: it lists due rows, deletes the
  objects, then the rows. TTL is the backstop for rows the sweep missed.
- GSI ``by_site_day``: ``gsi1pk = SITE#<site>#<UTC date of start>``,
  ``gsi1sk = <start>#<camera>`` (site + day search).
- sparse GSI ``by_expiry``: ``gsi2pk = EXP#<UTC date of expiry>``,
  ``gsi2sk = <expiry>#<camera>#<start>``; only set while ``expires_at`` is.

Totals change in the same TransactWriteItems as the segment row: a new row is
a conditional put (the row must not exist) plus ADDs to both totals; a
replacement is a put conditioned on the old row's size, end and site plus
ADDs of the difference; a delete is the same kind of conditional delete plus
negative ADDs. A failed condition or a transaction conflict (many cameras of
one site share the site totals item) re-reads and retries.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice, takewhile
from typing import TypeVar
from uuid import uuid4

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.connection import Connection
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import PynamoDBException, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from footage.adapters.dynamodb_models import (
    CAMERAS_PK,
    PROTECTIONS_PK,
    TOTAL_SK,
    SegmentItem,
    bind_models,
    camera_total_pk,
    expiry_pk,
    iso,
    segment_pk,
    segment_sk,
    site_day_pk,
    site_total_pk,
    to_item,
    to_protection,
    to_protection_item,
    to_segment,
)
from footage.catalog import Catalog
from footage.errors import CatalogError
from footage.models import Protection, Segment, SegmentStatus, Totals

#: Before any footage: the low end of a camera's sort-key range.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: list_expired looks this many days back. TTL removes rows ~48 h after expiry,
#: and the sweep runs daily, so older expiry buckets are empty in practice.
EXPIRY_LOOKBACK_DAYS = 60
#: Attempts of one write when a condition fails or transactions conflict.
WRITE_ATTEMPTS = 6
_RETRY_CODES = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_PAGE = 500
_T = TypeVar("_T")


class DynamoCatalog(Catalog):
    def __init__(self, table: str, region: str, endpoint_url: str | None = None) -> None:
        self.table = table
        self.region = region
        self.endpoint_url = endpoint_url
        self._models = bind_models(table, region, endpoint_url)  # classes only: no I/O
        self._connection: Connection | None = None
        self._registered: set[str] = set()  # cameras whose registry item this process wrote

    def initialize(self) -> None:
        seg = self._models.segment
        with sdk_errors("create the table"):
            if not seg.exists():
                seg.create_table(
                    wait=True,
                    billing_mode=PAY_PER_REQUEST_BILLING_MODE,
                    ignore_update_ttl_errors=True,  # checked just below
                )
            self._ensure_ttl()

    def put_segment(self, segment: Segment) -> bool:
        def attempt() -> bool:
            old = self._get(*segment.identity)
            self._write(segment, old)
            return old is None

        return _retrying("put a segment", attempt)

    def add_segment(self, segment: Segment) -> bool:
        def attempt() -> bool:
            if self._get(*segment.identity) is not None:
                return False
            self._write(segment, None)  # conditional: a racing add makes this a retry
            return True

        return _retrying("add a segment", attempt)

    def replace_segment(self, segment: Segment, expected: Segment) -> bool:
        def attempt() -> bool:
            old = self._get(*segment.identity)
            if old is None or (old.key, old.sha256) != (expected.key, expected.sha256):
                return False
            self._write(segment, old)
            return True

        return _retrying("replace a segment", attempt)

    def get_segment(self, camera: str, start: datetime, variant: str = "") -> Segment | None:
        with sdk_errors("get a segment"):
            return self._get(camera, start, variant)

    def query_camera(
        self, camera: str, start: datetime, end: datetime, *, include_quarantined: bool = False
    ) -> list[Segment]:
        with sdk_errors("query a camera"):
            found = self._overlapping(camera, start, end, consistent=False)
            if not include_quarantined:
                return [s for s in found if s.status is SegmentStatus.OK]
            found += self._variants(camera, start, end, consistent=False)
        return sorted(found, key=lambda s: (s.start, s.variant))

    def latest_segment(self, camera: str) -> Segment | None:
        seg = self._models.segment
        with sdk_errors("read the newest segment"):
            # newest first; quarantined rows are rare, so a small page finds one
            for item in seg.query(segment_pk(camera), SegmentItem.sk.startswith("SEG#"),
                                  scan_index_forward=False, page_size=10):  # fmt: skip
                segment = to_segment(item)
                if segment.status is SegmentStatus.OK:
                    return segment
        return None

    def query_site(
        self, site: str, start: datetime, end: datetime, *, include_quarantined: bool = False
    ) -> list[Segment]:
        index, found = self._models.segment.by_site_day, list[Segment]()
        with sdk_errors("query a site"):
            for day in _utc_days(start, end):
                condition = SegmentItem.gsi1sk.between(iso(start), iso(end))
                found += [to_segment(i) for i in index.query(site_day_pk(site, day), condition)]
        return [
            s
            for s in found
            if start <= s.start < end and (include_quarantined or s.status is SegmentStatus.OK)
        ]

    def delete_segment(self, camera: str, start: datetime, variant: str = "") -> bool:
        def attempt() -> bool:
            old = self._get(camera, start, variant)
            if old is None:
                return False
            key = self._models.segment(segment_pk(camera), segment_sk(start, variant))
            with self._transaction() as tx:
                tx.delete(key, condition=_unchanged(old))
                self._add_totals(tx, old, None)
            return True

        return _retrying("delete a segment", attempt)

    def camera_revision(self, camera: str) -> int:
        total = self._models.total
        with sdk_errors("read the camera revision"):
            try:
                item = total.get(camera_total_pk(camera), TOTAL_SK,
                                 attributes_to_get=["revision"])  # fmt: skip
            except total.DoesNotExist:
                return 0
        return int(item.revision or 0)

    def camera_totals(self, camera: str) -> Totals:
        return self._totals(camera_total_pk(camera))

    def site_totals(self, site: str) -> Totals:
        return self._totals(site_total_pk(site))

    def list_expired(self, now: datetime, limit: int) -> list[Segment]:
        if limit <= 0:
            return []
        with sdk_errors("list expired segments"):
            items = self._expiry_items(now, page_size=min(limit, _PAGE))
            due = (to_segment(item) for item in items if not item.protected)
            return list(islice(due, limit))

    def list_ending_before(self, camera: str, cutoff: datetime, limit: int) -> list[Segment]:
        if limit <= 0:
            return []
        seg = self._models.segment
        condition = SegmentItem.sk.between(segment_sk(EARLIEST), segment_sk(cutoff))
        with sdk_errors("list old segments"):
            items = seg.query(segment_pk(camera), condition, page_size=min(limit, _PAGE))
            # One camera's segments do not overlap: after the first that ends past
            # the cutoff, every later one does too.
            ended = takewhile(lambda s: s.end <= cutoff, map(to_segment, items))
            found = list(islice((s for s in ended if not s.protected), limit))
            apart = (s for s in self._variants(camera, EARLIEST, cutoff, consistent=False)
                     if s.end <= cutoff and not s.protected)  # fmt: skip
            found += islice(apart, limit)
        return sorted(found, key=lambda s: (s.start, s.variant))[:limit]

    def add_protection(self, protection: Protection) -> None:
        with sdk_errors("add a protection"):
            to_protection_item(self._models, protection).save()
            held = [
                *self._overlapping(protection.camera, protection.start, protection.end,
                                   consistent=True),
                *self._variants(protection.camera, protection.start, protection.end,
                                consistent=True),
            ]  # fmt: skip
            for segment in held:
                self._protect(segment)
            total = self._models.total
            total(camera_total_pk(protection.camera), TOTAL_SK).update(
                actions=[total.revision.add(1)]
            )

    def list_protections(self, camera: str | None = None) -> list[Protection]:
        condition = None if camera is None else self._models.protection.sk.startswith(f"{camera}#")
        with sdk_errors("list protections"):
            items = self._models.protection.query(PROTECTIONS_PK, condition)
            return [to_protection(item) for item in items]

    def cameras(self) -> list[str]:
        with sdk_errors("list cameras"):
            return [item.sk for item in self._models.camera.query(CAMERAS_PK)]

    # -- internals -------------------------------------------------------

    def _get(self, camera: str, start: datetime, variant: str = "") -> Segment | None:
        seg = self._models.segment
        try:
            item = seg.get(segment_pk(camera), segment_sk(start, variant), consistent_read=True)
        except seg.DoesNotExist:
            return None
        return to_segment(item)

    def _write(self, segment: Segment, old: Segment | None) -> None:
        """Put ``segment`` if its row still holds ``old`` (None: is absent), totals in step."""
        new = self._with_protections(segment)
        with self._transaction() as tx:
            condition = _unchanged(old) if old else SegmentItem.pk.does_not_exist()
            tx.save(to_item(self._models, new), condition=condition)
            self._add_totals(tx, old, new)
            if old is None and new.camera not in self._registered:
                tx.save(self._models.camera(CAMERAS_PK, new.camera))
        self._registered.add(new.camera)

    def _variants(
        self, camera: str, start: datetime, end: datetime, *, consistent: bool
    ) -> list[Segment]:
        """Rows kept apart that overlap [start, end) (or, of no duration, start in it).
        Rare, so read from a day before ``start`` and filtered here."""
        lo = segment_sk(start - timedelta(days=1), "0")
        hi = segment_sk(end, "~")
        items = self._models.segment.query(
            segment_pk(camera), SegmentItem.sk.between(lo, hi), consistent_read=consistent
        )
        found = map(to_segment, items)
        return [s for s in found if s.start < end and (s.end > start or s.start >= start)]

    def _overlapping(
        self, camera: str, start: datetime, end: datetime, *, consistent: bool
    ) -> list[Segment]:
        """Segments overlapping [start, end): one step back, then the range itself."""
        seg, pk, lo = self._models.segment, segment_pk(camera), segment_sk(start)
        before = seg.query(
            pk, SegmentItem.sk < lo, scan_index_forward=False, limit=1, consistent_read=consistent
        )
        found = [s for s in map(to_segment, before) if s.end > start]
        if end >= start:
            inside = seg.query(
                pk, SegmentItem.sk.between(lo, segment_sk(end)), consistent_read=consistent
            )
            found += [s for s in map(to_segment, inside) if s.start < end]
        return found

    def _expiry_items(self, now: datetime, page_size: int) -> Iterator[SegmentItem]:
        """Rows of the sparse expiry index due at ``now``, oldest expiry first."""
        due = now.astimezone(UTC).replace(microsecond=0)
        bound = SegmentItem.gsi2sk < iso(due + timedelta(seconds=1))  # expiry <= now
        for back in range(EXPIRY_LOOKBACK_DAYS, -1, -1):
            day = due.date() - timedelta(days=back)
            yield from self._models.segment.by_expiry.query(
                expiry_pk(day), bound, page_size=page_size
            )

    def _with_protections(self, segment: Segment) -> Segment:
        """``segment``, marked protected when an evidence hold covers part of it."""
        if segment.protected:
            return segment
        held = self._models.protection.query(
            PROTECTIONS_PK,
            self._models.protection.sk.between(
                f"{segment.camera}#", f"{segment.camera}#{iso(segment.end)}"
            ),
        )
        if any(_covers(p, segment) for p in map(to_protection, held)):
            return replace(segment, protected=True, expires_at=None)
        return segment

    def _protect(self, segment: Segment) -> None:
        seg = self._models.segment
        item = seg(segment_pk(segment.camera), segment_sk(segment.start, segment.variant))
        actions: list[Action] = [
            SegmentItem.protected.set(True),
            SegmentItem.expires_at.remove(),
            SegmentItem.gsi2pk.remove(),
            SegmentItem.gsi2sk.remove(),
        ]
        try:
            item.update(actions=actions, condition=SegmentItem.pk.exists())
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise  # else the segment was deleted meanwhile: nothing to protect

    def _add_totals(self, tx: TransactWrite, old: Segment | None, new: Segment | None) -> None:
        total = self._models.total
        for pk, (delta, site) in _deltas(old, new).items():
            actions: list[Action] = [
                total.segments.add(delta.segments),
                total.bytes.add(delta.bytes),
                total.seconds.add(delta.seconds),
                total.revision.add(1),
            ]
            if site is not None:
                actions.append(total.site.set(site))
            tx.update(total(pk, TOTAL_SK), actions=actions)

    def _totals(self, pk: str) -> Totals:
        total = self._models.total
        with sdk_errors("read totals"):
            try:
                item = total.get(pk, TOTAL_SK)
            except total.DoesNotExist:
                return Totals()
        return Totals(int(item.segments), int(item.bytes), float(item.seconds))

    def _transaction(self) -> TransactWrite:
        if self._connection is None:
            self._connection = Connection(region=self.region, host=self.endpoint_url)
        # The token makes botocore's own retries of this transaction idempotent.
        return TransactWrite(connection=self._connection, client_request_token=str(uuid4()))

    def _ensure_ttl(self) -> None:
        """Enable TTL on ``expires_at`` unless it is already on (enabling twice fails)."""
        client = boto3.client("dynamodb", region_name=self.region, endpoint_url=self.endpoint_url)
        attribute = SegmentItem.expires_at.attr_name
        described = client.describe_time_to_live(TableName=self.table)["TimeToLiveDescription"]
        if described.get("TimeToLiveStatus") in {"ENABLED", "ENABLING"}:
            return
        client.update_time_to_live(
            TableName=self.table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
        )


def _unchanged(old: Segment) -> Condition:
    """The stored row still holds the object it held when read (and what totals
    were computed from)."""
    condition: Condition = (
        (SegmentItem.size_bytes == old.size_bytes)
        & (SegmentItem.end == iso(old.end))
        & (SegmentItem.site == old.site)
        & (SegmentItem.sha256 == old.sha256)
        & (SegmentItem.object_key == old.key)
    )
    return condition


def _covers(protection: Protection, segment: Segment) -> bool:
    """A hold covers part of the segment (or its start, for a row of no duration)."""
    if segment.end == segment.start:
        return protection.start <= segment.start < protection.end
    return protection.end > segment.start and protection.start < segment.end


def _deltas(old: Segment | None, new: Segment | None) -> dict[str, tuple[Totals, str | None]]:
    """Per totals item: what to ADD, and the site to record on camera totals.

    Merged per item because one transaction may touch an item only once."""
    deltas: dict[str, tuple[Totals, str | None]] = {}
    for segment, sign in ((old, -1), (new, 1)):
        if segment is None:
            continue
        for pk, site in (
            (camera_total_pk(segment.camera), segment.site),
            (site_total_pk(segment.site), None),
        ):
            prev = deltas.get(pk, (Totals(), None))[0]
            deltas[pk] = (
                Totals(
                    prev.segments + sign,
                    prev.bytes + sign * segment.size_bytes,
                    prev.seconds + sign * segment.duration_s,
                ),
                site,
            )
    return deltas


def _utc_days(start: datetime, end: datetime) -> list[date]:
    """UTC dates touched by [start, end)."""
    if end <= start:
        return []
    first = start.astimezone(UTC).date()
    last = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _retrying(action: str, attempt: Callable[[], _T]) -> _T:
    """Run a read-then-transact ``attempt``; redo it when it lost a race."""
    for number in range(WRITE_ATTEMPTS):
        try:
            with sdk_errors(action):
                return attempt()
        except CatalogError as exc:
            cause = exc.__cause__
            if not isinstance(cause, TransactWriteError) or not _lost_race(cause):
                raise
            time.sleep(random.uniform(0, 0.05 * 2**number))  # jitter
    raise CatalogError(f"could not {action}: the item kept changing")


def _lost_race(exc: TransactWriteError) -> bool:
    return any(r is not None and r.code in _RETRY_CODES for r in exc.cancellation_reasons)


@contextlib.contextmanager
def sdk_errors(action: str) -> Iterator[None]:
    try:
        yield
    except (PynamoDBException, BotoCoreError, ClientError) as exc:
        raise CatalogError(f"could not {action} in DynamoDB: {exc}") from exc
