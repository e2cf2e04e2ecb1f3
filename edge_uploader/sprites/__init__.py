"""Thumbnail sprites made at the edge (service: the lifecycle's second kind of
item; media: the ffmpeg steps)."""

from edge_uploader.sprites.service import SpritePolicy, Sprites, sprite_policy

__all__ = ["SpritePolicy", "Sprites", "sprite_policy"]
