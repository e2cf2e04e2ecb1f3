"""``vms status``: the edge as its supervisor last saw it, joined with the spool
journal; one line for the system, its AWS key, each service, site and camera,
then what became of each NVR folder's files. Times in the site's own clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, JsonOpt, runtime
from footage.localtime import format_site_clock
from footage.outages import describe

if TYPE_CHECKING:
    from edge_uploader.shell.bootstrap import Runtime
    from edge_uploader.shell.status import (
        AccessKeyReport,
        CameraReport,
        ServiceStatus,
        SiteUpload,
        StatusReport,
        SystemStatus,
    )
    from footage.live import RelayStatus


def status(
    as_json: JsonOpt = False, config: ConfigOpt = None, data_dir: DataDirOpt = Path("var")
) -> None:
    """Per camera: recording state, last segment, spool backlog, upload lag, live relay
    state (idle/starting/live/retrying, viewers) and the last error."""
    from edge_uploader.shell.status import read_status
    from footage.installation import is_running
    from footage.live import read_relay_status, relay_status_path

    rt = runtime(config, data_dir)
    rt.spool.journal.initialize()
    now = rt.clock.now()
    relay = read_relay_status(relay_status_path(rt.paths.data_dir), now)
    # A kill -9 leaves a fresh-looking status file behind; the instance lock goes.
    alive = is_running(rt.paths.data_dir)
    system = read_status(rt.paths.status_file, now) if alive else None
    report = _report(rt, system, relay, now)
    if as_json:
        typer.echo(report.model_dump_json(indent=1))
        return
    zones = {s.id: s.timezone for s in rt.config.sites}
    for line in status_lines(report, system, relay, zones):
        typer.echo(line)


def _report(
    rt: Runtime, system: SystemStatus | None, relay: RelayStatus | None, now: datetime
) -> StatusReport:
    from edge_uploader.shell.status import access_key_report, build_report
    from edge_uploader.shell.watch_report import watch_folder_reports

    report = build_report(rt.camera_sites, system, rt.journal, now, relay)
    report.access_key = access_key_report(rt.config.storage, now)
    report.watch_folders = watch_folder_reports(rt.journal.watched, rt.config.watch_folders,
                                                rt.camera_sites)  # fmt: skip
    return report


def status_lines(
    report: StatusReport,
    system: SystemStatus | None,
    relay: RelayStatus | None,
    zones: dict[str, str],
) -> Iterator[str]:
    """What ``vms status`` prints, line by line (``zones``: each site's time zone)."""
    from edge_uploader.shell.watch_report import watch_folder_lines

    yield _system_line(report, system, relay)
    if key := report.access_key:
        yield _key_line(key)
    for name, service in report.services.items():
        yield _service_line(name, service)
    for site in report.sites:
        yield _site_line(site)
    for row in report.cameras:
        yield _camera_line(row, zones.get(row.site, "UTC"))
    yield from watch_folder_lines(report.watch_folders)  # what became of each NVR file


def _system_line(
    report: StatusReport, system: SystemStatus | None, relay: RelayStatus | None
) -> str:
    return (
        f"system: {'running' if report.running else 'NOT RUNNING'}"
        f"{'  SPOOL FULL' if report.spool_full else ''}  ingest backlog {report.ingest_backlog}"
        f"  dropped {report.dropped_segments}  live relay {'running' if relay else 'not running'}"
        + (f"  encoder {system.encoder}" if system and system.encoder else "")
    )


def _key_line(key: AccessKeyReport) -> str:
    if key.error:
        return f"aws key: age unknown ({key.error})"
    return f"aws key {key.access_key_id} ({key.user_name}): {key.age_days} days old" + (
        f"  ROTATE IT: older than {key.rotate_after_days} days (README: rotating an edge key)"
        if key.stale
        else ""
    )


def _service_line(name: str, service: ServiceStatus) -> str:
    return (f"{name:<10} {service.state:<11} pid {service.pid or '-'}"
            f"  restarts {service.restarts}"
            + (f"  ERROR: {service.last_error}" if service.last_error else ""))  # fmt: skip


def _site_line(up: SiteUpload) -> str:
    eta = f"{up.eta_s / 60:.0f} min" if up.eta_s is not None else "-"
    ratio = f"{up.compression_ratio:.1f}:1" if up.compression_ratio else "-"
    level = f" ({up.compression_profile})" if up.compression_profile else ""
    return (
        f"{up.site:<10} uploads: backlog {up.backlog_count} ({up.backlog_bytes / 1e6:.1f} MB)"
        f"  rate {up.rate_now_bps / 1e6:.2f} Mbit/s now, {up.rate_avg_bps / 1e6:.2f} avg"
        f"  drained in {eta}  compression {ratio}{level}"
        f"{'  UPLOAD ERROR: ' + up.upload_error if up.upload_error else ''}"
    )


def _camera_line(row: CameraReport, zone: str) -> str:
    at = row.last_file_at if row.state == "nvr" else row.last_segment_at  # NVR: its folder
    last = format_site_clock(at, zone) if at else "-"
    sent = format_site_clock(row.last_upload_at, zone) if row.last_upload_at else "-"
    watching = f" ({row.live_viewers} watching)" if row.live_viewers else ""
    lag = f"{row.upload_lag_s:.0f}s" if row.upload_lag_s is not None else "-"
    return (
        f"{row.site:<10} {row.camera:<16} {row.state:<9} last {last:<13} uploaded {sent:<13} "
        f"backlog {row.backlog_count} ({row.backlog_bytes / 1e6:.1f} MB) lag {lag}"
        f"  live {row.live or '-'}{watching}"
        f"{'  REASON: ' + describe(row.problem) if row.problem else ''}"
        f"{'  ERROR: ' + row.last_error if row.last_error else ''}"
        f"{'  LIVE ERROR: ' + row.live_error if row.live_error else ''}"
    )
