"""``vms config``: validate configuration files."""

from __future__ import annotations

from pathlib import Path

import typer

from footage.config_loader import load_config
from footage.errors import ConfigError

config_app = typer.Typer(help="Validate configuration files.")


@config_app.command("check")
def config_check(file: Path) -> None:
    """Validate FILE; print every error with its field path (exit 2 on errors)."""
    try:
        config = load_config(file)
    except ConfigError as exc:
        for field, message in exc.errors:
            typer.echo(f"{file}: {field}: {message}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{file}: OK ({len(config.sites)} sites, {len(config.cameras)} cameras)")
