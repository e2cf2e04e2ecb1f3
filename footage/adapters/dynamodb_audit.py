"""The audit trail in the footage table (DynamoDB), one partition per UTC day.

Items expire through the table's TTL (``expires_at``) after AUDIT_RETENTION.
A query walks the days of its range newest first, so a busy day costs one
partition read per page.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from footage.adapters.dynamodb import sdk_errors
from footage.adapters.dynamodb_models import AuditItem, audit_pk, bind_models, iso, parse_iso
from footage.audit import AUDIT_RETENTION, AuditAction, AuditEvent, AuditLog


class DynamoAuditLog(AuditLog):
    def __init__(self, table: str, region: str, endpoint_url: str | None = None) -> None:
        self._item = bind_models(table, region, endpoint_url).audit

    def initialize(self) -> None:
        """The table belongs to the catalog (DynamoCatalog.initialize or the CDK stack)."""

    def record(self, event: AuditEvent) -> None:
        item = self._item(
            audit_pk(event.at.date()), f"{iso(event.at)}#{uuid.uuid4().hex[:8]}",
            username=event.username, action=event.action.value, camera=event.camera,
            site=event.site, client=event.client,
            start=iso(event.start) if event.start else None,
            end=iso(event.end) if event.end else None,
            detail=event.detail or None,
            expires_at=event.at + AUDIT_RETENTION,
        )  # fmt: skip
        with sdk_errors("record an audit event"):
            item.save()

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


def _event(item: AuditItem) -> AuditEvent:
    return AuditEvent(
        at=parse_iso(item.sk[:24]), username=item.username, action=AuditAction(item.action),
        camera=item.camera, site=item.site, client=item.client,
        start=parse_iso(item.start) if item.start else None,
        end=parse_iso(item.end) if item.end else None,
        detail=item.detail or "",
    )  # fmt: skip
