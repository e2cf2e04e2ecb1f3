"""footage.thumbnails: a row's thumbnail reference, its own JPEG or a sprite tile."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from footage.errors import KeyFormatError
from footage.keys import sprite_tile
from footage.thumbnails import ThumbnailRef, parse_thumbnail, tile_reference

START = datetime(2026, 12, 5, 9, 37, 30, tzinfo=UTC)


def test_a_tile_round_trips():
    tile = sprite_tile("HO", "lobby", START, retention_days=30)
    assert parse_thumbnail(tile_reference(tile)) == ThumbnailRef(tile.key, 7)


def test_a_jpeg_of_its_own_is_its_key():
    key = "thumbnails/retention=30/HO/lobby/2026/12/05/lobby_20261205T093730Z.jpg"
    assert parse_thumbnail(key) == ThumbnailRef(key)


@pytest.mark.parametrize("tail", ["#10", "#-1", "#x", "#"])
def test_a_tile_out_of_its_sprite_is_refused(tail):
    tile = sprite_tile("HO", "lobby", START, retention_days=30)
    with pytest.raises(KeyFormatError):
        parse_thumbnail(tile.key + tail)
    with pytest.raises(KeyFormatError):
        parse_thumbnail("segments/HO/lobby/2026/12/05/lobby_20261205T093730Z.mp4#1")
