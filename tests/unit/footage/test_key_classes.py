"""Retention classes in keys (``<kind>/retention=<days>/<site>/...``) and thumbnail sprites."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from footage.errors import KeyFormatError
from footage.keys import (
    SPRITE_TILE_SECONDS,
    SPRITE_TILES,
    SPRITE_WINDOW,
    KeyKind,
    build_camera_prefix,
    build_class_prefix,
    build_day_prefix,
    build_key,
    build_rendition_key,
    build_segment_key,
    build_site_prefix,
    build_sprite_key,
    build_thumbnail_key,
    parse_key,
    parse_sprite_key,
    sprite_tile,
    sprite_window_start,
    validate_retention_days,
)

START = datetime(2026, 11, 25, 1, 30, 17, tzinfo=UTC)
LEGACY = "segments/HO/cam1/2026/11/25/cam1_20261125T013017Z.mp4"


def test_legacy_keys_without_a_class_still_parse_and_round_trip() -> None:
    parsed = parse_key(LEGACY)
    assert (parsed.site, parsed.camera, parsed.retention_days) == ("HO", "cam1", None)
    assert build_key(KeyKind.SEGMENT, "HO", "cam1", START, retention_days=None) == LEGACY
    thumb = build_thumbnail_key("HO", "cam1", START, retention_days=None)
    assert thumb == "thumbnails/HO/cam1/2026/11/25/cam1_20261125T013017Z.jpg"


def test_classed_key_names_the_class_after_the_kind() -> None:
    key = build_segment_key("HO", "cam1", START, retention_days=180)
    assert key == "segments/retention=180/HO/cam1/2026/11/25/cam1_20261125T013017Z.mp4"
    assert parse_key(key).retention_days == 180
    assert key.startswith(build_day_prefix(KeyKind.SEGMENT, "HO", "cam1", START.date(),
                                           retention_days=180))  # fmt: skip
    assert key.startswith(build_camera_prefix(KeyKind.SEGMENT, "HO", "cam1", retention_days=180))
    assert build_site_prefix(KeyKind.SEGMENT, "HO", 180) == "segments/retention=180/HO/"
    assert build_class_prefix(KeyKind.THUMBNAIL, 7) == "thumbnails/retention=7/"
    assert build_class_prefix(KeyKind.SEGMENT, None) == "segments/"


@pytest.mark.parametrize("site", ["retention", "retention-30", "retention_30", "R30"])
def test_a_site_named_like_a_class_is_never_read_as_one(site: str) -> None:
    key = build_segment_key(site, "cam1", START, retention_days=30)
    parsed = parse_key(key)
    assert (parsed.site, parsed.camera, parsed.retention_days) == (site, "cam1", 30)
    legacy = build_key(KeyKind.SEGMENT, site, "cam1", START, retention_days=None)
    assert (parse_key(legacy).site, parse_key(legacy).retention_days) == (site, None)


@pytest.mark.parametrize(
    "key",
    [
        # a class where the site goes (or a site that tries to be one): '=' is no id
        "segments/retention=30/cam1/2026/11/25/cam1_20261125T013017Z.mp4",
        "segments/HO/retention=30/cam1/2026/11/25/cam1_20261125T013017Z.mp4",
        "segments/retention=30/retention=30/HO/cam1/2026/11/25/cam1_20261125T013017Z.mp4",
        "segments/retention=030/HO/cam1/2026/11/25/cam1_20261125T013017Z.mp4",  # not canonical
        "segments/retention=0/HO/cam1/2026/11/25/cam1_20261125T013017Z.mp4",
        "segments/retention=3651/HO/cam1/2026/11/25/cam1_20261125T013017Z.mp4",
        "segments/retention=/HO/cam1/2026/11/25/cam1_20261125T013017Z.mp4",
        "segments/retention=-1/HO/cam1/2026/11/25/cam1_20261125T013017Z.mp4",
        "segments/Retention=30/HO/cam1/2026/11/25/cam1_20261125T013017Z.mp4",
        # renditions have their own lifecycle, never a class
        "renditions/retention=30/HO/cam1/2026/11/25/cam1_20261125T013017Z.h264.mp4",
    ],
)
def test_malformed_classes_are_not_keys(key: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_key(key)


@pytest.mark.parametrize("days", [0, -1, 3651, True, 1.5])
def test_bad_retention_classes_are_refused(days: int) -> None:
    with pytest.raises(KeyFormatError, match="retention class"):
        validate_retention_days(days)
    with pytest.raises(KeyFormatError):
        build_segment_key("HO", "cam1", START, retention_days=days)


def test_renditions_carry_no_class() -> None:
    assert parse_key(build_rendition_key("HO", "cam1", START, "h264")).retention_days is None
    with pytest.raises(KeyFormatError, match="no retention class"):
        build_key(KeyKind.RENDITION, "HO", "cam1", START, retention_days=30, profile="h264")


def test_sprite_constants_make_ten_one_minute_tiles() -> None:
    assert timedelta(minutes=10) == SPRITE_WINDOW
    assert (SPRITE_TILE_SECONDS, SPRITE_TILES) == (60, 10)


def test_sprite_key_layout_and_round_trip() -> None:
    window = datetime(2026, 11, 25, 23, 50, tzinfo=UTC)
    key = build_sprite_key("HO", "cam1", window, retention_days=30)
    assert key == "thumbnails/retention=30/HO/cam1/2026/11/25/cam1_20261125T235000Z.sprite.jpg"
    parsed = parse_sprite_key(key)
    assert parsed.is_sprite and not parsed.is_original
    assert (parsed.start, parsed.retention_days, parsed.camera) == (window, 30, "cam1")
    with pytest.raises(KeyFormatError, match="not a sprite"):
        parse_sprite_key(build_thumbnail_key("HO", "cam1", window, retention_days=30))


@pytest.mark.parametrize(
    "bad",
    [
        "thumbnails/retention=30/HO/cam1/2026/11/25/cam1_20261125T235100Z.sprite.jpg",  # 23:51
        "thumbnails/retention=30/HO/cam1/2026/11/25/cam1_20261125T235001Z.sprite.jpg",
        "thumbnails/retention=30/HO/cam1/2026/11/25/cam1_20261125T235000Z-0123456789abcdef"
        ".sprite.jpg",
        "segments/retention=30/HO/cam1/2026/11/25/cam1_20261125T235000Z.sprite.jpg",
    ],
)
def test_misaligned_or_misplaced_sprites_are_not_keys(bad: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_key(bad)


def test_sprite_tile_of_each_segment_in_a_window() -> None:
    window = datetime(2026, 11, 25, 23, 50, tzinfo=UTC)
    sprite = build_sprite_key("HO", "cam1", window, retention_days=30)
    for second in range(0, 600, 7):
        tile = sprite_tile("HO", "cam1", window + timedelta(seconds=second), retention_days=30)
        assert (tile.key, tile.window_start) == (sprite, window)
        assert tile.index == second // 60
    last = sprite_tile("HO", "cam1", window + timedelta(seconds=599), retention_days=30)
    assert last.index == SPRITE_TILES - 1
    after = sprite_tile("HO", "cam1", window + SPRITE_WINDOW, retention_days=30)
    assert (after.index, after.window_start) == (0, window + SPRITE_WINDOW)


def test_sprite_windows_follow_utc_whatever_the_zone() -> None:
    # 06:55:30 in Kathmandu (+05:45) is 01:10:30 UTC: window 01:10, tile 0.
    local = datetime(2026, 11, 25, 6, 55, 30, tzinfo=ZoneInfo("Asia/Kathmandu"))
    assert sprite_window_start(local) == datetime(2026, 11, 25, 1, 10, tzinfo=UTC)
    # the window across midnight UTC lands in the folder of its start
    tile = sprite_tile("HO", "cam1", datetime(2026, 11, 25, 23, 59, 59, tzinfo=UTC),
                       retention_days=1)  # fmt: skip
    assert tile.index == 9 and "/2026/11/25/cam1_20261125T235000Z.sprite.jpg" in tile.key
    with pytest.raises(KeyFormatError, match="naive"):
        sprite_window_start(datetime(2026, 11, 25, 1, 10))
