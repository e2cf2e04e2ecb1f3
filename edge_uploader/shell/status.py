"""Status of a running ``vms up``: written by the supervisor, read by ``vms status``.

The supervisor rewrites ``<data-dir>/status.json`` atomically every few
seconds; ``vms status`` joins it with the spool journal (backlog, upload lag).
A status file older than STALE_AFTER means the system is not running.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from edge_uploader.calibrator import CalibrationStore
from edge_uploader.journal import Journal
from footage.calibration import CameraQuality, camera_quality
from footage.config import Config, S3Storage, StorageConfig
from footage.drills import DrillStatus
from footage.errors import FootageError
from footage.jsonfile import read_model, write_model
from footage.live import RelayStatus
from footage.outages import Problem, classify
from footage.profiles import ADAPTIVE
from footage.redact import redact_optional
from footage.site_status import EdgeCamera, EdgeReport
from footage.watch_account import WatchFolderReport

if TYPE_CHECKING:
    from footage.adapters.aws_keys import AccessKeyAge

STALE_AFTER = timedelta(seconds=15)
RATE_NOW = timedelta(minutes=1)
RATE_AVG = timedelta(minutes=15)
RATIO_OVER = timedelta(hours=1)
#: An NVR folder is silent after 3 of its usual gaps between files, within these bounds
#: (unless its watch folder sets silent_after_minutes).
NVR_SILENT_MIN = timedelta(hours=1)
NVR_SILENT_MAX = timedelta(hours=26)


class CameraStatus(BaseModel):
    site: str
    state: str  # RecorderState, or "nvr": an NVR-only camera (its watch folder)
    codec: str | None = None
    last_segment_at: datetime | None = None
    last_error: str | None = None
    restarts: int = 0
    problem: str | None = None  # footage.outages.Problem: why it is offline
    watching_since: datetime | None = None  # NVR-only: since when its folder is watched
    silent_after_s: float | None = None  # NVR-only: the configured silence limit


class ServiceStatus(BaseModel):
    """A process ``vms up`` supervises (the API, the live relay): is it up, and if
    not, why (a port another program holds, the end of its log)."""

    state: str = "starting"  # starting | running | restarting | port busy | stopped
    pid: int | None = None
    restarts: int = 0
    last_error: str | None = None


class SystemStatus(BaseModel):
    updated_at: datetime
    pid: int
    running: bool = True
    cameras: dict[str, CameraStatus]
    spool_full: bool = False
    uploaded: int = 0
    upload_error: str | None = None
    ingest: dict[str, int] = {}
    retention_next_run: datetime | None = None
    retention_last: dict[str, int] = {}
    compression: dict[str, str] = {}  # site -> the adaptive level's profile now
    encoder: str | None = None  # software, vaapi, qsv or nvenc
    services: dict[str, ServiceStatus] = {}


class CameraReport(BaseModel):
    camera: str
    site: str
    state: str
    last_segment_at: datetime | None
    backlog_count: int
    backlog_bytes: int
    upload_lag_s: float | None
    last_upload_at: datetime | None  # when its newest upload finished
    last_error: str | None  # the tool's own words (credentials masked), for admins
    problem: str | None = None  # why it is red (footage.outages.Problem); None: fine
    last_file_at: datetime | None = None  # NVR-only: when its folder last gave a file
    live: str | None = None  # the live relay's state of the main stream (footage.live)
    live_viewers: int = 0
    live_error: str | None = None
    quality: CameraQuality | None = None  # adaptive cameras: level, bytes ratio, VMAF


class SiteUpload(BaseModel):
    """A site's uploads: how fast the backlog drains, and when it will be empty."""

    site: str
    backlog_count: int
    backlog_bytes: int
    rate_now_bps: float  # bits/s over the last minute
    rate_avg_bps: float  # bits/s over the last 15 minutes
    eta_s: float | None  # backlog / average rate; None when nothing moves
    compression_ratio: float | None = None  # bytes recorded / bytes sent, the last hour
    compression_profile: str | None = None  # the adaptive level now (None: not adaptive)
    upload_error: str | None = None  # the newest error of an upload still waiting


class AccessKeyReport(BaseModel):
    """The AWS access key the edge uploads with (S3 on AWS only): rotate it when stale."""

    access_key_id: str | None = None
    user_name: str | None = None
    created_at: datetime | None = None
    age_days: int | None = None
    rotate_after_days: int | None = None
    stale: bool = False  # older than rotate_after_days
    error: str | None = None  # why the age is unknown


class StatusReport(BaseModel):
    running: bool
    spool_full: bool
    ingest_backlog: int
    dropped_segments: int
    cameras: list[CameraReport]
    sites: list[SiteUpload] = []
    access_key: AccessKeyReport | None = None
    services: dict[str, ServiceStatus] = {}  # the API and the live relay, when served
    watch_folders: list[WatchFolderReport] = []  # each NVR folder's account (watch_report)
    drills: DrillStatus | None = None  # restore drills, where this box keeps the index


def access_key_report(
    storage: StorageConfig,
    now: datetime,
    probe: Callable[[datetime], AccessKeyAge | None] | None = None,
) -> AccessKeyReport | None:
    """The age of the edge's AWS key when footage goes to S3 on AWS itself (no
    endpoint_url); None for any other storage, or credentials that are not a key."""
    if not isinstance(storage, S3Storage) or storage.endpoint_url is not None:
        return None
    from footage.adapters.aws_keys import ROTATE_AFTER, access_key_age

    try:
        age = (probe or access_key_age)(now)
    except FootageError as exc:
        return AccessKeyReport(error=str(exc))
    if age is None:
        return None
    return AccessKeyReport(access_key_id=age.access_key_id, user_name=age.user_name,
                           created_at=age.created_at, age_days=age.age.days,
                           rotate_after_days=ROTATE_AFTER.days, stale=age.stale)  # fmt: skip


def edge_reports(report: StatusReport, sites: list[str], now: datetime) -> list[EdgeReport]:
    """The report split per site, as the API reads it from ``status/<SITE>.json``."""
    reports = []
    for site in sites:
        cameras = [
            EdgeCamera(
                camera=c.camera, state=c.state, last_segment_at=c.last_segment_at,
                backlog_count=c.backlog_count, backlog_bytes=c.backlog_bytes,
                backlog_oldest=None if c.upload_lag_s is None
                else now - timedelta(seconds=c.upload_lag_s),
                last_upload_at=c.last_upload_at, last_error=c.last_error, problem=c.problem,
                last_file_at=c.last_file_at,
                live=c.live, live_viewers=c.live_viewers, live_error=c.live_error,
                quality=c.quality,
            )
            for c in report.cameras
            if c.site == site
        ]  # fmt: skip
        upload = next((s for s in report.sites if s.site == site), None)
        reports.append(EdgeReport(site=site, published_at=now, running=report.running,
                                  spool_full=report.spool_full, cameras=cameras,
                                  upload_rate_bps=upload.rate_now_bps if upload else None,
                                  upload_rate_avg_bps=upload.rate_avg_bps if upload else None,
                                  drain_eta_s=upload.eta_s if upload else None,
                                  compression_ratio=upload.compression_ratio if upload else None,
                                  compression_profile=upload.compression_profile
                                  if upload else None,
                                  upload_error=upload.upload_error
                                  if upload else None,
                                  watch_folders=[w for w in report.watch_folders
                                                 if w.site == site]))  # fmt: skip
    return reports


def write_status(path: Path, status: SystemStatus) -> None:
    write_model(path, status)


def read_status(path: Path, now: datetime) -> SystemStatus | None:
    status = read_model(path, SystemStatus)
    if status is None:
        return None
    fresh = now - status.updated_at <= STALE_AFTER
    return status if status.running and fresh else None


def camera_qualities(
    config: Config, data_dir: Path, status: SystemStatus | None
) -> dict[str, CameraQuality]:
    """Each adaptive camera's level in use (from the running system) and what its
    calibration measured at that level (``<data-dir>/calibration``, kept across restarts)."""
    ladder = config.uploader.compression.ladder
    store = CalibrationStore(data_dir / "calibration", config.uploader.compression.calibration)
    found = {}
    for camera in config.cameras:
        if camera.edge_profile != ADAPTIVE:
            continue
        profile = status.compression.get(camera.site) if status else None
        level = ladder.index(profile) if profile in ladder else None
        found[camera.id] = camera_quality(store.load(camera.id), level)
    return found


def build_report(
    cameras: dict[str, str],
    status: SystemStatus | None,
    journal: Journal,
    now: datetime,
    relay: RelayStatus | None = None,
    quality: Mapping[str, CameraQuality] | None = None,
) -> StatusReport:
    """``cameras`` maps every configured camera to its site; ``relay`` is the live
    relay's status when it runs; ``quality``: the adaptive cameras' (camera_qualities)."""
    rows = []
    upload_errors: dict[str, str | None] = {}  # per site, its first camera's upload error
    for camera, site in sorted(cameras.items()):
        row, upload_error = _camera_report(camera, site, status, journal, now, relay)
        row.quality = (quality or {}).get(camera)
        upload_errors[site] = upload_errors.get(site) or upload_error
        rows.append(row)
    sites = [
        _site_upload(site, [r for r in rows if r.site == site], status, journal, now,
                     upload_errors.get(site))
        for site in sorted(set(cameras.values()))
    ]  # fmt: skip
    return StatusReport(
        sites=sites,
        running=status is not None,
        spool_full=bool(status and status.spool_full),
        ingest_backlog=journal.ingest.backlog(),
        dropped_segments=journal.stats.backlog().dropped,
        cameras=rows,
        services={
            name: service.model_copy(update={"last_error": redact_optional(service.last_error)})
            for name, service in (status.services if status else {}).items()
        },
    )


def _camera_report(
    camera: str,
    site: str,
    status: SystemStatus | None,
    journal: Journal,
    now: datetime,
    relay: RelayStatus | None,
) -> tuple[CameraReport, str | None]:
    """One camera's row, and the last error of its newest upload still waiting (if any)."""
    live = status.cameras.get(camera) if status else None
    backlog = journal.stats.backlog(camera)
    last_upload, upload_error = journal.stats.last_upload(camera)
    lag = (now - backlog.oldest).total_seconds() if backlog.oldest else None
    on_air = relay.camera(camera) if relay else None
    state = live.state if live else "stopped"
    files = journal.stats.recent_enqueued(camera) if state == "nvr" else []
    row = CameraReport(
        camera=camera,
        site=site,
        state=state,
        last_segment_at=live.last_segment_at if live else None,
        backlog_count=backlog.count,
        backlog_bytes=backlog.bytes,
        upload_lag_s=lag,
        last_upload_at=last_upload,
        last_error=redact_optional((live.last_error if live else None) or upload_error),
        problem=camera_problem(live, files, now),
        last_file_at=files[0] if files else None,
        live=on_air.state if on_air else None,
        live_viewers=on_air.viewers if on_air else 0,
        live_error=redact_optional(on_air.error if on_air else None),
    )
    return row, upload_error


def _site_upload(
    site: str,
    rows: list[CameraReport],
    status: SystemStatus | None,
    journal: Journal,
    now: datetime,
    upload_error: str | None,
) -> SiteUpload:
    """A site's uploads from its cameras' ``rows``: backlog, rates, ETA, compression."""
    count = sum(r.backlog_count for r in rows)
    size = sum(r.backlog_bytes for r in rows)
    now_bps = journal.stats.uploaded_since(now - RATE_NOW, site) * 8 / RATE_NOW.total_seconds()
    avg_bps = journal.stats.uploaded_since(now - RATE_AVG, site) * 8 / RATE_AVG.total_seconds()
    eta = size * 8 / avg_bps if size and avg_bps else None
    recorded, sent = journal.stats.compression(site, now - RATIO_OVER)
    return SiteUpload(site=site, backlog_count=count, backlog_bytes=size,
                      rate_now_bps=now_bps, rate_avg_bps=avg_bps, eta_s=eta,
                      compression_ratio=recorded / sent if sent else None,
                      compression_profile=status.compression.get(site) if status else None,
                      upload_error=redact_optional(upload_error))  # fmt: skip


def camera_problem(live: CameraStatus | None, files: list[datetime], now: datetime) -> str | None:
    """Why a camera is red (a footage.outages.Problem), or None. ``files``: when an
    NVR-only camera's newest files came in, newest first."""
    if live is None or live.state == "stopped":
        return Problem.NOT_RUNNING
    if live.state == "offline":
        return live.problem or classify(live.last_error)
    if live.state == "nvr":
        last = files[0] if files else live.watching_since
        if last is not None and now - last > nvr_silence_limit(files, live.silent_after_s):
            return Problem.NVR_SILENT
    return None


def nvr_silence_limit(files: list[datetime], configured_s: float | None) -> timedelta:
    """How long an NVR folder may go without a file before it is red: as configured,
    else three of its usual (median) gaps, between 1 h and 26 h (a daily export
    with some slack); 26 h until it has given three files."""
    if configured_s:
        return timedelta(seconds=configured_s)
    gaps = sorted(newer - older for newer, older in pairwise(files))
    if len(gaps) < 2:
        return NVR_SILENT_MAX
    return min(NVR_SILENT_MAX, max(NVR_SILENT_MIN, 3 * gaps[len(gaps) // 2]))
