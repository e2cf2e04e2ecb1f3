"""``vms retention``: delete footage past its retention (evidence holds are kept)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, JsonOpt, runtime

retention_app = typer.Typer(help="Delete footage past its retention.")


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only show what would go")] = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Delete footage past each camera's retention (protected ranges are kept)."""
    from footage.services.retention import run_retention

    rt = runtime(config, data_dir)
    rt.catalog.initialize()
    report = run_retention(rt.retention_job(), rt.clock.now(), dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    if as_json:
        summary = {
            "dry_run": dry_run, "segments": report.segments, "objects": report.objects,
            "bytes": report.bytes, "protected_kept": report.protected_kept,
            "exports_deleted": report.exports_deleted,
            "errors": report.errors, "keys": [s.key for s in report.deleted],
        }  # fmt: skip
        typer.echo(json.dumps(summary, indent=1))
    else:
        for seg in report.deleted:
            typer.echo(f"{verb} {seg.key} ({seg.size_bytes} bytes)")
        typer.echo(
            f"{verb} {report.segments} segments, {report.objects} objects, {report.bytes} bytes;"
            f" kept {report.protected_kept} protected; {report.exports_deleted} files of"
            f" expired exports; {len(report.errors)} errors"
        )
    if report.errors:
        raise typer.Exit(1)
