"""Find footage: the query behind ``vms footage ls`` (and later the API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from footage.catalog import Catalog
from footage.models import Segment

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FootageFilter:
    site: str | None = None
    camera: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    include_quarantined: bool = False


def list_footage(
    catalog: Catalog, known_cameras: dict[str, str], query: FootageFilter
) -> list[Segment]:
    """Segments matching the filter, by camera then start.

    ``known_cameras`` maps configured camera ids to sites; cameras that only
    exist in the index (removed from the config) are included as well.
    """
    start, end = query.start or EARLIEST, query.end or LATEST
    cameras = dict(known_cameras)
    for camera in catalog.cameras():
        cameras.setdefault(camera, "")
    selected = [c for c in sorted(cameras) if query.camera in (None, c)]
    found: list[Segment] = []
    for camera in selected:
        site = cameras[camera]
        if query.site and site and site != query.site:
            continue
        rows = catalog.query_camera(
            camera, start, end, include_quarantined=query.include_quarantined
        )
        found.extend(s for s in rows if query.site in (None, s.site))
    return found
