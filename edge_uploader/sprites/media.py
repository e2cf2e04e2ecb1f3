"""The two ffmpeg steps of a sprite, as argument lists (pure) and their runs.

A *tile* is a segment's first keyframe, scaled into :data:`TILE_WIDTH` x
:data:`TILE_HEIGHT` (16:9, the viewer's preview, letterboxed: the viewer lines
tiles up by their index alone) as a JPEG: ``-skip_frame nokey`` decodes that one
keyframe and nothing else (measured on this machine: about 0.08 CPU-s for a
1080p segment). A *sprite* is a window's tiles side by side, left to right, one
JPEG of :data:`~footage.keys.SPRITE_TILES` tiles; a tile nobody made (the camera
was down, the segment dropped) is black.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from footage.errors import MediaError
from footage.keys import SPRITE_TILES
from footage.media.commands import FFMPEG
from footage.media.runner import run_tool

TILE_WIDTH = 320
TILE_HEIGHT = 180
_SIZE = f"{TILE_WIDTH}:{TILE_HEIGHT}"
_FIT = (
    f"scale={_SIZE}:force_original_aspect_ratio=decrease,"
    f"pad={_SIZE}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuvj420p"
)
_BASE = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
_JPEG = ["-frames:v", "1", "-c:v", "mjpeg", "-update", "1", "-f", "image2"]
TILE_QUALITY = "3"  # the sprite re-encodes it: keep this generation sharp
SPRITE_QUALITY = "5"
TIMEOUT_S = 30.0


def tile_command(src: Path, dst: Path) -> list[str]:
    """The first keyframe of ``src`` as a tile, one decoder thread."""
    return [
        *_BASE, "-threads", "1", "-skip_frame", "nokey", "-i", str(src), "-map", "0:v:0",
        "-an", "-vf", _FIT, "-q:v", TILE_QUALITY, *_JPEG, str(dst),
    ]  # fmt: skip


def sprite_command(tiles: Mapping[int, Path], dst: Path) -> list[str]:
    """Tiles ``0..SPRITE_TILES-1`` side by side (absent ones black) into ``dst``."""
    if any(not 0 <= index < SPRITE_TILES for index in tiles):
        raise ValueError(f"a sprite has tiles 0..{SPRITE_TILES - 1}: {sorted(tiles)}")
    inputs: list[str] = []
    for index in range(SPRITE_TILES):
        path = tiles.get(index)
        if path is None:
            inputs += ["-f", "lavfi", "-i", f"color=c=black:s={TILE_WIDTH}x{TILE_HEIGHT}:d=1"]
        else:
            inputs += ["-i", str(path)]
    fitted = "".join(f"[{i}:v]{_FIT}[t{i}];" for i in range(SPRITE_TILES))
    row = "".join(f"[t{i}]" for i in range(SPRITE_TILES))
    graph = f"{fitted}{row}hstack=inputs={SPRITE_TILES}"
    return [*_BASE, *inputs, "-filter_complex", graph, "-q:v", SPRITE_QUALITY, *_JPEG, str(dst)]


def make_tile(src: Path, dst: Path) -> int:
    """Write ``src``'s tile to ``dst``; its size. MediaError if none was made."""
    run_tool(tile_command(src, dst), TIMEOUT_S)
    return _made(dst)


def make_sprite(tiles: Mapping[int, Path], dst: Path) -> int:
    """Write the sprite of ``tiles`` to ``dst``; its size. MediaError if none was made."""
    run_tool(sprite_command(tiles, dst), TIMEOUT_S)
    return _made(dst)


def _made(path: Path) -> int:
    size = path.stat().st_size if path.exists() else 0
    if size == 0:
        raise MediaError(f"ffmpeg made no picture at {path.name}")
    return size
