"""People read a site's wall clock with its zone, never UTC (issue 15, item 7)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from footage.localtime import format_site_clock, format_site_time, site_stamp, zone_abbr

# 6 December 2026, 05:40:20 in Jakarta: still the 5th in UTC.
MOMENT = datetime(2026, 12, 5, 22, 40, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Jakarta", "2026-12-06 05:40:20 WIB"),
        ("Asia/Pontianak", "2026-12-06 05:40:20 WIB"),
        ("Asia/Makassar", "2026-12-06 06:40:20 WITA"),
        ("Asia/Jayapura", "2026-12-06 07:40:20 WIT"),
        ("UTC", "2026-12-05 22:40:20 UTC"),
        ("Europe/Berlin", "2026-12-05 23:40:20 CET"),
        ("Asia/Tokyo", "2026-12-06 07:40:20 JST"),
        ("Asia/Dubai", "2026-12-06 02:40:20 UTC+4"),  # tzdata has no letters for it
        ("Asia/Kabul", "2026-12-06 03:10:20 UTC+4:30"),
        ("America/Sao_Paulo", "2026-12-05 19:40:20 UTC-3"),
        ("Mars/Olympus_Mons", "2026-12-05 22:40:20 UTC"),  # a removed site: UTC, said so
    ],
)
def test_site_time_is_the_wall_clock_with_the_zone(zone: str, expected: str) -> None:
    assert format_site_time(MOMENT, zone) == expected


def test_summer_time_names_follow_the_date() -> None:
    july = datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert zone_abbr("Europe/Berlin", july) == "CEST"
    assert format_site_time(july, "America/New_York") == "2026-07-01 08:00:00 EDT"


def test_clock_and_file_stamp() -> None:
    assert format_site_clock(MOMENT, "Asia/Makassar") == "06:40:20 WITA"
    assert site_stamp(MOMENT, "Asia/Jakarta") == "2026-12-06_05-40-20_WIB"
    assert site_stamp(MOMENT, "Asia/Kabul") == "2026-12-06_03-10-20_UTC+430"
