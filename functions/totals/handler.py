"""Totals Lambda (the footage table's stream): camera totals follow every row change.

The event source mapping hands over batches of stream records of segment rows
only (a filter on the ``CAM#`` partition keys), TTL's removals included.
footage.services.totals applies them with one conditional write per camera
per batch; a failed batch is retried (split in two on error) and what it
already applied is skipped, so redelivery never counts twice. One log line per
batch.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from footage.adapters.dynamodb_totals import DynamoTotals, row_changes
from footage.services.totals import apply_changes
from functions.settings import FunctionSettings

logger = Logger()
settings = FunctionSettings()  # from the environment (the table; VMS_BUCKET is unused)
store = DynamoTotals(settings.table, settings.region, settings.endpoint_url)


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, int]:
    report = apply_changes(store, row_changes(event.get("Records", [])))
    return {"records": report.records, "cameras": report.cameras, "writes": report.writes,
            "by_ttl": report.by_ttl, "skipped": report.skipped}  # fmt: skip
