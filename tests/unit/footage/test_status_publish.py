"""When the edge writes status/<SITE>.json: on a change the head office acts on, or
every HEARTBEAT (footage.site_status.should_publish), and what that costs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from footage.site_status import (
    BACKLOG_SLACK,
    CHECK_INTERVAL,
    FRESH_FOR,
    HEARTBEAT,
    STALE_AFTER,
    EdgeCamera,
    EdgeReport,
    backlog_moved,
    should_publish,
)
from footage.watch_account import WatchFolderReport

T0 = datetime(2026, 12, 1, tzinfo=UTC)
DAY, MONTH = timedelta(days=1), timedelta(days=30)
PUT_USD = 0.005 / 1000  # S3 Standard PUT, us-east-1 and ap-southeast-3 alike


def _camera(name: str, now: datetime, **fields: object) -> EdgeCamera:
    """A camera of a steady site at ``now``: recording, one segment in flight,
    its last upload a few seconds ago."""
    values: dict[str, object] = {
        "camera": name, "state": "recording", "last_segment_at": now - timedelta(seconds=5),
        "backlog_count": 1, "backlog_bytes": 7_000_000 + now.minute * 1000,
        "backlog_oldest": now - timedelta(seconds=5), "last_upload_at": now - timedelta(seconds=20),
    }  # fmt: skip
    values.update(fields)
    return EdgeCamera.model_construct(**values)  # typed values: a month of them stays fast


def _report(now: datetime, *cameras: EdgeCamera, **fields: object) -> EdgeReport:
    cams = list(cameras) or [_camera(f"c{n}", now) for n in range(5)]
    return EdgeReport.model_construct(site="CABANG-01", published_at=now, cameras=cams,
                      upload_rate_bps=1e6 + now.minute, drain_eta_s=float(now.second),
                      **fields)  # type: ignore[arg-type]  # fmt: skip


def _month(report_at: Callable[[datetime], EdgeReport]) -> int:
    """PUTs in 30 days of checks a CHECK_INTERVAL apart, every write succeeding: a
    day of them (the sites here repeat daily), times 30."""
    written: EdgeReport | None = None
    puts, now = 0, T0
    while now < T0 + DAY:
        new = report_at(now)
        if should_publish(written, new, now):
            written, puts = new, puts + 1
        now += CHECK_INTERVAL
    return puts * (MONTH // DAY)


def test_a_steady_site_writes_only_its_heartbeat() -> None:
    puts = _month(_report)
    assert puts == MONTH // HEARTBEAT == 4320
    assert round(puts * PUT_USD, 4) == 0.0216  # was 43,200 PUTs, $0.216 per site-month


def test_a_flapping_camera_writes_on_each_change() -> None:
    def flapping(now: datetime) -> EdgeReport:
        down = (now - T0) // timedelta(minutes=5) % 2 == 1  # 5 minutes down, 5 up
        cams = [_camera(f"c{n}", now) for n in range(4)]
        state = {"state": "offline", "problem": "unreachable"} if down else {}
        return _report(now, *cams, _camera("c4", now, **state))

    puts = _month(flapping)
    assert puts == MONTH // timedelta(minutes=5) == 8640  # each change; no heartbeat needed
    # a change every minute is the most there can be: one PUT per check, as before
    assert _month(lambda now: _report(now, upload_error=f"503 at {now:%H:%M}")) == 43200


def test_a_site_that_dies_shows_silent_within_heartbeat_and_grace() -> None:
    written = _report(T0)
    assert should_publish(None, written, T0)  # the first report after a start
    late = T0 + HEARTBEAT - CHECK_INTERVAL
    assert not should_publish(written, _report(late), late)
    assert should_publish(written, _report(T0 + HEARTBEAT), T0 + HEARTBEAT)
    # the reader: fresh until FRESH_FOR after the last write, then "edge silent"
    assert written.fresh(T0 + HEARTBEAT + timedelta(minutes=4))
    assert not written.fresh(T0 + FRESH_FOR + timedelta(seconds=1))
    assert timedelta(minutes=15) == FRESH_FOR


@pytest.mark.parametrize(
    "change",
    [
        {"running": False},
        {"spool_full": True},
        {"upload_error": "PUT segments/...: 503 Slow Down"},
        {"compression_profile": "strong"},
        {"camera": {"state": "offline", "problem": "unreachable"}},
        {"camera": {"last_error": "Connection refused"}},
        {"camera": {"live": "retrying", "live_error": "no video"}},
        {"camera": {"problem": "nvr_silent"}},
    ],
)
def test_each_change_the_head_office_acts_on_writes_at_once(change: dict[str, object]) -> None:
    written = _report(T0)
    now = T0 + 2 * CHECK_INTERVAL
    fields = dict(change)
    camera_fields = fields.pop("camera", None)
    cams = [_camera("c0", now, **camera_fields)] if isinstance(camera_fields, dict) else []
    new = _report(now, *cams, *(_camera(f"c{n}", now) for n in range(len(cams), 5)), **fields)
    assert should_publish(written, new, now)
    assert not should_publish(written, _report(now), now)  # the same site, two minutes on


def test_a_camera_added_or_gone_writes() -> None:
    written = _report(T0)
    now = T0 + CHECK_INTERVAL
    assert should_publish(written, _report(now, *(_camera(f"c{n}", now) for n in range(4))), now)


def test_numbers_that_move_every_minute_wait_for_the_heartbeat() -> None:
    written = _report(T0)
    now = T0 + 3 * CHECK_INTERVAL
    cams = [_camera(f"c{n}", now, backlog_count=2, backlog_bytes=9_999_999, live_viewers=3)
            for n in range(5)]  # fmt: skip
    new = _report(now, *cams, upload_rate_avg_bps=12345.0, compression_ratio=1.7)
    assert not should_publish(written, new, now)


def test_the_backlog_count_writes_when_it_more_than_doubles_or_halves() -> None:
    assert not backlog_moved(0, BACKLOG_SLACK)  # a handful in flight: routine
    assert backlog_moved(0, BACKLOG_SLACK + 1)
    assert not backlog_moved(100, 2 * 100 + BACKLOG_SLACK)
    assert backlog_moved(100, 2 * 100 + BACKLOG_SLACK + 1)
    assert backlog_moved(100, 44) and not backlog_moved(100, 45)
    # relative to what was written: a count hovering at any value never flaps
    assert not any(backlog_moved(written, n) for written in (9, 10, 11) for n in (9, 10, 11))
    written = _report(T0)
    now = T0 + CHECK_INTERVAL
    growing = [_camera(f"c{n}", now, backlog_count=5) for n in range(5)]  # 5 -> 25 > 2*5+10
    assert should_publish(written, _report(now, *growing), now)


def test_uploads_turning_stale_or_a_backlog_turning_overdue_is_judged_as_the_api_does() -> None:
    """The written report, read at ``now``, must not say something the new one does not."""
    quiet = T0 - STALE_AFTER + timedelta(minutes=1)  # the last upload: 14 minutes ago
    cams = [_camera("c0", T0, last_upload_at=quiet, backlog_count=0, backlog_oldest=None)]
    written = _report(T0, *cams)
    now = T0 + 2 * CHECK_INTERVAL  # 16 minutes since that upload, none since: stale now
    assert not should_publish(written, _report(now, *cams), now)  # both say stale: same
    uploaded = [_camera("c0", now, backlog_count=0, backlog_oldest=None)]
    assert should_publish(written, _report(now, *uploaded), now)  # the API would say stale
    # a segment waiting since before the last write turns overdue: the API sees that too
    old = T0 - STALE_AFTER + timedelta(seconds=30)
    waiting = [_camera("c0", T0, backlog_oldest=old)]
    written = _report(T0, *waiting)
    assert not should_publish(written, _report(now, *waiting), now)
    # ...but once it went up, the written report would call a fresh backlog overdue
    assert should_publish(written, _report(now, _camera("c0", now)), now)


def test_problem_files_in_a_watch_folder_write_routine_ones_wait() -> None:
    def folder(**counts: int) -> WatchFolderReport:
        return WatchFolderReport(path="/nvr/gudang", camera="gudang", site="CABANG-01",
                                 counts=counts)  # fmt: skip

    written = _report(T0, watch_folders=[folder(ingested=10)])
    now = T0 + CHECK_INTERVAL
    assert not should_publish(written, _report(now, watch_folders=[folder(ingested=11)]), now)
    assert should_publish(
        written, _report(now, watch_folders=[folder(ingested=10, quarantined=1)]), now
    )
