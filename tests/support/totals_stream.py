"""The totals Lambda's work, done on demand against a moto server's table stream.

In AWS the stream's event source mapping invokes functions/totals; here a test
calls :class:`TotalsPump` (or reads through :class:`StreamedCatalog`) to apply
what the stream holds so far, with the same service and adapter.
"""

from __future__ import annotations

from footage.adapters.dynamodb import DynamoCatalog
from footage.adapters.dynamodb_stream import StreamReader, ensure_stream
from footage.adapters.dynamodb_totals import DynamoTotals, row_changes
from footage.models import Totals
from footage.services.totals import TotalsReport, apply_changes


class TotalsPump:
    def __init__(self, table: str, region: str, endpoint_url: str) -> None:
        arn = ensure_stream(table, region, endpoint_url)
        self.reader = StreamReader(arn, region, endpoint_url)
        self.store = DynamoTotals(table, region, endpoint_url)

    def __call__(self) -> TotalsReport:
        return apply_changes(self.store, row_changes(self.reader.read()))


class StreamedCatalog(DynamoCatalog):
    """A DynamoCatalog whose totals and revision are read after the stream is
    applied, as they are in AWS once the stream's batching window has passed."""

    _pump: TotalsPump | None = None

    def pump(self) -> TotalsReport:
        if self._pump is None:
            self._pump = TotalsPump(self.table, self.region, self.endpoint_url or "")
        return self._pump()

    def camera_revision(self, camera: str) -> int:
        self.pump()
        return super().camera_revision(camera)

    def camera_totals(self, camera: str) -> Totals:
        self.pump()
        return super().camera_totals(camera)

    def site_totals(self, site: str) -> Totals:
        self.pump()
        return super().site_totals(site)
