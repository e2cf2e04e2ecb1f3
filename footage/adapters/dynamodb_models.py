"""PynamoDB item classes of the single footage table, and the key formats.

PynamoDB binds a Model class to one table through its ``Meta``. The item
classes here carry no ``Meta``; :func:`bind_models` derives subclasses bound
to a table name, region and host at runtime, so several catalogs (tests use a
random table each) can live in one process. See footage.adapters.dynamodb
for the table design.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar, cast

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.models import Model

from footage.errors import CatalogError
from footage.models import Protection, Segment, SegmentStatus

TOTAL_SK = "TOTAL"
CAMERAS_PK = "CAMERAS"
DRILLS_PK = "DRILLS"
PROTECTIONS_PK = "PROTECTIONS"
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
#: Stream sequence numbers are up to 40 digits.
SEQ_WIDTH = 40


class SegmentItem(Model):
    """One segment row: ~560 bytes for a 60 s segment (one write unit), no index.

    Every attribute here is read back by :func:`to_segment`. The table has no GSI:
    the API queries per camera, a site by its cameras (the registry), and the
    sweep per camera (see footage.adapters.dynamodb)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    camera = UnicodeAttribute()
    site = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    size_bytes = NumberAttribute()
    sha256 = UnicodeAttribute()
    object_key = UnicodeAttribute(attr_name="key")
    codec = UnicodeAttribute()
    width = NumberAttribute()
    height = NumberAttribute()
    fps = NumberAttribute()
    audio_codec = UnicodeAttribute(null=True)
    thumbnail_key = UnicodeAttribute(null=True)
    derived_keys = ListAttribute(of=UnicodeAttribute, null=True)  # absent when empty
    status = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    protected = BooleanAttribute(default=False)
    source_etag = UnicodeAttribute(null=True)
    init_size = NumberAttribute(null=True)
    variant = UnicodeAttribute(null=True)  # rows kept apart only (sk VAR#...)


class TotalItem(Model):
    """A camera's totals, kept by the table's stream (footage.adapters.dynamodb_totals).

    ``seq`` is the stream sequence number of the last record applied (zero-padded
    to :data:`SEQ_WIDTH` digits, so string order is number order): a redelivered
    record is at or below it and is not applied twice."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    segments = NumberAttribute(default=0)
    bytes = NumberAttribute(default=0)
    seconds = NumberAttribute(default=0)
    revision = NumberAttribute(default=0)  # bumped by every write of the camera
    site = UnicodeAttribute(null=True)
    seq = UnicodeAttribute(null=True)


class ProtectionItem(Model):
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    camera = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    reason = UnicodeAttribute()
    created_by = UnicodeAttribute()


class CameraItem(Model):
    """The registry: one item per camera that ever had footage, with its site (None
    in items written before the site was recorded)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    site = UnicodeAttribute(null=True)


class AuditItem(Model):
    """pk ``AUDIT#<UTC day>``, sk ``<at>#<random>``; expires by TTL."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    username = UnicodeAttribute()
    action = UnicodeAttribute()
    camera = UnicodeAttribute()
    site = UnicodeAttribute()
    client = UnicodeAttribute()
    start = UnicodeAttribute(null=True)
    end = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
    #: the hash chain (footage.audit_chain); absent in items written before it
    seq = NumberAttribute(null=True)
    prev = UnicodeAttribute(null=True)


class AuditHeadItem(Model):
    """pk ``AUDIT#HEAD``, sk ``HEAD``: the chain's last event (seq, hash) and its
    genesis (canonical JSON); every event moves it under a condition on ``seq``."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    seq = NumberAttribute()
    hash = UnicodeAttribute()
    genesis = UnicodeAttribute()


class DrillItem(Model):
    """pk ``DRILLS``, sk the run's time: one restore drill run (footage.drills)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    run = UnicodeAttribute()
    expires_at = TTLAttribute()


@dataclass(frozen=True, slots=True)
class TableModels:
    """The item classes bound to one table."""

    segment: type[SegmentItem]
    total: type[TotalItem]
    protection: type[ProtectionItem]
    camera: type[CameraItem]
    audit: type[AuditItem]
    audit_head: type[AuditHeadItem]
    drill: type[DrillItem]


_M = TypeVar("_M", bound=Model)


@functools.cache
def bind_models(table: str, region: str, host: str | None) -> TableModels:
    """Subclasses of the item classes whose ``Meta`` names ``table`` (no I/O)."""
    return TableModels(
        _bind(SegmentItem, table, region, host),
        _bind(TotalItem, table, region, host),
        _bind(ProtectionItem, table, region, host),
        _bind(CameraItem, table, region, host),
        _bind(AuditItem, table, region, host),
        _bind(AuditHeadItem, table, region, host),
        _bind(DrillItem, table, region, host),
    )


def bind_model(base: type[_M], table: str, region: str, host: str | None) -> type[_M]:
    """One item class bound to ``table`` (for item classes kept beside their adapter)."""
    return _bind(base, table, region, host)


def _bind(base: type[_M], table: str, region: str, host: str | None) -> type[_M]:
    settings = {
        "table_name": table,
        "region": region,
        "host": host,
        "billing_mode": PAY_PER_REQUEST_BILLING_MODE,
    }
    meta = type("Meta", (), settings)
    namespace = {"Meta": meta, "__module__": __name__}
    return cast(type[_M], type(f"{base.__name__}_{table}", (base,), namespace))


# -- keys ------------------------------------------------------------------


def iso(moment: datetime) -> str:
    """Fixed-width UTC ISO-8601 with milliseconds (``2026-11-25T19:56:00.000Z``).

    Fixed width keeps string order equal to time order in sort keys.
    """
    if moment.tzinfo is None:
        raise CatalogError("naive datetime given to the catalog")
    ms = round(moment.timestamp() * 1000)
    utc = datetime.fromtimestamp(ms // 1000, UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, _ISO_FORMAT).replace(tzinfo=UTC)


def segment_pk(camera: str) -> str:
    return f"CAM#{camera}"


def segment_sk(start: datetime, variant: str = "") -> str:
    """``SEG#<start>``; a row kept apart is ``VAR#<start>#<variant>``, outside the
    SEG# range that playback queries read."""
    return f"VAR#{iso(start)}#{variant}" if variant else f"SEG#{iso(start)}"


def audit_pk(day: date) -> str:
    return f"AUDIT#{day.isoformat()}"


def camera_total_pk(camera: str) -> str:
    return f"TOTAL#CAM#{camera}"


def camera_of_pk(pk: str) -> str | None:
    """The camera of a segment row's pk; None for any other item."""
    prefix = segment_pk("")
    return pk[len(prefix) :] if pk.startswith(prefix) else None


def protection_sk(protection: Protection) -> str:
    return f"{protection.camera}#{iso(protection.start)}#{iso(protection.end)}"


# -- conversions -----------------------------------------------------------


def to_item(models: TableModels, seg: Segment) -> SegmentItem:
    item = models.segment(
        segment_pk(seg.camera), segment_sk(seg.start, seg.variant),
        camera=seg.camera, site=seg.site, start=iso(seg.start), end=iso(seg.end),
        size_bytes=seg.size_bytes, sha256=seg.sha256, object_key=seg.key, codec=seg.codec,
        width=seg.width, height=seg.height, fps=seg.fps, audio_codec=seg.audio_codec,
        thumbnail_key=seg.thumbnail_key, derived_keys=list(seg.derived_keys) or None,
        status=seg.status.value, reason=seg.reason, protected=seg.protected,
        source_etag=seg.source_etag, init_size=seg.init_size, variant=seg.variant or None,
    )  # fmt: skip
    if seg.expires_at is not None and not seg.protected:
        # TTL is in seconds
        item.expires_at = seg.expires_at.astimezone(UTC).replace(microsecond=0)
    return item


def to_segment(item: SegmentItem) -> Segment:
    return Segment(
        camera=item.camera, site=item.site, start=parse_iso(item.start),
        end=parse_iso(item.end), size_bytes=int(item.size_bytes), sha256=item.sha256,
        key=item.object_key, codec=item.codec, width=int(item.width),
        height=int(item.height), fps=float(item.fps), audio_codec=item.audio_codec,
        thumbnail_key=item.thumbnail_key,
        derived_keys=tuple(str(k) for k in item.derived_keys or ()),
        status=SegmentStatus(item.status), reason=item.reason, expires_at=item.expires_at,
        protected=bool(item.protected), source_etag=item.source_etag,
        init_size=None if item.init_size is None else int(item.init_size),
        variant=item.variant or "",
    )  # fmt: skip


def to_protection_item(models: TableModels, protection: Protection) -> ProtectionItem:
    return models.protection(
        PROTECTIONS_PK, protection_sk(protection),
        camera=protection.camera, start=iso(protection.start), end=iso(protection.end),
        reason=protection.reason, created_by=protection.created_by,
    )  # fmt: skip


def to_protection(item: ProtectionItem) -> Protection:
    return Protection(
        item.camera, parse_iso(item.start), parse_iso(item.end), item.reason, item.created_by
    )
