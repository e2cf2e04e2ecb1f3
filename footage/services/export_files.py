"""The files an export offers: their names in the site's time, and the sidecar.

Storage keys stay UTC (``exports/<id>/<camera>_<UTC start>_<UTC end>.mp4``); people
download the clip as ``<camera>_2026-12-06_05-40-20_WIB_to_05-41-50_WIB.mp4`` (the
end's date too when it is another day), and beside it a small JSON sidecar of
the same name that says what the clip holds and what it lacks: the requested
range, the covered and missing intervals (UTC, and the site's wall clock with
its zone), why each part is missing, and every stored segment it was cut from
with its SHA-256, so the clip can be checked against the archive later.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from footage.coverage import GAP_TEXTS, Coverage, Gap
from footage.localtime import format_site_time, site_stamp
from footage.models import Segment, TimeRange

SIDECAR_FORMAT = "cctv-vms/export-sidecar/1"


def stored_name(camera: str, start: datetime, end: datetime) -> str:
    """The MP4's name in the storage (UTC, like every key)."""
    return f"{camera}_{_stamp(start)}_{_stamp(end)}.mp4"


def download_name(camera: str, start: datetime, end: datetime, timezone: str) -> str:
    """``<camera>_<site start>_to_<site end>.mp4``; the end's date only when it differs."""
    first, last = site_stamp(start, timezone), site_stamp(end, timezone)
    if last[:10] == first[:10]:
        last = last[11:]
    return f"{camera}_{first}_to_{last}.mp4"


def sidecar_name(mp4_name: str) -> str:
    return mp4_name.removesuffix(".mp4") + ".json"


@dataclass(frozen=True, slots=True)
class ClipFile:
    name: str
    sha256: str
    size_bytes: int
    duration_s: float


@dataclass(frozen=True, slots=True)
class SidecarFacts:
    export_id: str
    camera: str
    site: str
    timezone: str
    start: datetime
    end: datetime
    created_by: str
    created_at: datetime


def sidecar_json(
    facts: SidecarFacts, coverage: Coverage, segments: Sequence[Segment], clip: ClipFile
) -> bytes:
    tz = facts.timezone
    body: dict[str, Any] = {
        "format": SIDECAR_FORMAT,
        "export_id": facts.export_id,
        "camera": facts.camera,
        "site": facts.site,
        "timezone": tz,
        "requested": interval_json(TimeRange(facts.start, facts.end), tz),
        "file": {"name": clip.name, "sha256": clip.sha256, "size_bytes": clip.size_bytes,
                 "duration_s": round(clip.duration_s, 3)},
        "covered_s": coverage.covered_s,
        "missing_s": coverage.missing_s,
        "covered": [interval_json(r, tz) for r in coverage.covered],
        "missing": [missing_json(g, tz) for g in coverage.missing],
        "segments": [{"key": s.key, "sha256": s.sha256, "start": utc_text(s.start),
                      "end": utc_text(s.end)} for s in segments],
        "created_by": facts.created_by,
        "created_at": utc_text(facts.created_at),
    }  # fmt: skip
    return json.dumps(body, indent=2, ensure_ascii=False).encode() + b"\n"


def interval_json(part: TimeRange | Gap, tz: str) -> dict[str, Any]:
    return {
        "start": utc_text(part.start),
        "end": utc_text(part.end),
        "start_local": format_site_time(part.start, tz),
        "end_local": format_site_time(part.end, tz),
        "seconds": part.duration.total_seconds(),
    }


def missing_json(gap: Gap, tz: str) -> dict[str, Any]:
    indonesian, english = GAP_TEXTS[gap.reason]
    return {**interval_json(gap, tz), "reason": gap.reason.value,
            "reason_text": {"id": indonesian, "en": english}, "detail": gap.detail}  # fmt: skip


def _stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
