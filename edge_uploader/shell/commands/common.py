"""What every ``vms`` command shares: the common options, loading the config, failing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from edge_uploader.harness import demo
from edge_uploader.shell.bootstrap import Runtime, bootstrap
from footage.config import Config
from footage.config_loader import load_config
from footage.errors import ConfigError

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="YAML config (default: <data-dir>/config.yaml)"),
]
DataDirOpt = Annotated[
    Path, typer.Option("--data-dir", "-d", envvar="VMS_DATA_DIR", help="state, spool, demo storage")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` and exit (2 = bad input/config, 1 = runtime failure)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def load_cli_config(config: Path | None, data_dir: Path) -> Config:
    path = config or data_dir / demo.DEMO_CONFIG_NAME
    if not path.exists():
        fail(f"no config at {path}: pass --config FILE (or run `vms up` for the demo)", 2)
    try:
        return load_config(path)
    except ConfigError as exc:
        for field, message in exc.errors:
            typer.echo(f"{path}: {field}: {message}", err=True)
        raise typer.Exit(2) from exc


def runtime(config: Path | None, data_dir: Path) -> Runtime:
    """The edge's parts wired from the config (nothing starts)."""
    return bootstrap(load_cli_config(config, data_dir), data_dir)


def when(value: str | None, name: str) -> datetime | None:
    """An option's ISO 8601 time, which must carry its zone, in UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{name}: not an ISO 8601 time: {value!r}", 2)
    if moment.tzinfo is None:
        fail(f"{name}: give a zone, e.g. {value}+07:00 (WIB) or {value}Z", 2)
    return moment.astimezone(UTC)
