"""Export quotas: how many exports one user may have under way, and how many
hours of footage they may export in a rolling day (``config.api``).

The count comes from the export jobs themselves (``exports/<id>/job.json``),
the state every API process on-prem and every API Lambda instance shares, so
a user gets the same answer whichever of them takes the request. Jobs are kept
a day, so the listing stays small (one LIST of ``exports/`` and one GET per
job). A request already over the limit is refused before anything is written.
Otherwise the new job is saved and counted again with the others: of several
requests racing, the last to count sees them all, so no interleaving admits
more than the limit (at worst both are refused; a refused job is deleted).

The decision is a pure function over plain data (:func:`refusal`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from footage.config import ExportQuota
from footage.errors import QuotaExceeded

#: The volume limit counts the exports of the last 24 hours.
QUOTA_WINDOW = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ExportUse:
    """What one export of the user counts for."""

    id: str
    created_at: datetime
    span: timedelta  # the range asked for
    active: bool  # queued or running
    failed: bool


def refusal(
    uses: Sequence[ExportUse], new: ExportUse, quota: ExportQuota, now: datetime
) -> QuotaExceeded | None:
    """Why ``new`` is over the quota given the user's other recent exports
    (``uses``, which may include ``new``), or None if it fits."""
    others = [u for u in uses if u.id != new.id and now - u.created_at < QUOTA_WINDOW]
    if quota.max_active is not None and new.active:
        active = sum(u.active for u in others)
        if active >= quota.max_active:
            return QuotaExceeded(
                f"{active} of your exports are queued or running (at most "
                f"{quota.max_active} at once): try again when one is done"
            )
    if quota.hours_per_day is not None:
        return _volume_refusal(others, new, timedelta(hours=quota.hours_per_day), now)
    return None


def _volume_refusal(
    others: Sequence[ExportUse], new: ExportUse, limit: timedelta, now: datetime
) -> QuotaExceeded | None:
    counted = sorted((u for u in others if not u.failed), key=lambda u: u.created_at)
    over = sum((u.span for u in counted), new.span) - limit
    if over <= timedelta(0):
        return None
    freed = timedelta(0)
    retry: float | None = None
    for use in counted:  # the oldest leave the window first
        freed += use.span
        if freed >= over:
            retry = max(1.0, (use.created_at + QUOTA_WINDOW - now).total_seconds())
            break
    used = sum((u.span for u in counted), timedelta(0))
    when = f"; try again in {_duration(retry)}" if retry is not None else ""
    return QuotaExceeded(
        f"you exported {_hours(used)} of footage in the last 24 hours; this export"
        f" ({_hours(new.span)}) would pass your limit of {_hours(limit)} a day{when}",
        retry,
    )


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:.4g} h"


def _duration(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"
