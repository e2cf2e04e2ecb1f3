"""``vms up``: the whole edge under one supervisor, with the viewer; the demo when
there is no config (simulated cameras), and aws-local to try the serverless path."""

from __future__ import annotations

import contextlib
import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from edge_uploader.harness import demo
from edge_uploader.shell.bootstrap import Runtime, bootstrap
from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, fail, load_cli_config
from footage.config import Config
from footage.procs import interrupt_once

if TYPE_CHECKING:
    from edge_uploader.shell.system import System


class Backend(StrEnum):
    EMBEDDED = "embedded"
    AWS_LOCAL = "aws-local"


def up(
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
    demo_port: Annotated[
        int, typer.Option(envvar="VMS_DEMO_PORT", help="first RTSP port of the demo cameras")
    ] = demo.DEMO_BASE_PORT,
    backend: Annotated[
        Backend,
        typer.Option(help="embedded: this machine does it all; aws-local: the serverless path"),
    ] = Backend.EMBEDDED,
    http_host: Annotated[
        str, typer.Option(envvar="VMS_HTTP_HOST", help="viewer/API address; 0.0.0.0 for the LAN")
    ] = "127.0.0.1",
    http_port: Annotated[
        int | None,
        typer.Option(
            envvar="VMS_HTTP_PORT",
            help="viewer, API and live port (default relay.http_port, 5000); 0 turns them off",
        ),
    ] = None,
) -> None:
    """Run recorder, uploader, ingest worker and retention under one supervisor.

    With no --config it runs the demo: sites HO and CABANG-01 with two
    simulated RTSP cameras each, storage and SQLite index under --data-dir.
    With --backend aws-local, a moto server plays AWS (S3 bucket, SQS queue,
    DynamoDB table) and the real Lambda handlers ingest and sweep; the edge
    only records and uploads, as at a branch. The web viewer, the API and live
    view are served on --http-host:--http-port by the live relay's nginx (log
    in as admin: the password is $VMS_ADMIN_PASSWORD, or generated and printed
    once). Ctrl-C or SIGTERM stops it cleanly.
    """
    with contextlib.ExitStack() as stack:
        _claim(stack, data_dir)
        settings, config_path = _settings(stack, config, data_dir, demo_port)
        if backend is Backend.AWS_LOCAL:
            settings, config_path = _start_local_cloud(settings, data_dir, stack)
        port = settings.relay.http_port if http_port is None else http_port
        _supervise(bootstrap(settings, data_dir), config_path, http_host, port)


def _claim(stack: contextlib.ExitStack, data_dir: Path) -> None:
    """Run as the data dir's one instance (its lock, held until ``stack`` closes),
    after stopping whatever an earlier run left running (a kill -9, a crash)."""
    from footage.installation import InstanceRunning, claim

    try:
        stale = stack.enter_context(claim(data_dir))
    except InstanceRunning as exc:
        fail(f"{exc}: stop it first, or use another --data-dir", 1)
    if stale:
        typer.echo(f"stopped {len(stale)} processes an earlier run left: "
                   + ", ".join(f"{m.pid} ({m.program})" for m in stale))  # fmt: skip


def _settings(
    stack: contextlib.ExitStack, config: Path | None, data_dir: Path, demo_port: int
) -> tuple[Config, Path]:
    """The config and its path; with none given, the demo's (written on the first
    run) and its simulated cameras, stopped when ``stack`` closes."""
    from edge_uploader.harness.camsim.launcher import SimulatedCamera

    if config is None and not (data_dir / demo.DEMO_CONFIG_NAME).exists():
        demo.write_demo_config(data_dir, demo_port)
    settings = load_cli_config(config, data_dir)
    if config is None:
        for spec in demo.demo_specs(demo_port):
            stack.callback(SimulatedCamera(spec).start().stop)
        typer.echo(f"demo: {len(settings.cameras)} simulated cameras, data in {data_dir.resolve()}")
    return settings, config or data_dir / demo.DEMO_CONFIG_NAME


def _supervise(runtime: Runtime, config_path: Path, host: str, port: int) -> None:
    """Run the edge (and the viewer when ``port``) until Ctrl-C or SIGTERM, then stop it."""
    from edge_uploader.shell.system import System

    system = System(runtime)
    interrupt_once()
    try:
        system.start()
        if port:
            _start_viewer(system, runtime, config_path, host, port)
        system.wait()
    except KeyboardInterrupt:
        pass
    finally:
        system.stop()


def _start_viewer(
    system: System, runtime: Runtime, config_path: Path, host: str, port: int
) -> None:
    """Create the admin account if there is none, then serve the viewer, the API and
    live view: nginx on ``host:port`` in front of the API (relay.api_port)."""
    from edge_uploader.shell.children import api_server, relay_server
    from footage.adapters.sqlite_users import SqliteUserStore
    from footage.services.accounts import bootstrap_admin

    users = SqliteUserStore(runtime.paths.users)
    users.initialize()
    password = bootstrap_admin(users, os.environ, runtime.clock.now())
    data_dir = runtime.paths.data_dir
    api = api_server(config_path.resolve(), data_dir, runtime.config.relay.api_port)
    relay = relay_server(config_path.resolve(), data_dir, host, port)
    system.supervise_child(api)
    system.supervise_child(relay)
    url = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"  # noqa: S104
    typer.echo(f"viewer: {url}  (API docs: {url}/api/docs; logs: {api.log_path.parent})")
    if password:
        typer.echo(f"  log in as 'admin' with password: {password}  (shown only once)")


def _start_local_cloud(
    settings: Config, data_dir: Path, stack: contextlib.ExitStack
) -> tuple[Config, Path]:
    from edge_uploader.harness import aws_local

    cloud = aws_local.start(settings, data_dir / "aws-local", stack)
    typer.echo(
        f"aws-local: moto at {cloud.endpoint_url}: bucket {aws_local.NAMES.bucket}, "
        f"queue {aws_local.NAMES.queue}, table {aws_local.NAMES.table}; Lambda log in "
        f"{data_dir / 'aws-local' / 'lambda.log'}\n"
        f"  query it: AWS_ACCESS_KEY_ID=aws-local AWS_SECRET_ACCESS_KEY=aws-local "
        f"vms footage ls --config {cloud.config_path}"
    )
    return cloud.config, cloud.config_path
