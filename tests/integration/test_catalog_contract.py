"""One contract for every Catalog adapter: SQLite, and DynamoDB on a moto server."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.catalog import Catalog
from footage.keys import build_segment_key
from footage.models import Protection, Segment, SegmentStatus, Totals

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> Catalog:
    from footage.adapters.sqlite_catalog import SqliteCatalog

    return SqliteCatalog(path=tmp_path / "i.sqlite3")


def _dynamodb(request: pytest.FixtureRequest, tmp_path: Path) -> Catalog:
    from tests.support.totals_stream import StreamedCatalog

    endpoint = request.getfixturevalue("moto_server")
    # Totals and revisions follow the table's stream (the totals Lambda): read
    # after it is applied.
    return StreamedCatalog(f"footage-{uuid.uuid4().hex[:12]}", "ap-southeast-3", endpoint)


BACKENDS = {"sqlite": _sqlite, "dynamodb": _dynamodb}


@pytest.fixture(params=sorted(BACKENDS))
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Catalog:
    instance = BACKENDS[request.param](request, tmp_path)
    instance.initialize()
    return instance


def seg(
    start: datetime,
    camera: str = "cam1",
    site: str = "HO",
    *,
    seconds: float = 60,
    size: int = 1000,
    **fields: object,
) -> Segment:
    base = Segment(
        camera=camera,
        site=site,
        start=start,
        end=start + timedelta(seconds=seconds),
        size_bytes=size,
        sha256="ab" * 32,
        key=build_segment_key(site, camera, start, retention_days=180),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def starts(segments: list[Segment]) -> list[datetime]:
    return [s.start for s in segments]


def test_initialize_is_idempotent(catalog: Catalog) -> None:
    catalog.initialize()
    assert catalog.cameras() == []


def test_put_new_then_same_again(catalog: Catalog) -> None:
    segment = seg(T0)

    assert catalog.put_segment(segment) is True
    assert catalog.put_segment(segment) is False

    assert catalog.query_camera("cam1", T0, T0 + MINUTE) == [segment]
    assert catalog.camera_totals("cam1") == Totals(1, 1000, 60.0)


def test_get_segment_round_trips_every_field(catalog: Catalog) -> None:
    full = seg(
        T0 + timedelta(milliseconds=250),
        codec="hevc", width=1920, height=1080, fps=12.5, audio_codec="aac",
        thumbnail_key="thumbnails/HO/cam1/x.jpg", derived_keys=("renditions/a.mp4", "b.mp4"),
        status=SegmentStatus.QUARANTINED, reason="moov atom not found",
        expires_at=NOW + timedelta(days=30), source_etag='"etag-1"', init_size=1234,
    )  # fmt: skip
    catalog.put_segment(full)

    assert catalog.get_segment("cam1", full.start) == full
    assert catalog.get_segment("cam1", T0 + timedelta(hours=1)) is None
    assert catalog.get_segment("cam2", full.start) is None


def test_latest_segment_is_the_newest_playable_one(catalog: Catalog) -> None:
    assert catalog.latest_segment("cam1") is None
    for minute in (0, 1, 2):
        catalog.put_segment(seg(T0 + minute * MINUTE))
    catalog.put_segment(seg(T0 + 3 * MINUTE, status=SegmentStatus.QUARANTINED, reason="bad"))
    catalog.put_segment(seg(T0 + 9 * MINUTE, "cam2"))

    latest = catalog.latest_segment("cam1")

    assert latest is not None and latest.start == T0 + 2 * MINUTE


def test_revision_changes_with_every_write_of_the_camera(catalog: Catalog) -> None:
    assert catalog.camera_revision("cam1") == 0
    seen = [catalog.camera_revision("cam1")]

    def changed() -> bool:
        seen.append(catalog.camera_revision("cam1"))
        return seen[-1] != seen[-2]

    catalog.put_segment(seg(T0))
    assert changed()
    catalog.query_camera("cam1", T0, T0 + MINUTE)
    catalog.put_segment(seg(T0, "cam2"))  # another camera
    assert not changed()
    catalog.put_segment(seg(T0, status=SegmentStatus.QUARANTINED, reason="bad"))  # same totals
    assert changed()
    catalog.add_protection(Protection("cam1", T0, T0 + MINUTE, "incident 7"))
    assert changed()
    catalog.delete_segment("cam1", T0)
    assert changed()
    assert len(set(seen)) == len(seen) - 1  # it never went back to an earlier value


def test_replace_updates_totals_by_the_difference(catalog: Catalog) -> None:
    catalog.put_segment(seg(T0, size=1000))
    catalog.put_segment(seg(T0 + MINUTE, size=500))

    assert catalog.put_segment(seg(T0, size=4000, seconds=30)) is False

    assert catalog.get_segment("cam1", T0) == seg(T0, size=4000, seconds=30)
    assert catalog.camera_totals("cam1") == Totals(2, 4500, 90.0)
    assert catalog.site_totals("HO") == Totals(2, 4500, 90.0)


def test_query_camera_includes_a_segment_that_started_before(catalog: Catalog) -> None:
    for start in (T0 - 2 * MINUTE, T0 - timedelta(seconds=30), T0 + MINUTE, T0 + 5 * MINUTE):
        catalog.put_segment(seg(start))
    catalog.put_segment(seg(T0, camera="cam2"))

    found = catalog.query_camera("cam1", T0, T0 + 5 * MINUTE)

    assert starts(found) == [T0 - timedelta(seconds=30), T0 + MINUTE]


def test_query_camera_excludes_a_segment_ending_at_the_start(catalog: Catalog) -> None:
    catalog.put_segment(seg(T0 - MINUTE))
    catalog.put_segment(seg(T0))

    assert starts(catalog.query_camera("cam1", T0, T0 + 2 * MINUTE)) == [T0]


def test_query_camera_hides_quarantined_unless_asked(catalog: Catalog) -> None:
    catalog.put_segment(seg(T0 - timedelta(seconds=30), status=SegmentStatus.QUARANTINED))
    catalog.put_segment(seg(T0 + MINUTE))
    catalog.put_segment(seg(T0 + 2 * MINUTE, status=SegmentStatus.QUARANTINED, reason="bad"))

    assert starts(catalog.query_camera("cam1", T0, T0 + 3 * MINUTE)) == [T0 + MINUTE]
    everything = catalog.query_camera("cam1", T0, T0 + 3 * MINUTE, include_quarantined=True)
    assert starts(everything) == [T0 - timedelta(seconds=30), T0 + MINUTE, T0 + 2 * MINUTE]


def test_query_site_across_utc_midnight(catalog: Catalog) -> None:
    # The WIB (UTC+7) day of 26 Nov 2026 is 25 Nov 17:00Z .. 26 Nov 17:00Z.
    day_start = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    day_end = day_start + timedelta(days=1)
    inside = [
        seg(day_start, "cam1"),
        seg(datetime(2026, 11, 25, 23, 30, tzinfo=UTC), "cam2"),
        seg(datetime(2026, 11, 26, 1, 0, tzinfo=UTC), "cam1"),
        seg(day_end - MINUTE, "cam2"),
    ]
    outside = [
        seg(day_start - MINUTE, "cam1"),
        seg(day_end, "cam1"),
        seg(datetime(2026, 11, 25, 20, 0, tzinfo=UTC), "cam3", "BR"),
    ]
    for segment in [*outside, *inside]:
        catalog.put_segment(segment)

    found = catalog.query_site("HO", day_start, day_end)

    assert found == inside
    assert catalog.query_site("BR", day_start, day_end) == [outside[2]]


def test_query_site_hides_quarantined_unless_asked(catalog: Catalog) -> None:
    catalog.put_segment(seg(T0, "cam1"))
    catalog.put_segment(seg(T0, "cam2", status=SegmentStatus.QUARANTINED))

    assert [s.camera for s in catalog.query_site("HO", T0, T0 + MINUTE)] == ["cam1"]
    everything = catalog.query_site("HO", T0, T0 + MINUTE, include_quarantined=True)
    assert [s.camera for s in everything] == ["cam1", "cam2"]


def test_totals_follow_puts_and_deletes(catalog: Catalog) -> None:
    catalog.put_segment(seg(T0, "cam1", size=100, seconds=60))
    catalog.put_segment(seg(T0 + MINUTE, "cam1", size=200, seconds=30))
    catalog.put_segment(seg(T0, "cam2", size=400, seconds=15))
    catalog.put_segment(seg(T0, "cam3", "BR", size=800))

    assert catalog.delete_segment("cam1", T0) is True

    assert catalog.camera_totals("cam1") == Totals(1, 200, 30.0)
    assert catalog.camera_totals("cam2") == Totals(1, 400, 15.0)
    assert catalog.site_totals("HO") == Totals(2, 600, 45.0)
    assert catalog.site_totals("BR") == Totals(1, 800, 60.0)
    assert catalog.camera_totals("nope") == Totals()
    assert catalog.site_totals("nope") == Totals()


def test_delete_segment(catalog: Catalog) -> None:
    catalog.put_segment(seg(T0))

    assert catalog.delete_segment("cam1", T0) is True
    assert catalog.delete_segment("cam1", T0) is False
    assert catalog.get_segment("cam1", T0) is None
    assert catalog.query_camera("cam1", T0, T0 + MINUTE) == []
    assert catalog.camera_totals("cam1") == Totals(0, 0, 0.0)


def test_list_expired_respects_now_limit_and_protection(catalog: Catalog) -> None:
    expiries = {
        T0: NOW - timedelta(days=2),
        T0 + MINUTE: NOW - timedelta(hours=1),
        T0 + 2 * MINUTE: NOW,
        T0 + 3 * MINUTE: NOW + timedelta(seconds=1),
    }
    for start, expires in expiries.items():
        catalog.put_segment(seg(start, expires_at=expires))
    catalog.put_segment(seg(T0 + 4 * MINUTE, expires_at=NOW - timedelta(days=3), protected=True))
    catalog.put_segment(seg(T0, "cam2", expires_at=NOW - timedelta(days=1)))

    due = catalog.list_expired(NOW, limit=10)

    assert [(s.camera, s.expires_at) for s in due] == [
        ("cam1", NOW - timedelta(days=2)),
        ("cam2", NOW - timedelta(days=1)),
        ("cam1", NOW - timedelta(hours=1)),
        ("cam1", NOW),
    ]
    assert starts(catalog.list_expired(NOW, limit=2)) == [T0, T0]


def test_add_protection_marks_overlapping_segments(catalog: Catalog) -> None:
    expired = NOW - timedelta(days=1)
    for n in range(3):
        catalog.put_segment(seg(T0 + n * MINUTE, expires_at=expired))
    catalog.put_segment(seg(T0, "cam2", expires_at=expired))
    hold = Protection("cam1", T0 + timedelta(seconds=30), T0 + timedelta(seconds=90), "case 17")

    catalog.add_protection(hold)

    for start, held in ((T0, True), (T0 + MINUTE, True), (T0 + 2 * MINUTE, False)):
        stored = catalog.get_segment("cam1", start)
        assert stored is not None and stored.protected is held
        assert stored.expires_at == (None if held else expired)
    assert [(s.camera, s.start) for s in catalog.list_expired(NOW, 10)] == [
        ("cam1", T0 + 2 * MINUTE),
        ("cam2", T0),
    ]
    assert catalog.list_protections() == [hold]
    assert catalog.list_protections("cam1") == [hold]
    assert catalog.list_protections("cam2") == []


def test_a_segment_added_under_a_protection_is_protected(catalog: Catalog) -> None:
    catalog.add_protection(Protection("cam1", T0, T0 + 10 * MINUTE, "case 18", "alice"))

    catalog.put_segment(seg(T0 + 5 * MINUTE, expires_at=NOW - timedelta(days=1)))

    stored = catalog.get_segment("cam1", T0 + 5 * MINUTE)
    assert stored is not None and stored.protected and stored.expires_at is None
    assert catalog.list_expired(NOW, 10) == []
    assert catalog.list_protections()[0].created_by == "alice"


def test_list_ending_before(catalog: Catalog) -> None:
    catalog.put_segment(seg(T0))
    catalog.put_segment(seg(T0 + MINUTE, protected=True))
    catalog.put_segment(seg(T0 + 2 * MINUTE))
    catalog.put_segment(seg(T0 + 3 * MINUTE))
    catalog.put_segment(seg(T0 - MINUTE, "cam2"))
    cutoff = T0 + timedelta(minutes=3, seconds=30)

    assert starts(catalog.list_ending_before("cam1", cutoff, 10)) == [T0, T0 + 2 * MINUTE]
    assert starts(catalog.list_ending_before("cam1", cutoff, 1)) == [T0]
    assert starts(catalog.list_ending_before("cam1", T0 + 3 * MINUTE, 10)) == [
        T0,
        T0 + 2 * MINUTE,
    ]
    assert catalog.list_ending_before("cam1", T0, 10) == []


def test_cameras(catalog: Catalog) -> None:
    catalog.put_segment(seg(T0, "cam2"))
    catalog.put_segment(seg(T0, "cam1"))
    catalog.put_segment(seg(T0 + MINUTE, "cam1"))
    catalog.put_segment(seg(T0, "cam3", "BR"))

    assert catalog.cameras() == ["cam1", "cam2", "cam3"]


# -- write-once ingest: add, conditional replace, rows kept apart -----------

APART = "0123456789abcdef"


def conflict(start: datetime, variant: str = APART, **fields: object) -> Segment:
    """A second object for (cam1, start), kept apart: no duration, never playable."""
    return seg(start, seconds=0, sha256=variant * 4, variant=variant,
               status=SegmentStatus.CONFLICT, reason="another object", **fields)  # fmt: skip


def test_add_never_replaces(catalog: Catalog) -> None:
    first = seg(T0)
    assert catalog.add_segment(first) is True

    assert catalog.add_segment(replace(first, sha256="cd" * 32, size_bytes=5)) is False

    assert catalog.get_segment("cam1", T0) == first
    assert catalog.camera_totals("cam1") == Totals(1, 1000, 60.0)


def test_replace_only_what_is_expected(catalog: Catalog) -> None:
    bad = seg(T0, status=SegmentStatus.QUARANTINED, seconds=0, sha256="ee" * 32)
    good = seg(T0, sha256="ff" * 32, size=2000)
    catalog.add_segment(bad)

    assert catalog.replace_segment(good, expected=replace(bad, sha256="00" * 32)) is False
    assert catalog.get_segment("cam1", T0) == bad
    assert catalog.replace_segment(good, expected=bad) is True

    assert catalog.get_segment("cam1", T0) == good
    assert catalog.replace_segment(seg(T0), expected=bad) is False  # bad is gone
    assert catalog.camera_totals("cam1") == Totals(1, 2000, 60.0)


def test_rows_kept_apart_never_play_but_are_listed(catalog: Catalog) -> None:
    catalog.add_segment(seg(T0))
    catalog.add_segment(seg(T0 + MINUTE))
    apart = conflict(T0 + MINUTE)
    assert catalog.add_segment(apart) is True
    assert catalog.add_segment(apart) is False

    playable = catalog.query_camera("cam1", T0, T0 + 2 * MINUTE)
    everything = catalog.query_camera("cam1", T0, T0 + 2 * MINUTE, include_quarantined=True)
    site = catalog.query_site("HO", T0, T0 + 2 * MINUTE, include_quarantined=True)

    assert [(s.start, s.variant) for s in playable] == [(T0, ""), (T0 + MINUTE, "")]
    assert [(s.start, s.variant) for s in everything] == [
        (T0, ""),
        (T0 + MINUTE, ""),
        (T0 + MINUTE, APART),
    ]
    assert everything[2] == apart
    assert [s.variant for s in site] == ["", "", APART]
    assert catalog.get_segment("cam1", T0 + MINUTE, APART) == apart
    assert catalog.get_segment("cam1", T0 + MINUTE) == seg(T0 + MINUTE)
    assert catalog.latest_segment("cam1") == seg(T0 + MINUTE)
    assert catalog.camera_totals("cam1") == Totals(3, 3000, 120.0)


def test_rows_kept_apart_expire_and_delete_on_their_own(catalog: Catalog) -> None:
    catalog.add_segment(seg(T0, expires_at=NOW + MINUTE))
    catalog.add_segment(conflict(T0, expires_at=NOW - MINUTE))

    due = catalog.list_expired(NOW, 10)
    old = catalog.list_ending_before("cam1", T0 + timedelta(seconds=30), 10)

    assert [(s.start, s.variant) for s in due] == [(T0, APART)]
    assert [(s.start, s.variant) for s in old] == [(T0, APART)]
    assert catalog.delete_segment("cam1", T0, APART) is True
    assert catalog.delete_segment("cam1", T0, APART) is False
    assert catalog.get_segment("cam1", T0) is not None
    assert catalog.camera_totals("cam1") == Totals(1, 1000, 60.0)


def test_an_evidence_hold_keeps_rows_kept_apart(catalog: Catalog) -> None:
    catalog.add_segment(conflict(T0 + MINUTE, expires_at=NOW - MINUTE))
    catalog.add_protection(Protection("cam1", T0, T0 + 2 * MINUTE, "robbery"))
    later = conflict(T0 + 90 * timedelta(seconds=1), variant="f" * 16, expires_at=NOW)
    catalog.add_segment(later)

    assert catalog.list_expired(NOW, 10) == []
    held = catalog.query_camera("cam1", T0, T0 + 2 * MINUTE, include_quarantined=True)
    assert [s.protected for s in held] == [True, True]


def test_sqlite_put_segments_loads_in_bulk_as_put_segment_does(tmp_path: Path) -> None:
    """The bulk path (bench/catalog_sqlite.py builds 5M rows with it) is put_segment's."""
    from footage.adapters.sqlite_catalog import SqliteCatalog

    one_by_one, bulk = SqliteCatalog(tmp_path / "a.sqlite3"), SqliteCatalog(tmp_path / "b.sqlite3")
    rows = [seg(T0 + i * MINUTE, camera=f"cam{i % 2}") for i in range(6)]
    rows += [seg(T0, camera="cam0", size=5000), conflict(T0 + MINUTE, camera="cam1")]
    for catalog in (one_by_one, bulk):
        catalog.initialize()
        catalog.add_protection(Protection("cam1", T0, T0 + 2 * MINUTE, "robbery"))

    added = sum(one_by_one.put_segment(s) for s in rows)

    assert bulk.put_segments(iter(rows)) == added == 7
    day = (T0, T0 + timedelta(days=1))
    assert bulk.query_site("HO", *day, include_quarantined=True) == one_by_one.query_site(
        "HO", *day, include_quarantined=True
    )
    assert [s.protected for s in bulk.query_camera("cam1", *day)] == [True, False, False]
    assert bulk.camera_totals("cam0") == one_by_one.camera_totals("cam0") == Totals(3, 7000, 180.0)
    assert bulk.site_totals("HO") == one_by_one.site_totals("HO")
    assert bulk.camera_revision("cam0") == one_by_one.camera_revision("cam0")


def test_replaced_and_overlapping_rows_are_kept_but_never_play(catalog: Catalog) -> None:
    """A file an NVR kept writing: its longer version takes the slot, the first stays
    apart as REPLACED; footage over time that plays already is kept as OVERLAP."""
    first = seg(T0, seconds=30, sha256="aa" * 32)
    longer = seg(T0, seconds=60, sha256="bb" * 32, size=2000)
    earlier = replace(first, variant="aa" * 8, status=SegmentStatus.REPLACED, reason="longer one")
    overlap = seg(T0 + timedelta(seconds=30), sha256="cc" * 32, status=SegmentStatus.OVERLAP,
                  reason="overlaps 10:00:30-10:01:00")  # fmt: skip
    catalog.add_segment(first)

    assert catalog.add_segment(earlier) is True
    assert catalog.replace_segment(longer, expected=first) is True
    assert catalog.add_segment(overlap) is True

    assert catalog.query_camera("cam1", T0, T0 + 2 * MINUTE) == [longer]
    everything = catalog.query_camera("cam1", T0, T0 + 2 * MINUTE, include_quarantined=True)
    assert [(s.start, s.variant, s.status) for s in everything] == [
        (T0, "", SegmentStatus.OK),
        (T0, "aa" * 8, SegmentStatus.REPLACED),
        (T0 + timedelta(seconds=30), "", SegmentStatus.OVERLAP),
    ]
    assert catalog.get_segment("cam1", T0, "aa" * 8) == earlier
    assert catalog.get_segment("cam1", T0 + timedelta(seconds=30)) == overlap
    assert catalog.latest_segment("cam1") == longer
