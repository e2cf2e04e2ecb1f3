"""``vms upload``: the upload queue (spool) to storage; ``drain`` empties it now."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, fail, runtime

upload_app = typer.Typer(help="The upload queue (spool) to storage.")


@upload_app.command("drain")
def upload_drain(
    timeout: Annotated[float, typer.Option(help="give up after this many seconds")] = 0,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Upload everything waiting in the spool now (no recording), with progress."""
    from edge_uploader.shell.drain import DrainProgress, drain

    rt = runtime(config, data_dir)
    rt.spool.prepare([c.id for c in rt.config.cameras])
    rt.spool.reconcile(rt.camera_sites, rt.clock.now())
    waiting = rt.journal.stats.backlog()
    typer.echo(f"{waiting.count} segments ({waiting.bytes / 1e6:.1f} MB) to upload", err=True)
    # A bar by bytes with an ETA on a terminal; click prints it once when piped.
    with typer.progressbar(length=max(waiting.bytes, 1), label="uploading", show_eta=True,
                           file=sys.stderr) as bar:  # fmt: skip
        sent = 0

        def report(progress: DrainProgress) -> None:
            nonlocal sent
            moved = progress.bytes_total - progress.bytes_left
            bar.label = (f"uploading {progress.done}/{progress.total} "
                         f"at {progress.rate_bps / 1e6:.2f} Mbit/s")  # fmt: skip
            bar.update(max(0, moved - sent))
            sent = moved
            if progress.last_error:
                typer.echo(f"\nlast error: {progress.last_error}", err=True)

        left = drain(rt, timeout or None, report)
    if left:
        fail(f"{left} segments still waiting (storage unreachable?)", 1)
