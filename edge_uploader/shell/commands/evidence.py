"""``vms evidence``: evidence holds, footage that retention must keep."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, fail, runtime, when
from footage.localtime import format_site_time
from footage.models import Protection
from footage.services.evidence import protect

evidence_app = typer.Typer(help="Evidence holds: footage that retention must keep.")


@evidence_app.command("protect")
def evidence_protect(
    camera: str,
    start: Annotated[str, typer.Option(help="ISO 8601 with zone")],
    end: Annotated[str, typer.Option(help="ISO 8601 with zone")],
    reason: Annotated[str, typer.Option(help="case number or why")],
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Put footage of CAMERA between --start and --end under an evidence hold; what of
    it still waits in this edge's spool is uploaded before anything else."""
    lo, hi = when(start, "--start"), when(end, "--end")
    assert lo is not None and hi is not None
    if hi <= lo:
        fail("--end must be after --start", 2)
    rt = runtime(config, data_dir)
    known = rt.config.camera(camera)
    if known is None:
        fail(f"unknown camera {camera!r}", 2)
    rt.catalog.initialize()
    held = protect(
        rt.catalog, rt.storage, Protection(camera, lo, hi, reason, os.environ.get("USER", "cli"))
    )
    rt.journal.initialize()
    queued = rt.journal.uploads.mark_evidence(camera, lo, hi)
    first = f", {queued} in the spool go first in the upload queue" if queued else ""
    zone = rt.config.site(known.site).timezone
    span = f"{format_site_time(lo, zone)} .. {format_site_time(hi, zone)}"
    typer.echo(f"protected {camera} {span} ({held} segments{first})")
