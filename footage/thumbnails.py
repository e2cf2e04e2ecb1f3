"""A segment row's thumbnail reference (``Segment.thumbnail_key``).

Either the key of the segment's own JPEG (footage the FFmpeg path ingested:
NVR files, transcodes), or a tile of its camera's sprite, ``<sprite key>#<tile>``
(footage.keys.sprite_tile): the edge uploads one sprite per camera per
10-minute window, and no single row owns it; its class's lifecycle rule
expires it with the footage. ``#`` never appears in a key.
"""

from __future__ import annotations

from dataclasses import dataclass

from footage.errors import KeyFormatError
from footage.keys import SPRITE_TILES, SpriteTile, parse_sprite_key

TILE_MARK = "#"


@dataclass(frozen=True, slots=True)
class ThumbnailRef:
    key: str  # the JPEG to fetch
    tile: int | None = None  # which tile of a sprite (tiles side by side, left to right)


def tile_reference(tile: SpriteTile) -> str:
    return f"{tile.key}{TILE_MARK}{tile.index}"


def parse_thumbnail(reference: str) -> ThumbnailRef:
    """What a row's thumbnail reference points at; KeyFormatError on a malformed tile."""
    key, mark, index = reference.partition(TILE_MARK)
    if not mark:
        return ThumbnailRef(key)
    parse_sprite_key(key)
    if not index.isdigit() or not 0 <= int(index) < SPRITE_TILES:
        raise KeyFormatError(f"not a sprite tile: {reference!r}")
    return ThumbnailRef(key, int(index))
