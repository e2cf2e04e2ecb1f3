"""Camera totals from the footage table's stream (the totals Lambda's adapter).

:func:`row_changes` reads DynamoDB stream records (NEW_AND_OLD_IMAGES; the
Lambda event's ``Records``, or moto's GetRecords) into footage.services.totals
RowChanges: an INSERT adds the new row, a REMOVE subtracts the old one (TTL's
removals carry ``userIdentity`` type Service, principal dynamodb.amazonaws.com),
a MODIFY adds the difference. Items other than segment rows are ignored (the
event source mapping filters them out in AWS already).

:class:`DynamoTotals` applies one camera's delta with one UpdateItem, conditional
on the stream sequence number stored on the totals item (see
footage.services.totals for why that makes redelivery harmless).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from footage.adapters.dynamodb import sdk_errors
from footage.adapters.dynamodb_models import (
    SEQ_WIDTH,
    TOTAL_SK,
    SegmentItem,
    bind_models,
    camera_of_pk,
    camera_total_pk,
    parse_iso,
)
from footage.services.totals import CameraDelta, RowChange

TTL_PRINCIPAL = "dynamodb.amazonaws.com"
_SIGNS = {"INSERT": ((1, "NewImage"),), "REMOVE": ((-1, "OldImage"),),
          "MODIFY": ((1, "NewImage"), (-1, "OldImage"))}  # fmt: skip


def padded_seq(sequence_number: str) -> str:
    if not sequence_number.isdigit() or len(sequence_number) > SEQ_WIDTH:
        raise ValueError(f"not a stream sequence number: {sequence_number!r}")
    return sequence_number.rjust(SEQ_WIDTH, "0")


def row_changes(records: Iterable[Mapping[str, Any]]) -> list[RowChange]:
    """The totals changes of the segment rows among ``records``, in stream order."""
    changes: list[RowChange] = []
    for record in records:
        change = _row_change(record)
        if change is not None:
            changes.append(change)
    return changes


def _row_change(record: Mapping[str, Any]) -> RowChange | None:
    body = record.get("dynamodb") or {}
    camera = camera_of_pk(str(body.get("Keys", {}).get("pk", {}).get("S", "")))
    signs = _SIGNS.get(str(record.get("eventName")))
    if camera is None or signs is None:
        return None
    segments = size = 0
    seconds, site = 0.0, ""
    for sign, which in signs:
        image = body.get(which)
        if image is None:
            raise ValueError(f"stream record of {camera} lacks {which}: NEW_AND_OLD_IMAGES needed")
        segments += sign
        size += sign * int(_field(image, SegmentItem.size_bytes.attr_name, "N"))
        seconds += sign * _seconds(image)
        site = site or _field(image, SegmentItem.site.attr_name, "S")
    identity = record.get("userIdentity") or {}
    return RowChange(
        camera, site, padded_seq(str(body.get("SequenceNumber", ""))), segments, size, seconds,
        by_ttl=identity.get("type") == "Service" and identity.get("principalId") == TTL_PRINCIPAL,
    )  # fmt: skip


def _field(image: Mapping[str, Any], name: str, kind: str) -> str:
    try:
        return str(image[name][kind])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"stream image lacks {name} ({kind})") from exc


def _seconds(image: Mapping[str, Any]) -> float:
    start: datetime = parse_iso(_field(image, SegmentItem.start.attr_name, "S"))
    end: datetime = parse_iso(_field(image, SegmentItem.end.attr_name, "S"))
    return (end - start).total_seconds()


class DynamoTotals:
    """footage.services.totals.TotalsStore on the footage table."""

    def __init__(self, table: str, region: str, endpoint_url: str | None = None) -> None:
        self._total = bind_models(table, region, endpoint_url).total  # classes only: no I/O

    def apply(self, delta: CameraDelta) -> bool:
        total = self._total
        item = total(camera_total_pk(delta.camera), TOTAL_SK)
        actions: list[Action] = [
            total.segments.add(delta.totals.segments),
            total.bytes.add(delta.totals.bytes),
            total.seconds.add(delta.totals.seconds),
            total.revision.add(delta.records),
            total.site.set(delta.site),
            total.seq.set(delta.last_seq),
        ]
        condition = total.seq.does_not_exist() | (total.seq < delta.first_seq)
        with sdk_errors("update camera totals"):
            try:
                item.update(actions=actions, condition=condition)
            except UpdateError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
                return False
        return True

    def applied_seq(self, camera: str) -> str | None:
        total = self._total
        with sdk_errors("read camera totals"):
            try:
                item = total.get(camera_total_pk(camera), TOTAL_SK, consistent_read=True)
            except total.DoesNotExist:
                return None
        return item.seq
