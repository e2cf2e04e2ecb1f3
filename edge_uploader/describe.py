"""The edge describes each segment it recorded, for the cloud to index from a HEAD.

The uploader has the file in hand: one ffprobe of its headers (a few ms) and a
read of its first 64 KiB give what ingest would otherwise download the whole
segment and run ffmpeg for (footage.description, footage.services.
ingest_described). A file the edge did not record (an NVR's, an original) or
cannot describe goes up undescribed, and the cloud probes it as before.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from footage.description import SegmentDescription, to_metadata
from footage.errors import MediaError
from footage.media.mp4 import read_init_section_size
from footage.media.probe import probe_file
from footage.storage import META_ORIGIN, META_SEGMENT

log = logging.getLogger(__name__)


def description_metadata(
    path: Path,
    *,
    site: str,
    camera: str,
    start: datetime,
    sha256: str,
    extra: Mapping[str, str],
) -> dict[str, str]:
    """The metadata describing ``path`` (empty when it is not the edge's own
    recording, per the watcher's ``extra`` metadata, or cannot be described)."""
    if extra.get(META_ORIGIN) or extra.get(META_SEGMENT):
        return {}
    try:
        info = probe_file(path)
        init_size = read_init_section_size(path)
        described = SegmentDescription(
            site=site, camera=camera, start=start, duration_ms=round(info.duration_s * 1000),
            codec=info.codec, width=info.width, height=info.height, fps=info.fps,
            size=path.stat().st_size, init_size=init_size, sha256=sha256,
            audio_codec=info.audio_codec,
        )  # fmt: skip
        return to_metadata(described)
    except (MediaError, OSError, ValueError) as exc:
        log.warning("sent undescribed (the cloud probes it): %s", exc,
                    extra={"camera": camera, "site": site, "key": path.name})  # fmt: skip
        return {}
