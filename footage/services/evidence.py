"""Evidence holds: footage that retention must keep, in the index and in storage."""

from __future__ import annotations

import logging

from footage.catalog import Catalog
from footage.models import Protection
from footage.storage import HOLD_LABEL, Storage

log = logging.getLogger(__name__)


def protect(catalog: Catalog, storage: Storage, protection: Protection) -> int:
    """Record the hold, then label every object in the range so that the store's
    own lifecycle (S3 rules) keeps it too. Returns the number of segments held.

    The hold is recorded first: if labelling fails half way, the sweep already
    keeps the footage and running protect again finishes the labels."""
    catalog.add_protection(protection)
    segments = catalog.query_camera(
        protection.camera, protection.start, protection.end, include_quarantined=True
    )
    for segment in segments:
        for key in segment.all_keys:
            storage.set_retention_label(key, HOLD_LABEL)
    log.info(
        "evidence hold on %d segments: %s",
        len(segments),
        protection.reason,
        extra={"camera": protection.camera},
    )
    return len(segments)
