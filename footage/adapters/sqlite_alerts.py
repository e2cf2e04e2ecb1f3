"""Alerts, their deliveries and the outbox in SQLite (``<data-dir>/alerts.sqlite3``).

One file, WAL, ``synchronous=FULL``: a message queued with its alert is on disk
before the decision returns, so a kill -9 loses neither. Private (0600): the
messages name people's chats and addresses.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from footage.adapters.sqlite_db import SqliteDatabase, from_ms, to_ms
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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
  id TEXT PRIMARY KEY, key TEXT NOT NULL, rule TEXT NOT NULL, site TEXT NOT NULL,
  camera TEXT, severity TEXT NOT NULL, opened_ms INTEGER NOT NULL, cleared_ms INTEGER,
  message TEXT NOT NULL, ack_by TEXT, ack_ms INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_open ON alerts (key) WHERE cleared_ms IS NULL;
CREATE INDEX IF NOT EXISTS alerts_opened ON alerts (opened_ms);
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL REFERENCES alerts (id),
  event TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL, language TEXT NOT NULL,
  severity TEXT NOT NULL, subject TEXT NOT NULL, text TEXT NOT NULL, link TEXT,
  image BLOB, image_name TEXT NOT NULL, status TEXT NOT NULL, created_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_ms INTEGER, delivered_ms INTEGER,
  last_error TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_ms);
CREATE INDEX IF NOT EXISTS deliveries_alert ON deliveries (alert_id);
"""
#: The file under the data dir (the edge's worker, the on-prem API and ``vms alerts``).
ALERTS_DB_NAME = "alerts.sqlite3"
_ALERT_COLS = (
    "id, key, rule, site, camera, severity, opened_ms, cleared_ms, message, ack_by, ack_ms"
)
_DELIVERY_COLS = (
    "id, alert_id, event, channel, recipient, language, subject, text, status, "
    "created_ms, attempts, next_ms, delivered_ms, last_error, image IS NOT NULL, severity"
)


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else to_ms(moment)


def _dt(ms: int | None) -> datetime | None:
    return None if ms is None else from_ms(ms)


class SqliteAlertStore(AlertStore):
    def __init__(self, path: Path) -> None:
        self._db = SqliteDatabase(path, "synchronous=FULL", private=True)

    def initialize(self) -> None:
        try:
            self._db.create(_SCHEMA)
        except sqlite3.Error as exc:
            raise CatalogError(f"cannot create alert store {self._db.path}: {exc}") from exc

    def _write(self, alert: AlertRecord, messages: list[Queued], now: datetime) -> None:
        with self._db.transaction() as db:
            db.execute(f"INSERT INTO alerts ({_ALERT_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       (alert.id, alert.key, alert.rule.value, alert.site, alert.camera,
                        alert.severity.value, to_ms(alert.opened_at), _ms(alert.cleared_at),
                        alert.message, None, None))  # fmt: skip
            self._queue(db, alert.id, messages, now)

    @staticmethod
    def _queue(
        db: sqlite3.Connection, alert_id: str, messages: list[Queued], now: datetime
    ) -> None:
        for q in messages:
            m = q.message
            db.execute(
                "INSERT INTO deliveries (alert_id, event, channel, recipient, language, severity,"
                " subject, text, link, image, image_name, status, created_ms, next_ms)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (alert_id, q.event.value, m.channel, m.recipient, m.language.value,
                 m.severity.value, m.subject, m.text, m.link, m.image, m.image_name,
                 DeliveryStatus.PENDING.value, to_ms(now), to_ms(q.not_before)),
            )  # fmt: skip

    def open_alert(self, alert: AlertRecord, messages: list[Queued]) -> bool:
        try:
            self._write(alert, messages, alert.opened_at)
        except sqlite3.IntegrityError:
            return False  # the unique index: an alert with this key is open
        except sqlite3.Error as exc:
            raise CatalogError(f"alert store {self._db.path}: {exc}") from exc
        return True

    def note(self, alert: AlertRecord, messages: list[Queued]) -> None:
        try:
            self._write(alert, messages, alert.opened_at)
        except sqlite3.Error as exc:
            raise CatalogError(f"alert store {self._db.path}: {exc}") from exc

    def clear_alert(self, key: str, at: datetime, messages: list[Queued]) -> AlertRecord | None:
        try:
            with self._db.transaction() as db:
                row = db.execute(f"SELECT {_ALERT_COLS} FROM alerts WHERE key = ? AND "
                                 "cleared_ms IS NULL", (key,)).fetchone()  # fmt: skip
                if row is None:
                    return None
                db.execute("UPDATE alerts SET cleared_ms = ? WHERE id = ?", (to_ms(at), row[0]))
                self._queue(db, row[0], messages, at)
        except sqlite3.Error as exc:
            raise CatalogError(f"alert store {self._db.path}: {exc}") from exc
        return _alert((*row[:7], to_ms(at), *row[8:]), ())

    def open_keys(self) -> dict[str, AlertRecord]:
        rows = self._read(f"SELECT {_ALERT_COLS} FROM alerts WHERE cleared_ms IS NULL", ())
        return {str(row[1]): _alert(row, ()) for row in rows}

    def get(self, alert_id: str) -> AlertRecord | None:
        rows = self._read(f"SELECT {_ALERT_COLS} FROM alerts WHERE id = ?", (alert_id,))
        return self._with_deliveries(rows)[0] if rows else None

    def find(self, flt: AlertFilter) -> list[AlertRecord]:
        where: list[str] = ["1=1"]
        args: list[object] = []
        if flt.sites is not None:
            where.append(f"site IN ({','.join('?' * len(flt.sites))})")
            args.extend(sorted(flt.sites))
        if flt.rule is not None:
            where.append("rule = ?")
            args.append(flt.rule.value)
        if flt.open_only:
            where.append("cleared_ms IS NULL")
        if flt.unacknowledged_only:
            where.append("ack_ms IS NULL")
        if flt.since is not None:
            where.append("opened_ms >= ?")
            args.append(to_ms(flt.since))
        if flt.until is not None:
            where.append("opened_ms < ?")
            args.append(to_ms(flt.until))
        sql = (f"SELECT {_ALERT_COLS} FROM alerts WHERE {' AND '.join(where)}"
               f" ORDER BY opened_ms DESC, id LIMIT {int(flt.limit)}")  # fmt: skip
        return self._with_deliveries(self._read(sql, tuple(args)))

    def acknowledge(self, alert_id: str, user: str, at: datetime) -> AlertRecord | None:
        try:
            with self._db.transaction() as db:
                db.execute("UPDATE alerts SET ack_by = ?, ack_ms = ? WHERE id = ?"
                           " AND ack_ms IS NULL", (user, to_ms(at), alert_id))  # fmt: skip
        except sqlite3.Error as exc:
            raise CatalogError(f"alert store {self._db.path}: {exc}") from exc
        return self.get(alert_id)

    def due(self, now: datetime, limit: int = 50) -> list[tuple[DeliveryRecord, bytes | None]]:
        rows = self._read(f"SELECT {_DELIVERY_COLS}, image FROM deliveries WHERE status = ?"
                          " AND next_ms <= ? ORDER BY next_ms, id LIMIT ?",
                          (DeliveryStatus.PENDING.value, to_ms(now), limit))  # fmt: skip
        return [(_delivery(row[:-1]), row[-1] if isinstance(row[-1], bytes) else None)
                for row in rows]  # fmt: skip

    def record_attempt(
        self,
        delivery_id: int,
        status: DeliveryStatus,
        at: datetime,
        error: str = "",
        next_attempt_at: datetime | None = None,
    ) -> None:
        delivered = to_ms(at) if status is DeliveryStatus.DELIVERED else None
        try:
            with self._db.transaction() as db:
                db.execute("UPDATE deliveries SET attempts = attempts + 1, status = ?, next_ms = ?,"
                           " delivered_ms = ?, last_error = ? WHERE id = ?",
                           (status.value, _ms(next_attempt_at), delivered, error[:500],
                            delivery_id))  # fmt: skip
        except sqlite3.Error as exc:
            raise CatalogError(f"alert store {self._db.path}: {exc}") from exc

    def _read(self, sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
        try:
            with self._db.transaction(write=False) as db:
                return [tuple(row) for row in db.execute(sql, args).fetchall()]
        except sqlite3.Error as exc:
            raise CatalogError(f"alert store {self._db.path}: {exc}") from exc

    def _with_deliveries(self, rows: list[tuple[object, ...]]) -> list[AlertRecord]:
        if not rows:
            return []
        ids = [str(row[0]) for row in rows]
        found = self._read(f"SELECT {_DELIVERY_COLS} FROM deliveries WHERE alert_id IN "
                           f"({','.join('?' * len(ids))}) ORDER BY id", tuple(ids))  # fmt: skip
        by_alert: dict[str, list[DeliveryRecord]] = {}
        for row in found:
            by_alert.setdefault(str(row[1]), []).append(_delivery(row))
        return [_alert(row, tuple(by_alert.get(str(row[0]), ()))) for row in rows]


def _alert(row: tuple[object, ...], deliveries: tuple[DeliveryRecord, ...]) -> AlertRecord:
    (id_, key, rule, site, camera, severity, opened, cleared, message, ack_by, ack) = row
    return AlertRecord(
        id=str(id_), key=str(key), rule=Rule(str(rule)), site=str(site),
        camera=None if camera is None else str(camera), severity=Severity(str(severity)),
        opened_at=from_ms(int(str(opened))), message=str(message),
        cleared_at=_dt(None if cleared is None else int(str(cleared))),
        acknowledged_by=None if ack_by is None else str(ack_by),
        acknowledged_at=_dt(None if ack is None else int(str(ack))), deliveries=deliveries,
    )  # fmt: skip


def _delivery(row: tuple[object, ...]) -> DeliveryRecord:
    (id_, alert_id, event, channel, recipient, language, subject, text, status, created,
     attempts, next_ms, delivered, error, has_image, severity) = row  # fmt: skip
    return DeliveryRecord(
        id=int(str(id_)), alert_id=str(alert_id), event=Event(str(event)), channel=str(channel),
        recipient=str(recipient), language=Language(str(language)), subject=str(subject),
        text=str(text), status=DeliveryStatus(str(status)), created_at=from_ms(int(str(created))),
        attempts=int(str(attempts)),
        next_attempt_at=_dt(None if next_ms is None else int(str(next_ms))),
        delivered_at=_dt(None if delivered is None else int(str(delivered))),
        last_error=str(error), has_image=bool(has_image), severity=Severity(str(severity)),
    )  # fmt: skip
