"""Exponential backoff with full jitter (retries) and a plain capped doubling
(camera restarts, where a fast, predictable return matters more than spreading)."""

from __future__ import annotations

import random
from dataclasses import dataclass


def jittered_delay(attempt: int, initial_s: float, max_s: float, rng: random.Random) -> float:
    """Delay before retry number ``attempt`` (1-based): uniform in [initial, cap]."""
    doublings = min(max(0, attempt - 1), 64)  # 2**1024 overflows a float (days offline)
    cap = min(max_s, initial_s * 2**doublings)
    return rng.uniform(min(initial_s, cap), cap)


@dataclass(slots=True)
class Backoff:
    initial_s: float
    max_s: float
    current_s: float = 0.0

    def next(self) -> float:
        self.current_s = (
            self.initial_s if self.current_s == 0 else min(self.max_s, self.current_s * 2)
        )
        return self.current_s

    def reset(self) -> None:
        self.current_s = 0.0
