"""``vms``: the on-prem command line, put together from edge_uploader.shell.commands
(one module per command or group). Each command parses options, calls one service
and maps errors to exit codes (2 = bad input/config, 1 = runtime failure)."""

from __future__ import annotations

import sys

import typer

from edge_uploader.shell.commands.alerts import alerts_app
from edge_uploader.shell.commands.calibrate import calibrate, compress
from edge_uploader.shell.commands.camera import camera_app
from edge_uploader.shell.commands.config import config_app
from edge_uploader.shell.commands.drill import drill
from edge_uploader.shell.commands.evidence import evidence_app
from edge_uploader.shell.commands.footage import footage_app
from edge_uploader.shell.commands.keys import keys_app
from edge_uploader.shell.commands.mikrotik import mikrotik
from edge_uploader.shell.commands.plan import plan
from edge_uploader.shell.commands.relay import relay_app
from edge_uploader.shell.commands.retention import retention_app
from edge_uploader.shell.commands.share import share
from edge_uploader.shell.commands.status import status
from edge_uploader.shell.commands.up import up
from edge_uploader.shell.commands.upload import upload_app
from edge_uploader.shell.commands.user import user_app
from edge_uploader.shell.commands.verify import verify
from footage.errors import FootageError
from footage.logs import configure_logging_from_env

app = typer.Typer(
    help="cctv-vms: record, back up, index and retain CCTV footage.", pretty_exceptions_enable=False
)
for command in (up, mikrotik, status, verify, drill, plan, calibrate, compress, share):
    app.command()(command)
for sub, name in (
    (config_app, "config"),
    (camera_app, "camera"),
    (footage_app, "footage"),
    (retention_app, "retention"),
    (evidence_app, "evidence"),
    (keys_app, "keys"),
    (upload_app, "upload"),
    (relay_app, "relay"),
    (user_app, "user"),
    (alerts_app, "alerts"),
):
    app.add_typer(sub, name=name)


def main() -> None:
    configure_logging_from_env()
    try:
        app()
    except FootageError as exc:  # storage/index/media failures: a message, not a traceback
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
