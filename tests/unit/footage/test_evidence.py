"""Evidence holds label every held object for the store's lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.keys import build_segment_key, build_thumbnail_key
from footage.models import Protection, Segment
from footage.services.evidence import protect
from footage.storage import HOLD_LABEL
from tests.unit.fakes import FakeStorage

T0 = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


def test_protect_records_the_hold_and_labels_only_the_range(tmp_path):
    catalog = SqliteCatalog(tmp_path / "i.sqlite3")
    catalog.initialize()
    storage = FakeStorage()
    for minute in range(5):
        start = T0 + timedelta(minutes=minute)
        key, thumb = (
            build_segment_key("HO", "lobby", start),
            build_thumbnail_key("HO", "lobby", start),
        )
        storage.put_bytes(key, b"v")
        storage.put_bytes(thumb, b"j")
        catalog.put_segment(Segment("lobby", "HO", start, start + timedelta(minutes=1), 1, "0" * 64,
                                    key, thumbnail_key=thumb))  # fmt: skip
    hold = Protection("lobby", T0 + timedelta(minutes=1), T0 + timedelta(minutes=3), "case 9")
    assert protect(catalog, storage, hold) == 2
    held = {build_segment_key("HO", "lobby", T0 + timedelta(minutes=m)) for m in (1, 2)}
    held |= {build_thumbnail_key("HO", "lobby", T0 + timedelta(minutes=m)) for m in (1, 2)}
    assert storage.labels == dict.fromkeys(held, HOLD_LABEL)
    assert catalog.list_protections("lobby") == [hold]
    catalog.close()
