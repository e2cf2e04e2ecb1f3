"""The compressor's plan in the journal: which cameras' footage waits for it now,
and what the uploader's idle-link rule needs to know (edge_uploader.lifecycle).

The compressor publishes it whenever it changes; in the same transaction every
undecided row is routed again (RECORDED <-> WAITING), and each new row is
journalled by it, so a segment never goes up as recorded while its camera
compresses. It survives a restart: the compressor publishes it again at start.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from edge_uploader.full_disk import waits_for_room
from edge_uploader.lifecycle import CompressionPlan, SegmentState, SitePlan
from footage.adapters.sqlite_db import SqliteDatabase, to_ms

S = SegmentState


def read_plan(db: sqlite3.Connection) -> CompressionPlan:
    """The plan as published (none yet: nothing waits), inside ``db``'s transaction."""
    row = db.execute("SELECT plan FROM compression_plan WHERE id = 1").fetchone()
    return _decode(json.loads(row[0])) if row else CompressionPlan()


def route(db: sqlite3.Connection, held: frozenset[str]) -> int:
    """Undecided rows as ``held`` says (edge_uploader.lifecycle.routed); how many moved."""
    marks = ",".join("?" * len(held))
    waiting = db.execute(
        f"UPDATE uploads SET state = ? WHERE state = ? AND evidence = 0 AND camera IN ({marks})",
        (S.WAITING.value, S.RECORDED.value, *held),
    ).rowcount
    recorded = db.execute(
        f"UPDATE uploads SET state = ? WHERE state = ? AND (camera NOT IN ({marks}) "
        "OR evidence = 1)",
        (S.RECORDED.value, S.WAITING.value, *held),
    ).rowcount
    return int(waiting + recorded)


class PlanBoard:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def current(self) -> CompressionPlan:
        with self._db.transaction(write=False) as db:
            return read_plan(db)

    @waits_for_room
    def publish(self, plan: CompressionPlan) -> None:
        """Make ``plan`` the one in force, and route the undecided rows by it."""
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO compression_plan (id, plan, updated_ms) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET plan = excluded.plan, "
                "updated_ms = excluded.updated_ms",
                (json.dumps(_encode(plan)), to_ms(datetime.now(UTC))),
            )
            route(db, plan.held)


def _encode(plan: CompressionPlan) -> dict[str, Any]:
    return {
        "held": sorted(plan.held),
        "encode_s": plan.encode_s,
        "sites": [
            {"site": s.site, "cameras": list(s.cameras), "overflowing": s.overflowing,
             "link_bps": s.link_bps}
            for s in plan.sites
        ],
    }  # fmt: skip


def _decode(raw: dict[str, Any]) -> CompressionPlan:
    sites = tuple(
        SitePlan(s["site"], tuple(s["cameras"]), bool(s["overflowing"]), s["link_bps"])
        for s in raw.get("sites", [])
    )
    return CompressionPlan(frozenset(raw.get("held", [])), sites, raw.get("encode_s"))
