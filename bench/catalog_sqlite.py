"""Query latency of the SQLite catalog at 5 million segment rows.

Method
------
1. Layout: ``--cameras`` (default 58) cameras spread over ``--sites`` (default 3)
   sites, each recording back-to-back 60 s segments from 2026-01-01T00:00Z;
   rows / cameras segments per camera (5M / 58 = 86,207, about 59.9 days).
2. Build, through the product's own code only: `SqliteCatalog.initialize()`
   makes the schema, and every row is a `Segment` (keys from `footage.keys`)
   written by `SqliteCatalog.put_segments` (put_segment's path: totals and holds
   included), 20,000 to a transaction, minute by minute across the cameras as
   they record. A random sample is read back with `get_segment` and compared
   with the expected `Segment`. The DB is cached at ``--db`` and reused while it
   holds this layout and the sample still reads back equal.
3. Time, through the public `SqliteCatalog` API (so row decoding into `Segment`
   objects is included):
   - ``--queries`` random one-camera-day `query_camera` calls (1,440 rows each);
     the same SQL through raw sqlite3, to show SQL cost vs Python decoding;
   - ``--site-queries`` random site-day `query_site` calls;
   - `camera_totals` for random cameras.
   Every answer is checked (1,440 rows a camera-day, 1,440 per camera a
   site-day); a wrong one exits non-zero. Queries run warm (the OS page cache
   holds the DB after the build or a first pass); p50/p95/p99 are printed in ms,
   wall clock, and beside them this thread's CPU time per call (what the code
   costs, whatever else the machine runs; the load average is printed first).

``--smoke``: 3 cameras x 2 days in a temporary DB, 50 queries (a few seconds).

Target: p99 <= 20 ms for one camera-day.

    uv run python bench/catalog_sqlite.py --rows 5000000
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from footage.adapters.sqlite_catalog import _COLUMNS, SqliteCatalog
from footage.keys import build_segment_key, build_thumbnail_key
from footage.models import Segment

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
SEG_S = 60
PER_DAY = 86_400 // SEG_S
RETENTION_DAYS = 90
TARGET_P99_MS = 20.0
BATCH = 20_000
PROGRESS_EVERY = 500_000


@dataclass(frozen=True)
class Layout:
    rows: int
    cameras: int
    sites: int

    @property
    def per_camera(self) -> int:
        return -(-self.rows // self.cameras)  # the last camera may get fewer

    def camera_rows(self, cam: int) -> int:
        return max(0, min(self.per_camera, self.rows - cam * self.per_camera))

    @property
    def full_days(self) -> int:
        """Days every camera fully covers (query days are drawn from these)."""
        return min(self.camera_rows(c) for c in range(self.cameras)) * SEG_S // 86_400

    def camera(self, cam: int) -> str:
        return f"cam-{cam:03d}"

    def site(self, cam: int) -> str:
        return f"site-{cam % self.sites + 1}"

    def site_cameras(self, site: str) -> int:
        return sum(1 for c in range(self.cameras) if self.site(c) == site)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=5_000_000)
    p.add_argument("--cameras", type=int, default=58)
    p.add_argument("--sites", type=int, default=3)
    p.add_argument("--db", type=Path, default=Path("/tmp/vms-bench/catalog-5m.sqlite3"))
    p.add_argument("--rebuild", action="store_true", help="ignore a cached DB")
    p.add_argument("--queries", type=int, default=1000, help="camera-day queries")
    p.add_argument("--site-queries", type=int, default=1000, help="site-day queries")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    args = p.parse_args()
    if args.smoke:
        args.cameras, args.sites, args.rows = 3, 2, 3 * 2 * PER_DAY
        args.queries, args.site_queries, args.rebuild = 50, 5, True
    return args


# -- rows --------------------------------------------------------------------


def expected_segment(lay: Layout, cam: int, i: int) -> Segment:
    """Segment i of camera `cam`, built through the domain model and key scheme."""
    camera, site = lay.camera(cam), lay.site(cam)
    start = EPOCH + timedelta(seconds=i * SEG_S)
    key = build_segment_key(site, camera, start, retention_days=180)
    sha = hashlib.sha256(key.encode()).hexdigest()
    end = start + timedelta(seconds=SEG_S)
    return Segment(
        camera=camera, site=site, start=start, end=end,
        size_bytes=26_000_000 + int(sha[:6], 16) % 8_000_000, sha256=sha, key=key,
        codec="h264", width=1920, height=1080, fps=15.0,
        thumbnail_key=build_thumbnail_key(site, camera, start, retention_days=180),
        expires_at=end + timedelta(days=RETENTION_DAYS), source_etag=sha[:32], init_size=1100,
    )  # fmt: skip


def recorded(lay: Layout) -> Iterator[Segment]:
    """Every segment in the order the cameras record them: minute by minute."""
    for i in range(lay.per_camera):
        for cam in range(lay.cameras):
            if i < lay.camera_rows(cam):
                yield expected_segment(lay, cam, i)


# -- build -------------------------------------------------------------------


def cached_ok(catalog: SqliteCatalog, lay: Layout) -> bool:
    expected = [lay.camera(c) for c in range(lay.cameras)]
    if catalog.cameras() != expected:
        return False
    counted = sum(catalog.camera_totals(c).segments for c in expected)
    return counted == lay.rows and not sample_differs(catalog, lay, 20)


def build(path: Path, lay: Layout) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    catalog = SqliteCatalog(path)
    try:
        catalog.initialize()
        rows, started, done, shown = recorded(lay), time.perf_counter(), 0, 0
        while batch := list(itertools.islice(rows, BATCH)):
            if catalog.put_segments(batch) != len(batch):
                raise SystemExit("put_segments replaced rows of a fresh catalog")
            done += len(batch)
            if done - shown >= PROGRESS_EVERY or done == lay.rows:
                shown, rate = done, done / (time.perf_counter() - started)
                print(f"  {done:>10,} rows put ({rate:,.0f} rows/s)", flush=True)
    finally:
        catalog.close()


def sample_differs(catalog: SqliteCatalog, lay: Layout, n: int) -> str:
    """The first of ``n`` random rows that does not read back as written, or ''."""
    rng = random.Random(42)
    for _ in range(n):
        cam = rng.randrange(lay.cameras)
        want = expected_segment(lay, cam, rng.randrange(lay.camera_rows(cam)))
        got = catalog.get_segment(want.camera, want.start)
        if got != want:
            return f"catalog row differs:\n got  {got}\n want {want}"
    return ""


def verify_sample(catalog: SqliteCatalog, lay: Layout, n: int = 200) -> None:
    if differs := sample_differs(catalog, lay, n):
        raise SystemExit(differs)
    print(f"verified {n} random rows with catalog.get_segment: all equal", flush=True)


def expect_rows(what: str, got: int, want: int) -> int:
    if got != want:
        raise SystemExit(f"{what}: {got} rows, expected {want}")
    return got


# -- timing ------------------------------------------------------------------


@dataclass
class Timings:
    wall: list[float]  # ms per call
    cpu: list[float]  # ms of this thread's CPU per call: what the code costs, not the VM
    rows: int


def timed(calls: int, fn: Callable[[random.Random], int], seed: int) -> Timings:
    """Wall and CPU ms of ``calls`` calls to fn(rng); also the total rows returned."""
    rng, out = random.Random(seed), Timings([], [], 0)
    for _ in range(calls):
        t0, c0 = time.perf_counter(), time.thread_time()
        out.rows += fn(rng)
        out.wall.append((time.perf_counter() - t0) * 1000)
        out.cpu.append((time.thread_time() - c0) * 1000)
    return out


def describe(name: str, t: Timings, target: float | None = None) -> None:
    q = statistics.quantiles(t.wall, n=100, method="inclusive")
    p50, p95, p99 = q[49], q[94], q[98]
    cpu = statistics.quantiles(t.cpu, n=100, method="inclusive")
    verdict = ""
    if target is not None:
        verdict = f"  (target p99 <= {target:.0f} ms: {'OK' if p99 <= target else 'MISSED'})"
    print(
        f"{name:<34} n={len(t.wall):<5} rows/call={t.rows / len(t.wall):>8.0f}  "
        f"p50={p50:7.2f}  p95={p95:7.2f}  p99={p99:7.2f}  max={max(t.wall):7.2f} ms"
        f"  cpu p50={cpu[49]:.2f} p99={cpu[98]:.2f} ms{verdict}",
        flush=True,
    )


def run_queries(catalog: SqliteCatalog, lay: Layout, args: argparse.Namespace) -> None:
    days, one_day = lay.full_days, timedelta(days=1)
    if days < 1:
        raise SystemExit("every camera needs at least one full day of rows to query")

    def camera_day(rng: random.Random) -> int:
        start = EPOCH + rng.randrange(days) * one_day
        camera = lay.camera(rng.randrange(lay.cameras))
        found = catalog.query_camera(camera, start, start + one_day)
        return expect_rows(f"query_camera {camera} {start:%F}", len(found), PER_DAY)

    raw = sqlite3.connect(catalog.path)

    def camera_day_raw(rng: random.Random) -> int:  # the SQL of query_camera, no decoding
        lo = int((EPOCH + rng.randrange(days) * one_day).timestamp() * 1000)
        cam = lay.camera(rng.randrange(lay.cameras))
        rows = raw.execute(
            f"SELECT {_COLUMNS} FROM segments WHERE camera = ? AND start_ms >= ? "
            "AND start_ms < ? AND status = 'ok' ORDER BY start_ms",
            (cam, lo, lo + 86_400_000),
        ).fetchall()
        return expect_rows(f"raw camera-day {cam}", len(rows), PER_DAY)

    def site_day_raw(rng: random.Random) -> int:  # the SQL of query_site, no decoding
        lo = int((EPOCH + rng.randrange(days) * one_day).timestamp() * 1000)
        site = f"site-{rng.randrange(lay.sites) + 1}"
        rows = raw.execute(
            f"SELECT {_COLUMNS} FROM segments WHERE site = ? AND start_ms >= ? "
            "AND start_ms < ? AND status = 'ok' ORDER BY start_ms, camera",
            (site, lo, lo + 86_400_000),
        ).fetchall()
        return expect_rows(f"raw site-day {site}", len(rows), PER_DAY * lay.site_cameras(site))

    def site_day(rng: random.Random) -> int:
        start = EPOCH + rng.randrange(days) * one_day
        site = f"site-{rng.randrange(lay.sites) + 1}"
        found = catalog.query_site(site, start, start + one_day)
        return expect_rows(f"query_site {site}", len(found), PER_DAY * lay.site_cameras(site))

    def totals(rng: random.Random) -> int:
        cam = rng.randrange(lay.cameras)
        expect_rows("camera_totals", catalog.camera_totals(lay.camera(cam)).segments,
                    lay.camera_rows(cam))  # fmt: skip
        return 1

    print(f"warming up ({min(200, args.queries)} camera-day queries)...", flush=True)
    timed(min(200, args.queries), camera_day, args.seed + 100)
    describe(
        "query_camera (one camera-day)", timed(args.queries, camera_day, args.seed), TARGET_P99_MS
    )
    describe("  same SQL, raw sqlite3 fetchall", timed(args.queries, camera_day_raw, args.seed))
    if args.site_queries:
        print(f"running {args.site_queries} site-day queries...", flush=True)
        describe("query_site (one site-day)", timed(args.site_queries, site_day, args.seed))
        raw_n = min(args.site_queries, 100)
        describe("  same SQL, raw sqlite3 fetchall", timed(raw_n, site_day_raw, args.seed))
    describe("camera_totals", timed(args.queries, totals, args.seed))
    raw.close()


def db_size(path: Path) -> int:
    return sum(
        Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )


def main() -> int:
    args = parse_args()
    if args.smoke:
        with tempfile.TemporaryDirectory(prefix="bench-catalog-smoke-") as tmp:
            args.db = Path(tmp) / "catalog.sqlite3"
            return measure(args)
    return measure(args)


def measure(args: argparse.Namespace) -> int:
    lay = Layout(args.rows, args.cameras, args.sites)
    print(
        f"layout: {lay.rows:,} rows = {lay.cameras} cameras x {lay.per_camera:,} x {SEG_S} s "
        f"segments ({lay.per_camera * SEG_S / 86_400:.1f} days each, {lay.full_days} full "
        f"days queried), over {lay.sites} sites; sqlite {sqlite3.sqlite_version}; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    catalog = SqliteCatalog(args.db)
    try:
        if not args.rebuild and args.db.exists() and cached_ok(catalog, lay):
            print(f"reusing cached DB {args.db}", flush=True)
        else:
            catalog.close()
            print(f"building {args.db} ...", flush=True)
            t0 = time.perf_counter()
            build(args.db, lay)
            print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)
        catalog.initialize()  # no-op on an existing schema; sets up the connection
        verify_sample(catalog, lay)
        print(
            f"DB size on disk: {db_size(args.db) / 1e9:.2f} GB "
            f"({db_size(args.db) / lay.rows:.0f} bytes/row)",
            flush=True,
        )
        run_queries(catalog, lay, args)
    finally:
        catalog.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
