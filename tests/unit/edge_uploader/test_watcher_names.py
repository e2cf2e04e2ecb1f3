"""Start times of NVR files: from the name, the container, or the mtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from edge_uploader.watcher import resolve_start, start_from_name
from footage.config import WatchFolder
from footage.models import MediaInfo

HIK = r"(?P<Y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})"
WIB = ZoneInfo("Asia/Jakarta")


def info(duration_s: float = 60.0, creation_time: datetime | None = None) -> MediaInfo:
    return MediaInfo(duration_s, "h264", 1920, 1080, 25.0, None, creation_time)


def folder(pattern: str | None = HIK) -> WatchFolder:
    return WatchFolder(path=Path("/nvr/export"), camera="lobby", filename_pattern=pattern)


def test_hikvision_name_in_jakarta_time() -> None:
    start = start_from_name("ch01_20261125083000.mp4", HIK, WIB)
    assert start == datetime(2026, 11, 25, 1, 30, 0, tzinfo=UTC)
    assert start is not None and start.utcoffset() == timedelta(0)


def test_name_across_midnight_goes_to_previous_utc_day() -> None:
    assert start_from_name("ch02_20260101050000.avi", HIK, WIB) == datetime(
        2025, 12, 31, 22, 0, tzinfo=UTC
    )


def test_milliseconds_group() -> None:
    pattern = HIK + r"(?P<ms>\d{3})"
    start = start_from_name("cam_20261125083000250.dav", pattern, WIB)
    assert start == datetime(2026, 11, 25, 1, 30, 0, 250_000, tzinfo=UTC)


def test_other_zone() -> None:
    start = start_from_name("20261125083000.mp4", HIK, ZoneInfo("Asia/Jayapura"))  # WIT, +09
    assert start == datetime(2026, 11, 24, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("ch01_20261125083000.mp4", None),
        ("ch01_20261125083000.mp4", ""),
        ("ch01_recording.mp4", HIK),
        ("ch01_20261325083000.mp4", HIK),  # month 13
        ("ch01_20260230083000.mp4", HIK),  # 30 February
        ("ch01_20261125256000.mp4", HIK),  # hour 25
    ],
)
def test_no_start_from_name(name: str, pattern: str | None) -> None:
    assert start_from_name(name, pattern, WIB) is None


def test_resolve_prefers_the_name() -> None:
    created = datetime(2020, 1, 1, tzinfo=UTC)
    start, source = resolve_start(
        "ch01_20261125083000.mp4", folder(), WIB, info(creation_time=created), datetime.now(UTC)
    )
    assert (start, source) == (datetime(2026, 11, 25, 1, 30, tzinfo=UTC), "file name")


def test_resolve_falls_back_to_creation_time() -> None:
    created = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    start, source = resolve_start(
        "ch01_export.mp4", folder(), WIB, info(creation_time=created), datetime.now(UTC)
    )
    assert (start, source) == (created, "container metadata")


def test_resolve_falls_back_to_mtime_minus_duration() -> None:
    mtime = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    start, source = resolve_start("clip.mp4", folder(None), WIB, info(duration_s=90.5), mtime)
    assert (start, source) == (mtime - timedelta(seconds=90.5), "mtime")
