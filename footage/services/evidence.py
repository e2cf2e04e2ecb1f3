"""Evidence holds: footage that retention must keep, in the index and in storage."""

from __future__ import annotations

import dataclasses
import logging

from footage.catalog import Catalog
from footage.models import Protection, Segment
from footage.storage import Storage

log = logging.getLogger(__name__)


def protect(catalog: Catalog, storage: Storage, protection: Protection) -> int:
    """Record the hold, then preserve every object in the range, so that the store's
    own lifecycle (S3 prefix rules) cannot expire it either. Returns how many
    segments are held.

    The hold is recorded first: if preserving fails half way, the sweep already
    keeps the footage and running protect again finishes the job."""
    catalog.add_protection(protection)
    segments = catalog.query_camera(
        protection.camera, protection.start, protection.end, include_quarantined=True
    )
    for segment in segments:
        moved = preserved(storage, segment)
        if moved != segment:
            catalog.put_segment(moved)
    log.info(
        "evidence hold on %d segments: %s",
        len(segments),
        protection.reason,
        extra={"camera": protection.camera},
    )
    return len(segments)


def preserved(storage: Storage, segment: Segment) -> Segment:
    """``segment`` with every object preserved, and its keys pointing at them."""
    key = storage.preserve(segment.key)
    own = segment.thumbnail_key if segment.thumbnail_key in segment.all_keys else None
    # a sprite tile is shared with its window: the sprite stays (its lifecycle expires it)
    thumbnail = storage.preserve(own) if own else segment.thumbnail_key
    derived = tuple(storage.preserve(k) for k in segment.derived_keys)
    if (key, thumbnail, derived) == (segment.key, segment.thumbnail_key, segment.derived_keys):
        return segment
    return dataclasses.replace(segment, key=key, thumbnail_key=thumbnail, derived_keys=derived)
