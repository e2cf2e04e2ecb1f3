"""Query latency of the SQLite catalog at 5 million segment rows.

Method
------
1. Layout: ``--cameras`` (default 58) cameras spread over ``--sites`` (default 3)
   sites, each recording back-to-back 60 s segments from 2026-01-01T00:00Z;
   rows / cameras segments per camera (5M / 58 = 86,207, about 59.9 days).
2. Build: `SqliteCatalog.initialize()` creates the real schema. Rows then go in
   with sqlite3 ``executemany`` in one transaction, in the catalog's column order,
   with the secondary indexes dropped during the load and recreated from their
   own SQL afterwards (same schema, built faster). The ``totals`` table is filled
   the same way. Keys come from a fast formatter that is checked against
   `footage.keys.build_segment_key`, and a random sample of rows is read back
   with `catalog.get_segment` and compared field by field with the expected
   `Segment`. The DB is cached at ``--db`` and reused if it holds this layout.
3. Time, through the public `SqliteCatalog` API (so row decoding into `Segment`
   objects is included):
   - ``--queries`` random one-camera-day `query_camera` calls (1,440 rows each);
     the same SQL through raw sqlite3, to show SQL cost vs Python decoding;
   - ``--site-queries`` random site-day `query_site` calls;
   - `camera_totals` for random cameras.
   Queries run warm (the OS page cache holds the DB after the build or a first
   pass); p50/p95/p99 are printed in ms.

Target: p99 <= 20 ms for one camera-day.

    uv run python bench/catalog_sqlite.py --rows 5000000
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import statistics
import sys
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
RETENTION_DAYS = 90
TARGET_P99_MS = 20.0
BATCH = 50_000
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
    return p.parse_args()


# -- rows --------------------------------------------------------------------


def fast_keys(site: str, camera: str, start: datetime) -> tuple[str, str]:
    """Segment and thumbnail keys without build_key's validation (checked below)."""
    tail = f"{site}/{camera}/{start:%Y/%m/%d}/{camera}_{start:%Y%m%dT%H%M%SZ}"
    return f"segments/{tail}.mp4", f"thumbnails/{tail}.jpg"


def expected_segment(lay: Layout, cam: int, i: int) -> Segment:
    """Segment i of camera `cam`, built through the domain model and key scheme."""
    camera, site = lay.camera(cam), lay.site(cam)
    start = EPOCH + timedelta(seconds=i * SEG_S)
    key = build_segment_key(site, camera, start)
    sha = hashlib.sha256(key.encode()).hexdigest()
    end = start + timedelta(seconds=SEG_S)
    return Segment(
        camera=camera, site=site, start=start, end=end,
        size_bytes=26_000_000 + int(sha[:6], 16) % 8_000_000, sha256=sha, key=key,
        codec="h264", width=1920, height=1080, fps=15.0,
        thumbnail_key=build_thumbnail_key(site, camera, start),
        expires_at=end + timedelta(days=RETENTION_DAYS), source_etag=sha[:32],
    )  # fmt: skip


def camera_rows(lay: Layout, cam: int) -> Iterator[tuple[object, ...]]:
    """The same values as expected_segment, as catalog rows, fast."""
    camera, site = lay.camera(cam), lay.site(cam)
    base_s = int(EPOCH.timestamp())
    for i in range(lay.camera_rows(cam)):
        start_s = base_s + i * SEG_S
        key, thumb = fast_keys(site, camera, datetime.fromtimestamp(start_s, UTC))
        sha = hashlib.sha256(key.encode()).hexdigest()
        size = 26_000_000 + int(sha[:6], 16) % 8_000_000
        end_s = start_s + SEG_S
        yield (
            camera, start_s * 1000, end_s * 1000, site, size, sha, key, "h264", 1920, 1080,
            15.0, None, thumb, "[]", "ok", None, end_s + RETENTION_DAYS * 86_400, 0, sha[:32],
        )  # fmt: skip


# -- build -------------------------------------------------------------------


def cached_ok(catalog: SqliteCatalog, lay: Layout) -> bool:
    expected = [lay.camera(c) for c in range(lay.cameras)]
    if catalog.cameras() != expected:
        return False
    counted = sum(catalog.camera_totals(c).segments for c in expected)
    return counted == lay.rows


def build(path: Path, lay: Layout) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    catalog = SqliteCatalog(path)
    catalog.initialize()  # the real schema (and WAL mode)
    catalog.close()
    check_fast_keys(lay)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=DELETE")  # new pages need no journal
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-524288")  # 512 MB
        indexes = db.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = 'segments' AND sql IS NOT NULL"
        ).fetchall()
        db.execute("BEGIN")
        for name, _sql in indexes:
            db.execute(f'DROP INDEX "{name}"')
        load_segments(db, lay)
        load_totals(db, lay)
        for name, sql in indexes:
            print(f"  creating index {name}...", flush=True)
            db.execute(sql)
        db.execute("COMMIT")
        db.execute("PRAGMA journal_mode=WAL")  # as the catalog runs it
        db.execute("ANALYZE")
    finally:
        db.close()


def load_segments(db: sqlite3.Connection, lay: Layout) -> None:
    sql = f"INSERT INTO segments ({_COLUMNS}) VALUES ({','.join('?' * 19)})"
    started, done, shown = time.perf_counter(), 0, 0
    for cam in range(lay.cameras):  # camera-major: appends to the clustered B-tree
        rows = camera_rows(lay, cam)
        while batch := [row for _, row in zip(range(BATCH), rows, strict=False)]:
            db.executemany(sql, batch)
            done += len(batch)
            if done - shown >= PROGRESS_EVERY or done == lay.rows:
                shown, rate = done, done / (time.perf_counter() - started)
                print(f"  {done:>10,} rows inserted ({rate:,.0f} rows/s)", flush=True)


def load_totals(db: sqlite3.Connection, lay: Layout) -> None:
    per_site: dict[str, list[int]] = {}
    for cam in range(lay.cameras):
        n = lay.camera_rows(cam)
        size_sum = db.execute(
            "SELECT COALESCE(SUM(size_bytes), 0) FROM segments WHERE camera = ?",
            (lay.camera(cam),),
        ).fetchone()[0]
        db.execute(
            "INSERT INTO totals VALUES ('camera', ?, ?, ?, ?)",
            (lay.camera(cam), n, size_sum, float(n * SEG_S)),
        )
        acc = per_site.setdefault(lay.site(cam), [0, 0])
        acc[0] += n
        acc[1] += size_sum
    for site, (n, size) in per_site.items():
        db.execute(
            "INSERT INTO totals VALUES ('site', ?, ?, ?, ?)", (site, n, size, float(n * SEG_S))
        )


def check_fast_keys(lay: Layout) -> None:
    rng = random.Random(0)
    for _ in range(200):
        cam, i = rng.randrange(lay.cameras), rng.randrange(lay.per_camera)
        start = EPOCH + timedelta(seconds=i * SEG_S)
        fast = fast_keys(lay.site(cam), lay.camera(cam), start)
        real = (
            build_segment_key(lay.site(cam), lay.camera(cam), start),
            build_thumbnail_key(lay.site(cam), lay.camera(cam), start),
        )
        if fast != real:
            raise SystemExit(f"fast key formatter is wrong: {fast} != {real}")


def verify_sample(catalog: SqliteCatalog, lay: Layout, n: int = 200) -> None:
    rng = random.Random(42)
    for _ in range(n):
        cam = rng.randrange(lay.cameras)
        i = rng.randrange(lay.camera_rows(cam))
        want = expected_segment(lay, cam, i)
        got = catalog.get_segment(want.camera, want.start)
        if got != want:
            raise SystemExit(f"catalog row differs:\n got  {got}\n want {want}")
    print(f"verified {n} random rows with catalog.get_segment: all equal", flush=True)


# -- timing ------------------------------------------------------------------


def timed(calls: int, fn: Callable[[random.Random], int], seed: int) -> tuple[list[float], int]:
    """Latencies in ms of ``calls`` calls to fn(rng); also the total rows returned."""
    rng, latencies, rows = random.Random(seed), [], 0
    for _ in range(calls):
        t0 = time.perf_counter()
        rows += fn(rng)
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies, rows


def describe(name: str, lat: list[float], rows: int, target: float | None = None) -> None:
    q = statistics.quantiles(lat, n=100, method="inclusive")
    p50, p95, p99 = q[49], q[94], q[98]
    verdict = ""
    if target is not None:
        verdict = f"  (target p99 <= {target:.0f} ms: {'OK' if p99 <= target else 'MISSED'})"
    print(
        f"{name:<34} n={len(lat):<5} rows/call={rows / len(lat):>8.0f}  "
        f"p50={p50:7.2f}  p95={p95:7.2f}  p99={p99:7.2f}  max={max(lat):7.2f} ms{verdict}",
        flush=True,
    )


def run_queries(catalog: SqliteCatalog, lay: Layout, args: argparse.Namespace) -> None:
    days, one_day = lay.full_days, timedelta(days=1)
    if days < 1:
        raise SystemExit("every camera needs at least one full day of rows to query")

    def camera_day(rng: random.Random) -> int:
        start = EPOCH + rng.randrange(days) * one_day
        return len(
            catalog.query_camera(lay.camera(rng.randrange(lay.cameras)), start, start + one_day)
        )

    raw = sqlite3.connect(catalog.path)

    def camera_day_raw(rng: random.Random) -> int:  # the SQL of query_camera, no decoding
        lo = int((EPOCH + rng.randrange(days) * one_day).timestamp() * 1000)
        cam = lay.camera(rng.randrange(lay.cameras))
        rows = raw.execute(
            f"SELECT {_COLUMNS} FROM segments WHERE camera = ? AND start_ms >= ? "
            "AND start_ms < ? AND status = 'ok' ORDER BY start_ms",
            (cam, lo, lo + 86_400_000),
        ).fetchall()
        return len(rows)

    def site_day_raw(rng: random.Random) -> int:  # the SQL of query_site, no decoding
        lo = int((EPOCH + rng.randrange(days) * one_day).timestamp() * 1000)
        site = f"site-{rng.randrange(lay.sites) + 1}"
        rows = raw.execute(
            f"SELECT {_COLUMNS} FROM segments WHERE site = ? AND start_ms >= ? "
            "AND start_ms < ? AND status = 'ok' ORDER BY start_ms, camera",
            (site, lo, lo + 86_400_000),
        ).fetchall()
        return len(rows)

    def site_day(rng: random.Random) -> int:
        start = EPOCH + rng.randrange(days) * one_day
        site = f"site-{rng.randrange(lay.sites) + 1}"
        return len(catalog.query_site(site, start, start + one_day))

    def totals(rng: random.Random) -> int:
        catalog.camera_totals(lay.camera(rng.randrange(lay.cameras)))
        return 1

    print(f"warming up ({min(200, args.queries)} camera-day queries)...", flush=True)
    timed(min(200, args.queries), camera_day, args.seed + 100)
    describe(
        "query_camera (one camera-day)", *timed(args.queries, camera_day, args.seed), TARGET_P99_MS
    )
    describe("  same SQL, raw sqlite3 fetchall", *timed(args.queries, camera_day_raw, args.seed))
    if args.site_queries:
        print(f"running {args.site_queries} site-day queries...", flush=True)
        describe("query_site (one site-day)", *timed(args.site_queries, site_day, args.seed))
        raw_n = min(args.site_queries, 100)
        describe("  same SQL, raw sqlite3 fetchall", *timed(raw_n, site_day_raw, args.seed))
    describe("camera_totals", *timed(args.queries, totals, args.seed))
    raw.close()


def db_size(path: Path) -> int:
    return sum(
        Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )


def main() -> int:
    args = parse_args()
    lay = Layout(args.rows, args.cameras, args.sites)
    print(
        f"layout: {lay.rows:,} rows = {lay.cameras} cameras x {lay.per_camera:,} x {SEG_S} s "
        f"segments ({lay.per_camera * SEG_S / 86_400:.1f} days each, {lay.full_days} full "
        f"days queried), over {lay.sites} sites; sqlite {sqlite3.sqlite_version}"
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
