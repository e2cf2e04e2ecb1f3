"""The adaptive compression controller, window by window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from edge_uploader.adaptive import AdaptiveController, Window
from footage.config import CompressionConfig

LADDER = ("copy", "light", "small", "smallest")
T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
MB = 1_000_000


def controller(link_bps: float | None = 1 * MB) -> AdaptiveController:
    settings = CompressionConfig(ladder=list(LADDER), high_water_s=120, low_water_s=30)
    return AdaptiveController(LADDER, settings, link_bps=link_bps)


def window(backlog: int, *, sent: int = 30 * MB, sending: float = 30.0, recorded: int = 60 * MB,
           undecided: int = 0, busy: float = 0.3) -> Window:  # fmt: skip
    return Window(30.0, backlog, sent, sending, recorded, undecided, busy)


def feed(c: AdaptiveController, *windows: Window) -> list[int]:
    levels = []
    for n, w in enumerate(windows):
        c.observe(w, T0 + timedelta(seconds=30 * n))
        levels.append(c.level)
    return levels


def test_a_backlog_growing_past_high_water_compresses_more_one_level_at_a_time() -> None:
    c = controller()
    # 1 MB/s link, backlog 100 -> 200 -> 300 MB: 200 s and more to drain, growing
    assert feed(c, window(100 * MB), window(200 * MB), window(300 * MB)) == [0, 1, 2]
    assert [d.profile for d in c.history] == ["light", "small"]
    assert c.history[0].reason == "backlog takes 200 s to drain: compressing"
    assert "faster than the link drains (300 s to drain)" in c.history[1].reason


def test_a_large_backlog_starts_compression_even_while_it_shrinks() -> None:
    c = controller()
    # 300 s to drain: compressing it drains it sooner (the link never waits for it)
    assert feed(c, window(300 * MB), window(250 * MB), window(200 * MB)) == [0, 1, 1]
    assert c.history[0].reason == "backlog takes 250 s to drain: compressing"
    assert c.overflowing  # 200 s > high water: the uploader may send footage as recorded


def test_a_shrinking_backlog_does_not_climb_past_the_first_level() -> None:
    c = controller()
    assert feed(c, window(300 * MB), window(290 * MB), window(280 * MB), window(270 * MB)) == [
        0, 1, 1, 1,
    ]  # fmt: skip


def test_a_growing_backlog_under_high_water_is_left_alone() -> None:
    c = controller()
    assert feed(c, window(10 * MB), window(50 * MB), window(90 * MB)) == [0, 0, 0]


def test_never_past_the_top_of_the_ladder() -> None:
    c = controller()
    levels = feed(c, *(window(n * 200 * MB) for n in range(1, 8)))
    assert levels[-1] == len(LADDER) - 1 and max(levels) == len(LADDER) - 1


def test_relaxes_once_caught_up_if_the_lighter_level_fits_the_link() -> None:
    c = controller()
    feed(c, window(100 * MB), window(200 * MB), window(300 * MB))
    assert c.level == 2
    c.learn_ratio(1, recorded=100, compressed=30)
    assert not c.overflowing or c.backlog_s > 120
    # drained to 20 MB (20 s): cameras record 1 MB/s raw, "light" makes 0.3 MB/s of it,
    # within 80 % of the 1 MB/s link: relax to "light" but not to copy (1 MB/s > 0.8)
    levels = feed(c, *(window(20 * MB, recorded=30 * MB) for _ in range(4)))
    assert levels == [1, 1, 1, 1]
    assert "caught up" in c.history[-1].reason


def test_does_not_relax_to_a_level_the_link_cannot_carry() -> None:
    c = controller()
    feed(c, window(100 * MB), window(200 * MB))
    assert c.level == 1
    # caught up, but recording 2 MB/s as "copy" would not fit the 1 MB/s link
    assert feed(c, window(5 * MB, recorded=60 * MB), window(5 * MB, recorded=60 * MB)) == [1, 1]


def test_an_encoder_out_of_cpu_steps_down_instead_of_up() -> None:
    c = controller()
    feed(c, window(100 * MB), window(200 * MB), window(300 * MB))
    assert c.level == 2
    # the backlog still grows, but undecided segments pile up with the encoder always busy
    busy = [window(n * 100 * MB, undecided=n, busy=1.0) for n in range(4, 8)]
    assert feed(c, *busy) == [1, 1, 1, 1]  # the lightest encoding level, never back to copy
    assert "CPU budget" in c.history[-1].reason


def test_a_busy_encoder_does_not_climb_even_if_the_backlog_grows() -> None:
    c = controller()
    assert feed(c, window(100 * MB, busy=0.95), window(200 * MB, busy=0.95)) == [0, 0]


def test_the_link_rate_is_learnt_from_time_spent_sending() -> None:
    c = controller(link_bps=None)
    feed(c, window(0, sent=3 * MB, sending=1.5), window(0, sent=3 * MB, sending=14.0))
    assert c.link_bps is None  # uploads ran under half the window: too little to tell
    feed(c, window(50 * MB, sent=30 * MB, sending=15.0))
    assert c.link_bps == 2 * MB  # 30 MB in the 15 s that any upload was in flight
    feed(c, window(50 * MB, sent=30 * MB, sending=30.0))
    assert c.link_bps == 2 * MB + 0.3 * (1 * MB - 2 * MB)


def test_an_unknown_link_with_a_growing_backlog_compresses() -> None:
    c = controller(link_bps=None)  # e.g. the storage is down and nothing has gone up yet
    assert feed(c, window(10 * MB, sent=0), window(20 * MB, sent=0)) == [0, 1]


def test_ratios_are_moving_averages_capped_at_one() -> None:
    c = controller()
    c.learn_ratio(2, 100, 20)
    c.learn_ratio(2, 100, 30)
    assert c.ratios[2] == 0.2 + 0.3 * (0.3 - 0.2)
    c.learn_ratio(3, 100, 150)  # grew: it would be sent as recorded
    assert c.ratios[3] == 1.0
    c.learn_ratio(0, 100, 50)
    assert c.ratios[0] == 1.0


def test_an_idle_link_is_probed_with_a_lighter_level_after_a_while() -> None:
    c = controller()
    feed(c, window(100 * MB), window(200 * MB), window(300 * MB))
    assert (c.level, c.link_bps) == (2, 1 * MB)
    c.learn_ratio(1, recorded=100, compressed=30)
    # the link got faster: caught up, uploads in flight 1 s in 30, so it is not measured;
    # by the old estimate even "light" (0.9 MB/s of 3 MB/s recorded) would not fit
    idle = [window(1 * MB, sent=5 * MB, sending=1.0, recorded=90 * MB) for _ in range(25)]
    levels = feed(c, *idle)
    assert levels[18] == 2 and levels[19] == 1  # probe_s 600: 20 windows of 30 s
    assert c.history[-1].reason == "caught up, the link idle: trying a lighter level"
    assert levels[-1] == 1 and c.link_bps == 1 * MB
