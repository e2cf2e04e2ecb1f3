"""One batch's ingest outcomes, for the handler's single log line and its metrics.

Counts per outcome; the keys (with site, camera and reason) only of the objects
that were not indexed as footage (quarantined, refused, conflict, ignored), so a
batch of footage that went in costs one short line, not one per object.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from footage.errors import KeyFormatError
from footage.keys import parse_key
from footage.services.ingest import IngestResult, Outcome

#: Outcomes whose keys the batch line names: footage that did not go in as footage.
NAMED = frozenset({Outcome.QUARANTINED, Outcome.REFUSED, Outcome.CONFLICT})
#: Outcomes that add footage to a site (the batch line's ``sites``; no metric per site:
#: at $0.30 a metric a month that was $0.06 a camera-month, and the alerts Lambda
#: finds a silent site from its reports).
INGESTED = frozenset({Outcome.INDEXED, Outcome.QUARANTINED, Outcome.CONFLICT})
#: An object of another bucket (not an ingest outcome: never handed to ingest).
IGNORED = "ignored"


def where(key: str) -> dict[str, str | None]:
    """The structured context of a key (footage.logs): site, camera and the key."""
    try:
        parsed = parse_key(key)
    except KeyFormatError:
        return {"site": None, "camera": None, "key": key}
    return {"site": parsed.site, "camera": parsed.camera, "key": key}


@dataclass(slots=True)
class BatchTally:
    records: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    per_site: Counter[str] = field(default_factory=Counter)  # ingested segments per site
    named: list[dict[str, str | None]] = field(default_factory=list)

    def add(self, result: IngestResult) -> None:
        self.outcomes[result.outcome.value] += 1
        site = result.segment.site if result.segment else None
        if site and result.outcome in INGESTED:
            self.per_site[site] += 1
        if result.outcome in NAMED:
            self.named.append({"outcome": result.outcome.value, **where(result.key),
                               "reason": result.reason})  # fmt: skip

    def ignore(self, key: str, bucket: str) -> None:
        self.outcomes[IGNORED] += 1
        self.named.append({"outcome": IGNORED, **where(key), "reason": f"bucket {bucket}"})

    def fields(self) -> dict[str, Any]:
        """The batch line's fields: records, a count per outcome, segments per site, the
        named keys."""
        sites = dict(sorted(self.per_site.items()))
        return {"records": self.records, **dict(sorted(self.outcomes.items())),
                "sites": sites, "not_indexed": self.named}  # fmt: skip
