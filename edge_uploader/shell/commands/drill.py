"""``vms drill``: a restore drill now (the supervisor runs one a day)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, runtime
from footage.drills import drill_status
from footage.services.drill import DEFAULT_COUNT, run_drill


def drill(
    count: Annotated[
        int,
        typer.Option("--count", "-n", min=1, max=10_000, help="segments to fetch back and check"),
    ] = DEFAULT_COUNT,
    seed: Annotated[int | None, typer.Option("--seed", help="repeat a sample")] = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Fetch random segments (every site, camera and age) back from storage, check
    their SHA-256 against the index and the signed chain, decode them, and record
    the result. Prints each failure and the share of the archive verified in 30
    days. Exit 1 if any segment failed."""
    rt = runtime(config, data_dir)
    rt.catalog.initialize()
    job = rt.drill_job()
    now = rt.clock.now()
    run = run_drill(job, now, count, seed)
    for check in run.failed:
        typer.echo(f"FAILED {check.site} {check.camera} {check.start.isoformat()} {check.key}:"
                   f" {check.outcome.value} ({check.reason})")  # fmt: skip
    status = drill_status(job.drills, now)
    chained = sum(1 for c in run.checks if c.chain)
    typer.echo(f"drill: {len(run.checks)} segments checked ({chained} against the signed chain),"
               f" {len(run.failed)} failed, {run.bytes_read / 1e6:.1f} MB read; archive verified"
               f" in 30 days: {status.fraction_verified_30d:.2%} of {status.archive_segments}"
               " segments")  # fmt: skip
    if run.failed:
        raise typer.Exit(1)
