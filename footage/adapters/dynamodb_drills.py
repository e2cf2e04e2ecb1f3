"""Restore drill runs in the footage table: one item per run (pk ``DRILLS``, sk its
time), the checks as JSON (50 checks ~ 10 KB: 10 write units a day), expiring by
TTL after DRILL_RETENTION. Reading 30 days is one Query of ~300 KB."""

from __future__ import annotations

from datetime import datetime

from footage.adapters.dynamodb import sdk_errors
from footage.adapters.dynamodb_models import DRILLS_PK, bind_models, iso
from footage.drills import DRILL_RETENTION, DrillLog, DrillRun, run_from_json


class DynamoDrillLog(DrillLog):
    def __init__(self, table: str, region: str, endpoint_url: str | None = None) -> None:
        self._item = bind_models(table, region, endpoint_url).drill

    def initialize(self) -> None:
        """The table belongs to the catalog (DynamoCatalog.initialize or the CDK stack)."""

    def record(self, run: DrillRun) -> None:
        item = self._item(DRILLS_PK, iso(run.at), run=run.to_json(),
                          expires_at=run.at + DRILL_RETENTION)  # fmt: skip
        with sdk_errors("record a drill run"):
            item.save()

    def runs_since(self, since: datetime) -> list[DrillRun]:
        with sdk_errors("read the drill runs"):
            items = self._item.query(DRILLS_PK, self._item.sk >= iso(since),
                                     scan_index_forward=False)  # fmt: skip
            return [run_from_json(item.run) for item in items]
