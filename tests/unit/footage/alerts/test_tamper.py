"""Tampering scores on small grey frames (pure), and the rule firing once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from footage.alerts.decide import Condition, decide
from footage.alerts.models import Rule
from footage.alerts.tamper import (
    FRAME_BYTES,
    PROBE_H,
    PROBE_W,
    CameraLooks,
    Look,
    judge,
)


def scene(seed: int = 1, noise: int = 3) -> bytes:
    """A textured scene (gradient + blocks) with a little sensor noise."""
    rng = random.Random(seed)
    px = []
    for y in range(PROBE_H):
        for x in range(PROBE_W):
            base = 40 + 2 * x + (60 if (x // 8 + y // 6) % 2 else 0)
            px.append(max(0, min(255, base + rng.randint(-noise, noise))))
    return bytes(px)


def flat(value: int) -> bytes:
    return bytes([value]) * FRAME_BYTES


def test_black_covered_frozen_moved_and_fine() -> None:
    live = scene(1)
    assert judge(live, [scene(2), scene(3)], scene(4)) is None
    assert judge(flat(3), [], None) is Look.BLACK
    assert judge(flat(140), [], None) is Look.COVERED
    assert judge(live, [live, live], None) is Look.FROZEN
    assert judge(live, [live], None) is None  # one repeat is not yet frozen
    moved = bytes(reversed(live))  # the same kind of picture, another place
    assert judge(moved, [scene(2), scene(3)], scene(4)) is Look.MOVED


def test_a_dark_scene_at_night_is_not_black() -> None:
    night = bytes(max(0, b // 6) for b in scene(5, noise=20))
    assert judge(night, [], None) is None


def test_reference_follows_and_relearns() -> None:
    cam = CameraLooks(previous=[])
    for seed in range(5):
        assert cam.observe(scene(seed)) is None
    looks = [cam.observe(bytes(reversed(scene(10 + i)))) for i in range(130)]
    assert looks[0] is Look.MOVED and looks[-1] is None  # relearnt after an hour of probes
    assert cam.reference == bytes(reversed(scene(10 + 129)))  # follows the new scene


def test_black_picture_raises_one_tampering_alert() -> None:
    cam = CameraLooks(previous=[])
    t0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    cam.observe(scene(1))
    opened, open_keys, since = [], [], None
    for i in range(20):  # a check every 30 s for 10 minutes, the picture black
        now = t0 + timedelta(seconds=30 * i)
        look = cam.observe(flat(0))
        assert look is Look.BLACK
        since = since or now
        cond = Condition(
            Rule.TAMPERING,
            "HO",
            since,
            timedelta(minutes=5),
            camera="c1",
            facts={"what": look.value},
        )
        out = decide(open_keys, [cond], now)
        opened += out.opens
        open_keys += [c.key for c in out.opens]
    assert [c.key for c in opened] == ["tampering/HO/c1"]
    assert decide(open_keys, [], t0 + timedelta(minutes=11)).clears == ["tampering/HO/c1"]
