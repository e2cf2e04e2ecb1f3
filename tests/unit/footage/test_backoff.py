"""Retry delays (full jitter) and the camera-restart backoff."""

from __future__ import annotations

import random

import pytest

from footage.backoff import Backoff, jittered_delay


def test_first_retry_waits_the_initial_delay() -> None:
    rng = random.Random(1)
    assert {jittered_delay(1, 2.0, 300.0, rng) for _ in range(20)} == {2.0}


@pytest.mark.parametrize(
    ("attempt", "cap"), [(2, 4.0), (3, 8.0), (5, 32.0), (8, 256.0), (9, 300.0)]
)
def test_delay_is_within_initial_and_doubling_cap(attempt: int, cap: float) -> None:
    rng = random.Random(attempt)
    delays = [jittered_delay(attempt, 2.0, 300.0, rng) for _ in range(500)]
    assert all(2.0 <= d <= cap for d in delays)
    assert max(delays) > 2.0 + (cap - 2.0) * 0.9  # jitter spreads over the whole range
    assert min(delays) < 2.0 + (cap - 2.0) * 0.1


def test_cap_never_exceeded() -> None:
    rng = random.Random(5)
    assert all(jittered_delay(n, 2.0, 300.0, rng) <= 300.0 for n in range(1, 200))


def test_attempt_zero_or_negative_behaves_like_first() -> None:
    rng = random.Random(0)
    assert jittered_delay(0, 3.0, 60.0, rng) == 3.0
    assert jittered_delay(-4, 3.0, 60.0, rng) == 3.0


@pytest.mark.parametrize("attempt", [1025, 5000, 10**6])
def test_days_of_failures_do_not_overflow(attempt: int) -> None:
    """A branch offline for a long weekend reaches >1024 attempts (avg ~150 s apart)."""
    delay = jittered_delay(attempt, 2.0, 300.0, random.Random(0))
    assert 2.0 <= delay <= 300.0


def test_initial_above_max_is_clamped_to_max() -> None:
    assert jittered_delay(1, 10.0, 5.0, random.Random(0)) == 5.0


def test_backoff_doubles_up_to_max_and_resets() -> None:
    backoff = Backoff(initial_s=1.0, max_s=5.0)
    assert [backoff.next() for _ in range(6)] == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    backoff.reset()
    assert backoff.next() == 1.0
