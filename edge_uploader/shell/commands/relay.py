"""``vms relay``: the live relay (nginx-rtmp, HLS), a deployable of its own (streaming/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.harness import demo
from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, load_cli_config

relay_app = typer.Typer(help="The live relay (nginx-rtmp, HLS).")


@relay_app.command("config")
def relay_config(
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
    host: Annotated[str, typer.Option(help="0.0.0.0 to serve the LAN")] = "127.0.0.1",
) -> None:
    """Print the relay's nginx.conf, generated from the site config (it holds the
    live-link secret: keep it 0600)."""
    path = config or data_dir / demo.DEMO_CONFIG_NAME
    load_cli_config(config, data_dir)  # clear errors here, before starting another process
    # The relay is its own deployable (streaming/): run it, do not import it.
    done = subprocess.run(
        [sys.executable, "-m", "streaming", "config", "--config", str(path),
         "--data-dir", str(data_dir), "--host", host],
        check=False,
    )  # fmt: skip
    raise typer.Exit(done.returncode)
