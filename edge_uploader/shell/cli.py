"""``vms``: the on-prem command line. Commands parse options, call one service
and map errors to exit codes here (2 = bad input/config, 1 = runtime failure)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from edge_uploader.harness import demo
from edge_uploader.shell.bootstrap import Runtime, bootstrap
from edge_uploader.shell.cli_common import ConfigOpt, DataDirOpt, JsonOpt
from edge_uploader.shell.cli_common import fail as _fail
from edge_uploader.shell.cli_common import load_cli_config as _config
from edge_uploader.shell.cli_users import user_app
from footage.config import Config
from footage.config_loader import load_config
from footage.errors import ConfigError, FootageError
from footage.localtime import format_site_clock, format_site_time
from footage.logs import configure_logging_from_env
from footage.models import Protection, Segment
from footage.outages import describe
from footage.procs import interrupt_once
from footage.services.evidence import protect

if TYPE_CHECKING:
    from edge_uploader.shell.system import System

app = typer.Typer(
    help="cctv-vms: record, back up, index and retain CCTV footage.", pretty_exceptions_enable=False
)
config_app = typer.Typer(help="Validate configuration files.")
camera_app = typer.Typer(help="Cameras: run simulated RTSP test cameras.")
footage_app = typer.Typer(help="Query recorded footage.")
retention_app = typer.Typer(help="Delete footage past its retention.")
evidence_app = typer.Typer(help="Evidence holds: footage that retention must keep.")
upload_app = typer.Typer(help="The upload queue (spool) to storage.")
relay_app = typer.Typer(help="The live relay (nginx-rtmp, HLS).")
for sub, name in (
    (config_app, "config"),
    (camera_app, "camera"),
    (footage_app, "footage"),
    (retention_app, "retention"),
    (evidence_app, "evidence"),
    (upload_app, "upload"),
    (relay_app, "relay"),
):
    app.add_typer(sub, name=name)
app.add_typer(user_app, name="user")


class Backend(StrEnum):
    EMBEDDED = "embedded"
    AWS_LOCAL = "aws-local"


def main() -> None:
    configure_logging_from_env()
    try:
        app()
    except FootageError as exc:  # storage/index/media failures: a message, not a traceback
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)


def _runtime(config: Path | None, data_dir: Path) -> Runtime:
    return bootstrap(_config(config, data_dir), data_dir)


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"{name}: not an ISO 8601 time: {value!r}", 2)
    if moment.tzinfo is None:
        _fail(f"{name}: give a zone, e.g. {value}+07:00 (WIB) or {value}Z", 2)
    return moment.astimezone(UTC)


@app.command()
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
    from edge_uploader.harness.camsim.launcher import SimulatedCamera
    from edge_uploader.shell.system import System

    with contextlib.ExitStack() as stack:
        _claim(stack, data_dir)
        if config is None and not (data_dir / demo.DEMO_CONFIG_NAME).exists():
            demo.write_demo_config(data_dir, demo_port)
        settings = _config(config, data_dir)
        config_path = config or data_dir / demo.DEMO_CONFIG_NAME
        if config is None:
            for spec in demo.demo_specs(demo_port):
                stack.callback(SimulatedCamera(spec).start().stop)
            typer.echo(
                f"demo: {len(settings.cameras)} simulated cameras, data in {data_dir.resolve()}"
            )
        if backend is Backend.AWS_LOCAL:
            settings, config_path = _start_local_cloud(settings, data_dir, stack)
        runtime = bootstrap(settings, data_dir)
        system = System(runtime)
        interrupt_once()
        try:
            system.start()
            port = settings.relay.http_port if http_port is None else http_port
            if port:
                _start_viewer(system, runtime, config_path, http_host, port)
            system.wait()
        except KeyboardInterrupt:
            pass
        finally:
            system.stop()


def _claim(stack: contextlib.ExitStack, data_dir: Path) -> None:
    """Run as the data dir's one instance (its lock, held until ``stack`` closes),
    after stopping whatever an earlier run left running (a kill -9, a crash)."""
    from footage.installation import InstanceRunning, claim

    try:
        stale = stack.enter_context(claim(data_dir))
    except InstanceRunning as exc:
        _fail(f"{exc}: stop it first, or use another --data-dir", 1)
    if stale:
        typer.echo(f"stopped {len(stale)} processes an earlier run left: "
                   + ", ".join(f"{m.pid} ({m.program})" for m in stale))  # fmt: skip


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


@app.command()
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

    settings = _config(config, data_dir)
    if site is None:
        routed = [s.id for s in settings.sites if s.network is not None]
        if len(routed) != 1:
            _fail(f"pass --site: sites with a network section: {', '.join(routed) or 'none'}", 2)
        site = routed[0]
    try:
        typer.echo(render(settings, site), nl=False)
    except ConfigError as exc:
        _fail("; ".join(f"{field}: {message}" for field, message in exc.errors), 2)


@relay_app.command("config")
def relay_config(
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
    host: Annotated[str, typer.Option(help="0.0.0.0 to serve the LAN")] = "127.0.0.1",
) -> None:
    """Print the relay's nginx.conf, generated from the site config (it holds the
    live-link secret: keep it 0600)."""
    path = config or data_dir / demo.DEMO_CONFIG_NAME
    _config(config, data_dir)  # clear errors here, before starting another process
    # The relay is its own deployable (streaming/): run it, do not import it.
    done = subprocess.run(
        [sys.executable, "-m", "streaming", "config", "--config", str(path),
         "--data-dir", str(data_dir), "--host", host],
        check=False,
    )  # fmt: skip
    raise typer.Exit(done.returncode)


@camera_app.command("simulate")
def camera_simulate(
    port: Annotated[int, typer.Option(help="first RTSP port")] = 8554,
    count: Annotated[int, typer.Option(min=1, max=32)] = 1,
    codec: Annotated[str, typer.Option(help="h264 or h265")] = "h264",
    audio: Annotated[str, typer.Option(help="none, pcma or pcmu (G.711)")] = "none",
    width: int = 1280,
    height: int = 720,
    fps: int = 15,
) -> None:
    """Start real RTSP test cameras (GStreamer, TCP and UDP) until Ctrl-C."""
    from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera

    if codec not in {"h264", "h265"} or audio not in {"none", "pcma", "pcmu"}:
        _fail("codec must be h264/h265 and audio none/pcma/pcmu", 2)
    specs = [
        CameraSpec(port=port + i, mount=f"/cam{i + 1}", codec=codec, audio=audio,  # type: ignore[arg-type]
                   width=width, height=height, fps=fps, label=f"CAM {i + 1}")
        for i in range(count)
    ]  # fmt: skip
    cams = [SimulatedCamera(spec).start() for spec in specs]
    for cam in cams:
        typer.echo(cam.url)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        for cam in cams:
            cam.stop()


@footage_app.command("ls")
def footage_ls(
    site: Annotated[str | None, typer.Option(help="site id")] = None,
    camera: Annotated[str | None, typer.Option(help="camera id")] = None,
    start: Annotated[str | None, typer.Option(help="ISO 8601 with zone")] = None,
    end: Annotated[str | None, typer.Option(help="ISO 8601 with zone")] = None,
    quarantined: Annotated[
        bool, typer.Option(help="include quarantined files and rows kept apart (conflicts)")
    ] = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """List indexed footage (all of it when no filter is given)."""
    from footage.services.footage_query import FootageFilter, list_footage

    query = FootageFilter(site, camera, _when(start, "--start"), _when(end, "--end"), quarantined)
    rt = _runtime(config, data_dir)
    rt.catalog.initialize()
    segments = list_footage(rt.catalog, rt.camera_sites, query)
    if as_json:
        typer.echo(json.dumps([_segment_json(s) for s in segments], indent=1))
        return
    zones = {s.id: s.timezone for s in rt.config.sites}  # people read the site's clock
    for seg in segments:
        typer.echo(
            f"{seg.camera:<16} {format_site_time(seg.start, zones.get(seg.site, 'UTC')):<24} "
            f"{seg.duration_s:6.1f}s {seg.size_bytes / 1e6:7.2f} MB {seg.codec:<5} "
            f"{seg.width}x{seg.height} {seg.key}"
        )
    typer.echo(f"{len(segments)} segments", err=True)


def _segment_json(seg: Segment) -> dict[str, object]:
    data: dict[str, object] = {
        "camera": seg.camera, "site": seg.site,
        "start": seg.start.isoformat().replace("+00:00", "Z"),
        "end": seg.end.isoformat().replace("+00:00", "Z"),
        "duration_s": round(seg.duration_s, 3), "size_bytes": seg.size_bytes,
        "sha256": seg.sha256, "key": seg.key, "codec": seg.codec,
        "width": seg.width, "height": seg.height,
    }  # fmt: skip
    if seg.status.value != "ok":
        data |= {"status": seg.status.value, "reason": seg.reason}
    return data


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only show what would go")] = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Delete footage past each camera's retention (protected ranges are kept)."""
    from footage.services.retention import run_retention

    rt = _runtime(config, data_dir)
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
    lo, hi = _when(start, "--start"), _when(end, "--end")
    assert lo is not None and hi is not None
    if hi <= lo:
        _fail("--end must be after --start", 2)
    rt = _runtime(config, data_dir)
    known = rt.config.camera(camera)
    if known is None:
        _fail(f"unknown camera {camera!r}", 2)
    rt.catalog.initialize()
    held = protect(
        rt.catalog, rt.storage, Protection(camera, lo, hi, reason, os.environ.get("USER", "cli"))
    )
    rt.journal.initialize()
    queued = rt.journal.mark_evidence(camera, lo, hi)
    first = f", {queued} in the spool go first in the upload queue" if queued else ""
    zone = rt.config.site(known.site).timezone
    span = f"{format_site_time(lo, zone)} .. {format_site_time(hi, zone)}"
    typer.echo(f"protected {camera} {span} ({held} segments{first})")


@upload_app.command("drain")
def upload_drain(
    timeout: Annotated[float, typer.Option(help="give up after this many seconds")] = 0,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Upload everything waiting in the spool now (no recording), with progress."""
    from edge_uploader.shell.drain import DrainProgress, drain

    rt = _runtime(config, data_dir)
    rt.spool.prepare([c.id for c in rt.config.cameras])
    rt.spool.reconcile(rt.camera_sites, rt.clock.now())
    waiting = rt.journal.backlog()
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
        _fail(f"{left} segments still waiting (storage unreachable?)", 1)


@app.command()
def status(
    as_json: JsonOpt = False, config: ConfigOpt = None, data_dir: DataDirOpt = Path("var")
) -> None:
    """Per camera: recording state, last segment, spool backlog, upload lag, live relay
    state (idle/starting/live/retrying, viewers) and the last error."""
    from edge_uploader.shell.status import access_key_report, build_report, read_status
    from edge_uploader.shell.watch_report import watch_folder_lines, watch_folder_reports
    from footage.installation import is_running
    from footage.live import read_relay_status, relay_status_path

    rt = _runtime(config, data_dir)
    rt.spool.journal.initialize()
    now = rt.clock.now()
    relay = read_relay_status(relay_status_path(rt.paths.data_dir), now)
    # A kill -9 leaves a fresh-looking status file behind; the instance lock goes.
    alive = is_running(rt.paths.data_dir)
    status = read_status(rt.paths.status_file, now) if alive else None
    report = build_report(rt.camera_sites, status, rt.journal, now, relay)
    report.access_key = access_key_report(rt.config.storage, now)
    report.watch_folders = watch_folder_reports(rt.journal, rt.config.watch_folders,
                                                rt.camera_sites)  # fmt: skip
    if as_json:
        typer.echo(report.model_dump_json(indent=1))
        return
    typer.echo(
        f"system: {'running' if report.running else 'NOT RUNNING'}"
        f"{'  SPOOL FULL' if report.spool_full else ''}  ingest backlog {report.ingest_backlog}"
        f"  dropped {report.dropped_segments}  live relay {'running' if relay else 'not running'}"
        + (f"  encoder {status.encoder}" if status and status.encoder else "")
    )
    if key := report.access_key:
        typer.echo(f"aws key: age unknown ({key.error})" if key.error else
                   f"aws key {key.access_key_id} ({key.user_name}): {key.age_days} days old"
                   + (f"  ROTATE IT: older than {key.rotate_after_days} days (README: "
                      "rotating an edge key)" if key.stale else ""))  # fmt: skip
    for name, service in report.services.items():
        typer.echo(f"{name:<10} {service.state:<11} pid {service.pid or '-'}"
                   f"  restarts {service.restarts}"
                   + (f"  ERROR: {service.last_error}" if service.last_error else ""))  # fmt: skip
    for up in report.sites:
        eta = f"{up.eta_s / 60:.0f} min" if up.eta_s is not None else "-"
        ratio = f"{up.compression_ratio:.1f}:1" if up.compression_ratio else "-"
        level = f" ({up.compression_profile})" if up.compression_profile else ""
        typer.echo(
            f"{up.site:<10} uploads: backlog {up.backlog_count} ({up.backlog_bytes / 1e6:.1f} MB)"
            f"  rate {up.rate_now_bps / 1e6:.2f} Mbit/s now, {up.rate_avg_bps / 1e6:.2f} avg"
            f"  drained in {eta}  compression {ratio}{level}"
            f"{'  UPLOAD ERROR: ' + up.upload_error if up.upload_error else ''}"
        )
    zones = {s.id: s.timezone for s in rt.config.sites}
    for row in report.cameras:
        zone = zones.get(row.site, "UTC")
        at = row.last_file_at if row.state == "nvr" else row.last_segment_at  # NVR: its folder
        last = format_site_clock(at, zone) if at else "-"
        sent = format_site_clock(row.last_upload_at, zone) if row.last_upload_at else "-"
        watching = f" ({row.live_viewers} watching)" if row.live_viewers else ""
        lag = f"{row.upload_lag_s:.0f}s" if row.upload_lag_s is not None else "-"
        typer.echo(
            f"{row.site:<10} {row.camera:<16} {row.state:<9} last {last:<13} uploaded {sent:<13} "
            f"backlog {row.backlog_count} ({row.backlog_bytes / 1e6:.1f} MB) lag {lag}"
            f"  live {row.live or '-'}{watching}"
            f"{'  REASON: ' + describe(row.problem) if row.problem else ''}"
            f"{'  ERROR: ' + row.last_error if row.last_error else ''}"
            f"{'  LIVE ERROR: ' + row.live_error if row.live_error else ''}"
        )
    for line in watch_folder_lines(report.watch_folders):  # what became of each NVR file
        typer.echo(line)


if __name__ == "__main__":  # pragma: no cover
    main()
