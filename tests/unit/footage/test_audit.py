"""Frequent reads (footage and thumbnail lists) are recorded once a window, every
distinct one at least once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from footage.audit import READ_WINDOW, AuditAction, AuditEvent, AuditLog, RecentReads
from footage.audit_chain import ChainedEvent, ChainView, Genesis, chain_next, verify_chain
from footage.errors import CatalogError

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
READ = AuditEvent(T0, "budi", AuditAction.FOOTAGE, "cab-kasir", "CABANG-01", "10.0.0.7",
                  T0 - timedelta(days=1), T0)  # fmt: skip


class MemoryAuditLog(AuditLog):
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        self.down = False

    def initialize(self) -> None:
        pass

    def record(self, event: AuditEvent) -> None:
        if self.down:
            raise CatalogError("audit log unreachable")
        self.events.append(event)

    def query(self, start: datetime, end: datetime, limit: int) -> list[AuditEvent]:
        return self.events[:limit]

    @contextmanager
    def chain_view(self, since: datetime | None = None) -> Iterator[ChainView]:
        genesis = Genesis(T0, 0)
        chained: list[ChainedEvent] = []
        for event in self.events:
            chained.append(chain_next(chained[-1].link if chained else genesis.link, event))
        head = chained[-1].link if chained else genesis.link
        yield ChainView(genesis, head, lambda: head, chained)


def test_the_memory_log_chains_what_it_recorded() -> None:
    log = MemoryAuditLog()
    log.record(READ)
    log.record(replace(READ, at=T0 + timedelta(seconds=1)))
    with log.chain_view() as view:
        assert verify_chain(view) == []
        assert [e.seq for e in view.events] == [1, 2]


def test_a_repeated_read_is_recorded_once_a_window() -> None:
    log = MemoryAuditLog()
    for seconds in (0, 1, 30, 59.9, 60, 61, 119, 120):
        log.record_read(replace(READ, at=T0 + timedelta(seconds=seconds)))
    assert [e.at - T0 for e in log.events] == [timedelta(0), READ_WINDOW, 2 * READ_WINDOW]


@pytest.mark.parametrize(
    "change",
    [
        {"username": "sari"},
        {"action": AuditAction.THUMBNAILS},
        {"camera": "cab-pintu"},
        {"start": T0 - timedelta(hours=1)},
        {"end": T0 - timedelta(minutes=1)},
        {"client": "10.0.0.8"},
    ],
)
def test_every_distinct_read_is_recorded(change: dict[str, object]) -> None:
    log = MemoryAuditLog()
    other = replace(READ, **change)  # type: ignore[arg-type]
    for event in (READ, other, READ, other):
        log.record_read(event)
    assert log.events == [READ, other]


def test_the_same_range_in_another_zone_is_the_same_read() -> None:
    log = MemoryAuditLog()
    assert READ.start is not None
    wib = READ.start.astimezone(ZoneInfo("Asia/Jakarta"))  # the same instant, +07:00
    log.record_read(READ)
    log.record_read(replace(READ, start=wib))
    assert log.events == [READ]


def test_a_failed_record_is_tried_again_by_the_next_read() -> None:
    log = MemoryAuditLog()
    log.down = True
    with pytest.raises(CatalogError):
        log.record_read(READ)
    log.down = False
    log.record_read(replace(READ, at=T0 + timedelta(seconds=1)))
    assert [e.at for e in log.events] == [T0 + timedelta(seconds=1)]


def test_recent_reads_forget_old_ones_and_stay_bounded() -> None:
    reads = RecentReads(max_keys=3)
    users = [replace(READ, username=f"user{n}") for n in range(5)]
    assert all(reads.claim(e) for e in users)
    assert len(reads) == 3
    assert reads.recorded(users[4]) and not reads.recorded(users[0])
    later = replace(users[4], username="late", at=T0 + READ_WINDOW)
    assert reads.claim(later) and len(reads) == 1  # the others are past the window
