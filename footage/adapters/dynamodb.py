"""The footage index in one DynamoDB table (PynamoDB), for the serverless deployment.

Table design (on-demand billing, no secondary index; item classes in dynamodb_models):

=============  ===========================  =====================================
item           pk                           sk
=============  ===========================  =====================================
segment        ``CAM#<camera>``             ``SEG#<start>`` (kept apart: ``VAR#...``)
camera totals  ``TOTAL#CAM#<camera>``       ``TOTAL``  (segments, bytes, seconds, site)
protection     ``PROTECTIONS``              ``<camera>#<start>#<end>``
camera         ``CAMERAS``                  ``<camera>``  (registry, with the site)
=============  ===========================  =====================================

Times are fixed-width UTC ISO-8601 with milliseconds (``2026-11-25T19:56:00.000Z``),
so string order is time order. ``expires_at`` (epoch seconds) is the table's TTL
attribute, absent while the segment is protected: DynamoDB deletes the row within
about two days of its expiry, and S3 lifecycle deletes its objects.

One write per segment: a new row is one conditional PutItem (~560 bytes, one
write unit). Totals are not written with it: the table's stream feeds
footage.adapters.dynamodb_totals (the totals Lambda), which applies inserts,
changes and removals (TTL's too) per camera per batch. So totals and the
camera's revision follow a write after the stream's batching window, not at once.

No GSI: every read the API makes is per camera. A site is read camera by camera
(its cameras come from the registry: a site has a handful), and expired rows are
the oldest rows of each camera, read oldest first; only the sweep needs those.
Rows past their expiry that TTL has not deleted yet (it is given
footage.retention.TTL_GRACE before the sweep deletes them), and rows whose object
S3 lifecycle may have expired (footage.retention.shown_until), are hidden from the
playback queries when the catalog is given a clock (``hide_expired``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import islice, takewhile

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import DeleteError, PutError, PynamoDBException, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from footage.adapters.dynamodb_models import (
    CAMERAS_PK,
    PROTECTIONS_PK,
    TOTAL_SK,
    SegmentItem,
    bind_models,
    camera_total_pk,
    iso,
    segment_pk,
    segment_sk,
    to_item,
    to_protection,
    to_protection_item,
    to_segment,
)
from footage.adapters.dynamodb_stream import ensure_stream
from footage.catalog import Catalog
from footage.errors import CatalogError
from footage.models import Protection, Segment, SegmentStatus, Totals
from footage.retention import shown_until

#: Before any footage: the low end of a camera's sort-key range.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: BatchWriteItem takes at most this many requests.
BATCH_WRITE = 25
#: Attempts of one conditional write when the row changed under it.
WRITE_ATTEMPTS = 6
_PAGE = 500
_CONDITION_FAILED = "ConditionalCheckFailedException"


class DynamoCatalog(Catalog):
    def __init__(
        self,
        table: str,
        region: str,
        endpoint_url: str | None = None,
        *,
        hide_expired: Callable[[], datetime] | None = None,
    ) -> None:
        """``hide_expired``: a clock; playback queries then skip rows whose expiry is
        at or before its time (TTL lags by up to two days). The sweep passes None:
        it must see them."""
        self.table = table
        self.region = region
        self.endpoint_url = endpoint_url
        self._models = bind_models(table, region, endpoint_url)  # classes only: no I/O
        self._now = hide_expired
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
        ensure_stream(self.table, self.region, self.endpoint_url)  # totals follow it

    def put_segment(self, segment: Segment) -> bool:
        def attempt() -> bool | None:
            old = self._get(*segment.identity)
            return old is None if self._write(segment, old) else None

        return _retrying("put a segment", attempt)

    def add_segment(self, segment: Segment, *, holds_checked: bool = False) -> bool:
        with sdk_errors("add a segment"):  # conditional: one slot, one winner
            return self._write(segment, None, holds_checked=holds_checked)

    def replace_segment(self, segment: Segment, expected: Segment) -> bool:
        def attempt() -> bool | None:
            old = self._get(*segment.identity)
            if old is None or (old.key, old.sha256) != (expected.key, expected.sha256):
                return False
            return True if self._write(segment, old) else None

        return _retrying("replace a segment", attempt)

    def get_segment(self, camera: str, start: datetime, variant: str = "") -> Segment | None:
        with sdk_errors("get a segment"):
            return self._get(camera, start, variant)

    def query_camera(
        self, camera: str, start: datetime, end: datetime, *, include_quarantined: bool = False
    ) -> list[Segment]:
        with sdk_errors("query a camera"):
            found = self._overlapping(camera, start, end, consistent=False)
            if include_quarantined:
                found += self._variants(camera, start, end, consistent=False)
        found = self._live(found)
        if not include_quarantined:
            return [s for s in found if s.status is SegmentStatus.OK]
        return sorted(found, key=lambda s: (s.start, s.variant))

    def latest_segment(self, camera: str) -> Segment | None:
        seg = self._models.segment
        with sdk_errors("read the newest segment"):
            # newest first; quarantined rows are rare, so a small page finds one
            for item in seg.query(segment_pk(camera), SegmentItem.sk.startswith("SEG#"),
                                  scan_index_forward=False, page_size=10):  # fmt: skip
                segment = to_segment(item)
                if segment.status is SegmentStatus.OK and self._live([segment]):
                    return segment
        return None

    def query_site(
        self, site: str, start: datetime, end: datetime, *, include_quarantined: bool = False
    ) -> list[Segment]:
        found: list[Segment] = []
        with sdk_errors("query a site"):
            for camera in self._site_cameras(site):
                found += self._starting_in(camera, start, end, variants=include_quarantined)
        return sorted(
            (
                s
                for s in self._live(found)
                if s.site == site and (include_quarantined or s.status is SegmentStatus.OK)
            ),
            key=lambda s: (s.start, s.camera, s.variant),
        )

    def delete_segment(self, camera: str, start: datetime, variant: str = "") -> bool:
        item = self._models.segment(segment_pk(camera), segment_sk(start, variant))
        with sdk_errors("delete a segment"):
            try:
                item.delete(condition=SegmentItem.pk.exists())
            except DeleteError as exc:
                if exc.cause_response_code != _CONDITION_FAILED:
                    raise
                return False
        return True

    def delete_segments(self, segments: Iterable[Segment]) -> int:
        """BatchWriteItem, 25 deletes a call (PynamoDB's batch retries what is left
        unprocessed). Totals follow through the stream."""
        rows = list(segments)
        with sdk_errors("delete segments"), self._models.segment.batch_write() as batch:
            for segment in rows:
                batch.delete(
                    self._models.segment(
                        segment_pk(segment.camera), segment_sk(segment.start, segment.variant)
                    )
                )
        return len(rows)

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
        total = self._models.total
        with sdk_errors("read totals"):
            try:
                item = total.get(camera_total_pk(camera), TOTAL_SK)
            except total.DoesNotExist:
                return Totals()
        return Totals(int(item.segments), int(item.bytes), float(item.seconds))

    def site_totals(self, site: str) -> Totals:
        """The sum of its cameras' totals: one BatchGetItem for a handful of cameras."""
        total = self._models.total
        with sdk_errors("read site totals"):
            keys = [(camera_total_pk(c), TOTAL_SK) for c in self._site_cameras(site)]
            items = [i for i in total.batch_get(keys) if i.site in (site, None)]
        return Totals(
            sum(int(i.segments) for i in items),
            sum(int(i.bytes) for i in items),
            float(sum(float(i.seconds) for i in items)),
        )

    def list_expired(self, now: datetime, limit: int) -> list[Segment]:
        if limit <= 0:
            return []
        found: list[Segment] = []
        with sdk_errors("list expired segments"):
            for camera in self.cameras():
                found += self._expired_of(camera, now, limit)
        found.sort(key=lambda s: (s.expires_at or now, s.camera, s.start, s.variant))
        return found[:limit]

    def rows_starting(self, camera: str, start: datetime, end: datetime) -> list[Segment]:
        """Two Queries (the day's rows, then those kept apart), expired rows included."""
        seg, pk = self._models.segment, segment_pk(camera)
        with sdk_errors("read a camera-day"):
            found = [s for s in map(to_segment, seg.query(
                pk, SegmentItem.sk.between(segment_sk(start), segment_sk(end))
            )) if s.start < end]  # fmt: skip
            apart = seg.query(pk, SegmentItem.sk.between(f"VAR#{iso(start)}", f"VAR#{iso(end)}"))
            found += [s for s in map(to_segment, apart) if s.start < end]
        return sorted(found, key=lambda s: (s.start, s.variant))

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

    def remove_protection(self, protection: Protection) -> bool:
        item = to_protection_item(self._models, protection)
        with sdk_errors("remove a protection"):
            try:
                item.delete(condition=self._models.protection.pk.exists())
            except DeleteError as exc:
                if exc.cause_response_code == _CONDITION_FAILED:  # no such hold
                    return False
                raise
        return True

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

    def _write(self, segment: Segment, old: Segment | None, *, holds_checked: bool = False
               ) -> bool:  # fmt: skip
        """One PutItem of ``segment`` if its row still holds ``old`` (None: is absent),
        marked protected first if a hold covers it (unless the caller just checked).
        False when it does not (another writer came first)."""
        new = segment if holds_checked else self._with_protections(segment)
        condition = _unchanged(old) if old else SegmentItem.pk.does_not_exist()
        try:
            to_item(self._models, new).save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code != _CONDITION_FAILED:
                raise
            return False
        self._register(new)
        return True

    def _register(self, segment: Segment) -> None:
        """The camera's registry item with its site, once per process (a cold start
        writes it again: an idempotent SET)."""
        if segment.camera in self._registered:
            return
        item = self._models.camera(CAMERAS_PK, segment.camera)
        item.update(actions=[self._models.camera.site.set(segment.site)])
        self._registered.add(segment.camera)

    def _site_cameras(self, site: str) -> list[str]:
        """Cameras of ``site`` in the registry, and those whose site is not recorded
        (registered before it was): their rows are filtered by site."""
        items = self._models.camera.query(CAMERAS_PK)
        return [item.sk for item in items if item.site in (site, None)]

    def _starting_in(
        self, camera: str, start: datetime, end: datetime, *, variants: bool
    ) -> list[Segment]:
        seg, pk = self._models.segment, segment_pk(camera)
        if end <= start:
            return []
        found = [
            to_segment(i)
            for i in seg.query(pk, SegmentItem.sk.between(segment_sk(start), segment_sk(end)))
        ]
        if variants:
            found += self._variants(camera, start, end, consistent=False)
        return [s for s in found if start <= s.start < end]

    def _expired_of(self, camera: str, now: datetime, limit: int) -> list[Segment]:
        """The camera's unprotected rows expired at ``now``, read oldest first up to
        the first row that is not expired yet (expiry follows start at one
        retention; the sweep reads a camera whose retention changed by its
        current retention, list_ending_before)."""
        seg, due = self._models.segment, now.astimezone(UTC)
        items = seg.query(segment_pk(camera), SegmentItem.sk.startswith("SEG#"),
                          page_size=min(limit, _PAGE))  # fmt: skip
        rows = takewhile(
            lambda s: s.protected or s.expires_at is None or s.expires_at <= due,
            map(to_segment, items),
        )
        expired = islice((s for s in rows if _expired(s, due)), limit)
        apart = self._variants(camera, EARLIEST, due, consistent=False)
        return [*expired, *islice((s for s in apart if _expired(s, due)), limit)]

    def _live(self, segments: list[Segment]) -> list[Segment]:
        if self._now is None:
            return segments
        now = self._now()
        return [s for s in segments if (until := shown_until(s)) is None or until > now]

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
        actions: list[Action] = [SegmentItem.protected.set(True), SegmentItem.expires_at.remove()]
        try:
            item.update(actions=actions, condition=SegmentItem.pk.exists())
        except UpdateError as exc:
            if exc.cause_response_code != _CONDITION_FAILED:
                raise  # else the segment was deleted meanwhile: nothing to protect

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


def _expired(segment: Segment, due: datetime) -> bool:
    return not segment.protected and segment.expires_at is not None and segment.expires_at <= due


def _unchanged(old: Segment) -> Condition:
    """The stored row still holds the object it held when read."""
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


def _retrying(action: str, attempt: Callable[[], bool | None]) -> bool:
    """Run a read-then-conditional-write ``attempt``; None means it lost a race."""
    for _ in range(WRITE_ATTEMPTS):
        with sdk_errors(action):
            result = attempt()
        if result is not None:
            return result
    raise CatalogError(f"could not {action}: the item kept changing")


@contextlib.contextmanager
def sdk_errors(action: str) -> Iterator[None]:
    try:
        yield
    except (PynamoDBException, BotoCoreError, ClientError) as exc:
        raise CatalogError(f"could not {action} in DynamoDB: {exc}") from exc
