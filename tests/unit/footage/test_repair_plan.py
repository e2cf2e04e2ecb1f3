"""The net's planning, pure: which camera-days it reads, what it does per key difference."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from footage.keys import (
    KeyKind,
    build_day_prefix,
    build_evidence_key,
    build_quarantine_key,
    build_segment_key,
    build_sprite_key,
    build_thumbnail_key,
)
from footage.models import ObjectInfo, Protection, Segment
from footage.retention import TTL_GRACE
from footage.services.repair_plan import DayFacts, plan_day, repair_days

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DAY = datetime(2026, 11, 24, tzinfo=UTC)
SETTLED = NOW - timedelta(hours=6)
LISTED = [build_day_prefix(k, "HO", "lobby", DAY.date(), retention_days=30)
          for k in (KeyKind.SEGMENT, KeyKind.THUMBNAIL, KeyKind.QUARANTINE)]  # fmt: skip


def test_the_days_read_are_the_expiry_edge_and_the_last_days() -> None:
    days = repair_days(TODAY, 180, lookback_days=3, recent_days=2)
    # lifecycle expired everything up to day 179 back (current version at 178 days,
    # rounded up to midnight); 3 daily runs see each day past retention
    expected = [TODAY - timedelta(days=n) for n in (0, 1, 179, 180, 181, 182)]
    assert days == expected
    # a short class: the windows meet, each day once
    assert repair_days(TODAY, 2, 3, 3) == [TODAY - timedelta(days=n) for n in range(5)]


def _seg(minute: int, **kw: object) -> Segment:
    start = DAY + timedelta(minutes=minute)
    key = build_segment_key("HO", "lobby", start, retention_days=30)
    fields: dict[str, object] = {"key": key, **kw}
    return Segment("lobby", "HO", start, start + timedelta(minutes=1), 10, "0" * 64,
                   **fields)  # type: ignore[arg-type]  # fmt: skip


def _obj(key: str, age: timedelta = timedelta(days=1)) -> ObjectInfo:
    return ObjectInfo(key, 10, modified=NOW - age)


def _facts(rows: list[Segment], objects: list[ObjectInfo], *, cutoff: datetime = DAY,
           holds: tuple[Protection, ...] = ()) -> DayFacts:  # fmt: skip
    return DayFacts(rows, objects, LISTED, cutoff, SETTLED, holds)


def test_rows_whose_object_is_gone_are_dropped_but_never_evidence() -> None:
    whole, gone = _seg(0), _seg(1)
    protected, held = _seg(2, protected=True), _seg(3)
    moved = _seg(4, key=build_evidence_key(_seg(4).key))
    other_class = _seg(5, key=build_segment_key("HO", "lobby", DAY, retention_days=90))
    hold = Protection("lobby", held.start, held.end, "case 9")
    plan = plan_day(_facts([whole, gone, protected, held, moved, other_class], [_obj(whole.key)],
                           holds=(hold,)))  # fmt: skip
    assert plan.drop_rows == [gone]  # a prefix not read says nothing about its rows
    assert (plan.reindex, plan.delete) == ([], [])


def test_objects_without_a_row_past_retention_go_unless_held() -> None:
    old, held = _seg(0).key, _seg(1).key
    old_sprite = build_sprite_key("HO", "lobby", DAY, retention_days=30)
    hold = Protection("lobby", DAY + timedelta(minutes=1), DAY + timedelta(minutes=2), "case 9")
    cutoff = DAY + timedelta(hours=1)
    objects = [_obj(old), _obj(held), _obj(old_sprite)]
    plan = plan_day(_facts([], objects, cutoff=cutoff, holds=(hold,)))
    assert [o.key for o in plan.delete] == [old, old_sprite]
    assert (plan.held, plan.reindex) == (1, [])


def test_objects_without_a_row_within_retention_are_reindexed_or_left_to_their_rules() -> None:
    lost, fresh, indexed = _seg(0), _seg(1), _seg(2)
    thumb_of_lost = build_thumbnail_key("HO", "lobby", lost.start, retention_days=30)
    stray_thumb = build_thumbnail_key("HO", "lobby", _seg(3).start, retention_days=30)
    sprite = build_sprite_key("HO", "lobby", DAY, retention_days=30)  # rows not in yet
    refused = build_quarantine_key(_seg(5).key)  # refused uploads have no row
    objects = [_obj(lost.key), _obj(fresh.key, timedelta(hours=1)), _obj(indexed.key),
               _obj(thumb_of_lost), _obj(stray_thumb), _obj(sprite), _obj(refused)]  # fmt: skip
    plan = plan_day(_facts([indexed], objects, cutoff=DAY - timedelta(days=1)))
    assert plan.reindex == [lost.key]
    assert [o.key for o in plan.delete] == [stray_thumb]
    assert (plan.waiting, plan.drop_rows, plan.held) == (1, [], 0)


def test_where_ttl_deletes_a_row_lifecycle_emptied_is_left_to_it_until_its_grace_ends() -> None:
    expires = DAY + timedelta(days=30)
    waiting, missed = _seg(0, expires_at=expires), _seg(1, expires_at=NOW - timedelta(days=4))
    no_ttl, fresh = _seg(2), _seg(3, expires_at=expires)  # no TTL attribute; not lifecycle's yet
    facts = _facts([waiting, missed, no_ttl, fresh], [])
    ttl = replace(facts, lifecycle_edge=DAY + timedelta(minutes=3), ttl_grace=TTL_GRACE, now=NOW)

    assert plan_day(facts).drop_rows == [waiting, missed, no_ttl, fresh]  # no TTL: the net's
    plan = plan_day(ttl)
    assert plan.drop_rows == [missed, no_ttl, fresh]  # fresh: lost before lifecycle's time
    assert (plan.left_to_ttl, plan.missed_by_ttl) == (1, 1)


def test_objects_past_retention_the_net_deletes_are_counted_as_lifecycles_misses() -> None:
    old = _seg(0).key
    stray_thumb = build_thumbnail_key("HO", "lobby", _seg(3).start, retention_days=30)
    plan = plan_day(_facts([], [_obj(old)], cutoff=DAY + timedelta(hours=1)))
    assert plan.missed_by_lifecycle == 1
    within = plan_day(_facts([], [_obj(stray_thumb)]))
    assert (len(within.delete), within.missed_by_lifecycle) == (1, 0)  # ingest's, not lifecycle's
