"""``vms mikrotik``: print the RouterOS QoS script of a site (edge_uploader.shell.mikrotik)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, fail, load_cli_config
from footage.errors import ConfigError


def mikrotik(
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
    site: Annotated[
        str | None, typer.Option(help="the site (default: the only one with a network section)")
    ] = None,
) -> None:
    """Print a RouterOS QoS script for a site's Mikrotik router: live view first,
    then the office, backup uploads last and capped. Apply it with
    /import file-name=vms-qos.rsc (see the script's header)."""
    from edge_uploader.shell.mikrotik import render

    settings = load_cli_config(config, data_dir)
    if site is None:
        routed = [s.id for s in settings.sites if s.network is not None]
        if len(routed) != 1:
            fail(f"pass --site: sites with a network section: {', '.join(routed) or 'none'}", 2)
        site = routed[0]
    try:
        typer.echo(render(settings, site), nl=False)
    except ConfigError as exc:
        fail("; ".join(f"{field}: {message}" for field, message in exc.errors), 2)
