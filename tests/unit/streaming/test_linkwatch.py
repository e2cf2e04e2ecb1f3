"""streaming.linkwatch: a viewer whose browser reports loss gets keyframes only, tries
every frame again after clean reports, and waits longer after a try that failed."""

from __future__ import annotations

from streaming.linkwatch import MAX_PROBE_S, PROBE_S, LinkChange, LinkWatch


def feed(watch: LinkWatch, losses: list[float], start: float = 0.0) -> list[LinkChange | None]:
    return [watch.report(loss, start + n) for n, loss in enumerate(losses)]


def test_one_lossy_report_is_a_burst_two_in_a_row_limit() -> None:
    watch = LinkWatch(lossy=0.1)
    assert feed(watch, [0.2, 0.0, 0.3, 0.0]) == [None] * 4
    assert feed(watch, [0.2, 0.15], start=4) == [None, LinkChange.LIMIT]
    assert watch.limited
    assert watch.report(0.5, 6) is None  # already limited: nothing more to do


def test_clean_reports_for_the_probe_time_release_it() -> None:
    watch = LinkWatch(lossy=0.1)
    feed(watch, [0.2, 0.2])
    clean = feed(watch, [0.0] * int(PROBE_S + 1), start=2)
    assert clean[:-1] == [None] * int(PROBE_S) and clean[-1] is LinkChange.RELEASE
    assert not watch.limited
    # a lossy report while limited restarts the clean run
    feed(watch, [0.2, 0.2], start=20)
    assert feed(watch, [0.0] * 5 + [0.3] + [0.0] * 5, start=22) == [None] * 11


def test_a_failed_try_doubles_the_wait_and_a_held_one_resets_it() -> None:
    watch = LinkWatch(lossy=0.1)
    at = 0.0
    for expected in (PROBE_S, PROBE_S * 2, PROBE_S * 4):
        assert feed(watch, [0.2, 0.2], start=at)[-1] is LinkChange.LIMIT
        assert watch.probe_s == expected
        at += 2
        while watch.report(0.0, at) is not LinkChange.RELEASE:
            at += 1
        at += 1  # the try fails at once
    for _ in range(6):
        feed(watch, [0.2, 0.2], start=at)
        while watch.limited:
            at += 1
            watch.report(0.0, at)
    assert watch.probe_s == MAX_PROBE_S
    assert feed(watch, [0.0] * 61, start=at + 1)[-1] is None  # held for a minute
    assert watch.probe_s == PROBE_S
