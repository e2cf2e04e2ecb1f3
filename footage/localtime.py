"""What people read: a site's wall clock, 24-hour, with its zone's name.

Storage keys and the index stay UTC; every time printed for a person (the CLI,
file names offered for download) goes through here. Indonesian zones carry
their own names (WIB, WITA, WIT); elsewhere the zone's abbreviation (CET,
EST), or its offset (UTC+9) when it has none. The web viewer's ``time.ts``
names zones the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The legal names of Indonesia's three zones.
INDONESIAN_ZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def known_zone(timezone: str) -> str:
    """``timezone`` if it is an IANA zone this machine knows; ValueError otherwise
    (the config's check of a site's and a recipient's zone)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA timezone {timezone!r}") from exc
    return timezone


def site_zone(timezone: str) -> ZoneInfo:
    """The zone of an IANA name; UTC for an unknown one (a removed site's footage)."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def zone_abbr(timezone: str, at: datetime) -> str:
    """WIB / WITA / WIT, else the zone's abbreviation at ``at`` (CET or CEST), else
    its offset from UTC (UTC+9, UTC+5:30)."""
    if timezone in INDONESIAN_ZONES:
        return INDONESIAN_ZONES[timezone]
    local = at.astimezone(site_zone(timezone))
    name = local.tzname() or ""
    if name.isalpha():
        return name
    return _offset_label(local.utcoffset() or timedelta(0))


def _offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_site_time(moment: datetime, timezone: str) -> str:
    """``2026-12-06 05:40:20 WIB``: the site's wall clock at an aware instant."""
    local = moment.astimezone(site_zone(timezone))
    return f"{local:%Y-%m-%d %H:%M:%S} {zone_abbr(timezone, moment)}"


def format_site_clock(moment: datetime, timezone: str) -> str:
    """``05:40:20 WIB``: the time of day only (the date is understood)."""
    local = moment.astimezone(site_zone(timezone))
    return f"{local:%H:%M:%S} {zone_abbr(timezone, moment)}"


def site_stamp(moment: datetime, timezone: str) -> str:
    """``2026-12-06_05-40-20_WIB``: the site's wall clock for a file name (no
    character a file system or a shell treats specially)."""
    local = moment.astimezone(site_zone(timezone))
    return f"{local:%Y-%m-%d_%H-%M-%S}_{zone_abbr(timezone, moment).replace(':', '')}"
