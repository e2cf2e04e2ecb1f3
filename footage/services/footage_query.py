"""Find footage: the queries behind ``vms footage ls`` and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from footage.catalog import Catalog
from footage.coverage import Coverage, Gap, explain_gaps, range_coverage
from footage.models import Segment

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
#: One request covers at most this much (a month of 60 s segments is 44,640 rows).
MAX_QUERY_RANGE = timedelta(days=31)


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


@dataclass(frozen=True, slots=True)
class CameraFootage:
    segments: list[Segment]
    gaps: list[Gap]


def camera_footage(catalog: Catalog, camera: str, start: datetime, end: datetime) -> CameraFootage:
    """What one camera recorded in [start, end), quarantined segments included (the
    viewer shows why they cannot play), and the gaps no playable segment covers,
    each with its reason (footage.coverage.explain_gaps)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end need a time zone")
    if end <= start:
        raise ValueError("end must be after start")
    if end - start > MAX_QUERY_RANGE:
        raise ValueError(f"a query spans at most {MAX_QUERY_RANGE.days} days")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    segments = catalog.query_camera(camera, start, end, include_quarantined=True)
    return CameraFootage(segments, explain_gaps(segments, start, end))


def camera_coverage(catalog: Catalog, camera: str, start: datetime, end: datetime) -> Coverage:
    """[start, end) of one camera as what plays and what is missing, with why (what
    an export of the range will hold, said before it is made)."""
    found = camera_footage(catalog, camera, start, end)
    return range_coverage(found.segments, start.astimezone(UTC), end.astimezone(UTC))


def last_segment_end(catalog: Catalog, camera: str) -> datetime | None:
    """End of the camera's newest playable segment, if any."""
    latest = catalog.latest_segment(camera)
    return latest.end if latest else None
