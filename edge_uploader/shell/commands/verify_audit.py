"""``vms verify --audit [--since DATE]``: the audit trail's hash chain, checked
where it is kept (the SQLite file beside the index, or the DynamoDB table).
``vms verify`` calls :func:`verify_audit_command`; exit 0 only if it all holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from edge_uploader.shell.commands.common import load_cli_config, when
from footage.adapters.factory import build_audit_log
from footage.config_loader import resolve_paths
from footage.services.verify_audit import audit_lines, verify_audit

AuditOpt = Annotated[
    bool, typer.Option("--audit", help="check the audit trail's hash chain (who watched what)")
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="with --audit: from this time (ISO 8601 with zone) on"),
]


def verify_audit_command(
    config: Path | None, data_dir: Path, since: str | None, lang: str
) -> NoReturn:
    """Print each broken event (seq, time, action) and the verdict; exit 0 or 1."""
    cfg = load_cli_config(config, data_dir)
    log = build_audit_log(cfg.index, resolve_paths(cfg, data_dir))
    log.initialize()
    report = verify_audit(log, when(since, "--since"))
    for line in audit_lines(report, lang):
        typer.echo(line)
    raise typer.Exit(0 if report.ok else 1)
