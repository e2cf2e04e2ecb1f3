"""``vms status``: the edge as its supervisor last saw it, joined with the spool
journal; one line for the system, its AWS key, each service, site and camera,
then what became of each NVR folder's files and, where the index is kept here, the
last restore drill. Times in the site's own clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, JsonOpt, runtime
from footage.config import IngestMode
from footage.drills import DrillStatus, drill_status
from footage.errors import FootageError
from footage.localtime import format_site_clock, site_zone, zone_abbr
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
    from footage.calibration import CameraQuality
    from footage.config import Config
    from footage.config_loader import Paths
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
    from edge_uploader.shell.status import access_key_report, build_report, camera_qualities
    from edge_uploader.shell.watch_report import watch_folder_reports

    quality = camera_qualities(rt.config, rt.paths.data_dir, system)
    report = build_report(rt.camera_sites, system, rt.journal, now, relay, quality)
    report.access_key = access_key_report(rt.config.storage, now)
    report.watch_folders = watch_folder_reports(rt.journal.watched, rt.config.watch_folders,
                                                rt.camera_sites)  # fmt: skip
    report.drills = _drills(rt.config, rt.paths, now)
    return report


def _drills(config: Config, paths: Paths, now: datetime) -> DrillStatus | None:
    """The drills' record where this box keeps the index (local ingest); None on a
    cloud-ingest edge, whose footage the drill Lambda checks."""
    if config.uploader.ingest is not IngestMode.LOCAL:
        return None
    from footage.adapters.factory import build_drill_log

    drills = build_drill_log(config.index, paths)
    try:
        drills.initialize()
        return drill_status(drills, now)
    except FootageError as exc:
        typer.echo(f"restore drill: cannot read the drill log: {exc}", err=True)
        return None


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
    if report.drills is not None:
        yield from drill_lines(report.drills, zones)


def drill_lines(drills: DrillStatus, zones: dict[str, str]) -> Iterator[str]:
    """The last restore drill: when, how many segments, each failure (site, camera,
    when it was recorded in the site's clock, key, outcome and reason), and the
    share of the archive verified in 30 days."""
    if drills.last_at is None:
        yield "restore drill: none in 30 days (vms drill runs one; vms up runs one daily)"
        return
    failed = f"{len(drills.failed)} FAILED" if drills.failed else "all passed"
    yield (f"restore drill: last {drills.last_at:%Y-%m-%d %H:%M} UTC  {drills.sampled} sampled"
           f"  {failed}"
           f"  archive verified in 30 days: {drills.fraction_verified_30d:.1%}"
           f" of {drills.archive_segments} segments")  # fmt: skip
    for check in drills.failed:
        zone = zones.get(check.site, "UTC")
        local = check.start.astimezone(site_zone(zone))
        yield (f"  DRILL FAILED {check.site:<10} {check.camera:<16} recorded"
               f" {local:%Y-%m-%d %H:%M:%S} {zone_abbr(zone, check.start)}  {check.key}:"
               f" {check.outcome.value}{f' ({check.reason})' if check.reason else ''}")  # fmt: skip


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
        f"{_quality(row.quality) if row.quality else ''}"
    )


def _quality(q: CameraQuality) -> str:
    """Level in use, its setting on this camera, bytes ratio, measured quality."""
    level = f"L{q.level}" if q.level is not None else "L?"
    vmaf = f" VMAF {q.vmaf:.1f}/{q.floor:g}" if q.vmaf is not None and q.floor else ""
    check = f" checked {q.checked_vmaf:.1f}" if q.checked_vmaf is not None else ""
    missed = f" MISSED x{q.misses}" if q.misses else ""
    return f"  quality {level} {q.setting} bytes {q.bytes_ratio:.0%}{vmaf}{check}{missed}"
