"""A journal write on a disk full to the last byte waits for room, not fails."""

from __future__ import annotations

import sqlite3

import pytest

from edge_uploader import full_disk
from edge_uploader.full_disk import waits_for_room


def _error(code: int, message: str) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode = code
    return exc


class Flaky:
    def __init__(self, failures: list[sqlite3.OperationalError]) -> None:
        self.failures = failures
        self.calls = 0

    @waits_for_room
    def write(self, value: int) -> int:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return value * 2


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(full_disk, "RETRY_S", 0.01)


def test_a_write_waits_until_there_is_room() -> None:
    full = [_error(sqlite3.SQLITE_FULL, "database or disk is full") for _ in range(3)]
    flaky = Flaky(full)
    assert flaky.write(21) == 42 and flaky.calls == 4


def test_other_errors_are_not_waited_for() -> None:
    flaky = Flaky([_error(sqlite3.SQLITE_BUSY, "database is locked")])
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        flaky.write(1)
    assert flaky.calls == 1


def test_a_disk_that_stays_full_fails_the_write_in_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(full_disk, "FULL_WAIT_S", 0.1)
    flaky = Flaky([_error(sqlite3.SQLITE_FULL, "database or disk is full")] * 1000)
    with pytest.raises(sqlite3.OperationalError, match="full"):
        flaky.write(1)
    assert 2 <= flaky.calls < 1000
