"""The configuration model: one YAML file of sites and cameras (see config_loader)."""

from __future__ import annotations

import re
from datetime import datetime, time
from enum import StrEnum
from ipaddress import IPv4Address
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from footage.alerts.config import AlertsConfig
from footage.calibration import CalibrationConfig
from footage.keys import (
    DEFAULT_RETENTION_DAYS,
    ID_PATTERN,
    MAX_RETENTION_DAYS,
    MIN_RETENTION_DAYS,
    SUB_STREAM_SUFFIX,
)
from footage.localtime import known_zone
from footage.profiles import ADAPTIVE, ADAPTIVE_LADDER, BUILTIN_PROFILES, Profile, VideoCodec
from footage.share_config import SharingConfig

#: The ingest Lambda's memory when no camera re-encodes at ingest, and when one does.
DESCRIBED_INGEST_MEMORY_MB = 512
REENCODE_INGEST_MEMORY_MB = 1769
Identifier = Annotated[str, Field(pattern=ID_PATTERN, description="letters, digits, - and _")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BudgetWindow(_Model):
    """A time of day (in the site's zone) with its own upload cap."""

    start: time
    end: time = Field(description="exclusive; before start means the window spans midnight")
    max_kbps: int = Field(ge=8, le=10_000_000)
    days: list[int] = Field(
        default_factory=lambda: list(range(7)), description="0 = Monday ... 6 = Sunday"
    )

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if not value or any(not 0 <= d <= 6 for d in value):
            raise ValueError("days are 0 (Monday) to 6 (Sunday), at least one")
        return value

    def contains(self, local: datetime) -> bool:
        """Whether ``local`` (the site's wall clock) falls in the window. A window
        past midnight belongs to the day it starts on."""
        moment = local.time().replace(tzinfo=None)
        if self.start <= self.end:
            return local.weekday() in self.days and self.start <= moment < self.end
        if moment >= self.start:
            return local.weekday() in self.days
        return moment < self.end and (local.weekday() - 1) % 7 in self.days


class UploadBudget(_Model):
    """How much of the site's uplink uploads may use (footage.bandwidth)."""

    max_kbps: int | None = Field(
        None, ge=8, le=10_000_000, description="cap for all uploads of the site; unset: none"
    )
    schedule: list[BudgetWindow] = Field(
        default_factory=list, description="caps by time of day; the first match wins"
    )
    live_share: float = Field(
        0.5, gt=0, le=1, description="share of the cap uploads keep while someone watches live"
    )


class SiteNetwork(_Model):
    """The site's router, for ``vms mikrotik`` (RouterOS QoS)."""

    edge_address: IPv4Address = Field(description="the edge server's LAN address")
    wan_interface: str = Field(
        "ether1", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", description="the uplink port"
    )
    uplink_kbps: int = Field(ge=256, le=10_000_000, description="the line's upload speed")


class SigningKey(_Model):
    """A site's registered public key (``vms keys show`` prints it): manifests
    signed while it was valid verify with it, also after a rotation."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="ed25519-<16 hex>")
    public_key: str = Field(
        pattern=r"^[A-Za-z0-9+/]{43}=$", description="base64 of the 32 raw Ed25519 bytes"
    )
    not_before: datetime = Field(description="valid from (UTC)")
    not_after: datetime | None = Field(None, description="valid until (UTC); unset: in use")

    @field_validator("not_before", "not_after")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a timezone, e.g. 2026-12-05T00:00:00Z")
        return value


class Site(_Model):
    id: Identifier
    name: str = Field(min_length=1, max_length=120)
    timezone: str = Field("Asia/Jakarta", description="IANA zone: Asia/Jakarta (WIB) ...")
    live_url: str | None = Field(
        None, pattern=r"^https?://[A-Za-z0-9.-]+(:\d+)?$",
        description="where viewers outside the site reach its relay, e.g. https://cabang01.example:5443;"
        " unset: the viewer's own origin",
    )  # fmt: skip
    upload: UploadBudget = Field(default_factory=UploadBudget, description="uplink budget")
    network: SiteNetwork | None = Field(None, description="router details for vms mikrotik")
    signing_keys: list[SigningKey] = Field(
        default_factory=list, description="public keys of the site's signed manifests"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class AudioPolicy(StrEnum):
    AAC = "aac"  # transcode camera audio (G.711...) to AAC; MP4 cannot carry G.711
    DROP = "drop"


class LiveMode(StrEnum):
    ON_DEMAND = "on_demand"  # relayed while someone watches (idle cameras cost nothing)
    ALWAYS = "always"


class Camera(_Model):
    id: Identifier
    site: Identifier
    name: str = Field(min_length=1, max_length=120)
    rtsp_url: str | None = Field(
        None, description="main stream, rtsp://host[:port]/path, no password; leave it out for"
        " a camera only an NVR records (its footage comes from a watch folder)",
    )  # fmt: skip
    sub_rtsp_url: str | None = Field(None, description="optional low-resolution sub-stream")
    username: str | None = None
    password_env: str | None = Field(None, description="env var that holds the RTSP password")
    password_file: Path | None = Field(None, description="file that holds the RTSP password")
    retention_days: int = Field(
        DEFAULT_RETENTION_DAYS, ge=MIN_RETENTION_DAYS, le=MAX_RETENTION_DAYS,
        description="footage is kept this long; the value is the retention class of the"
        " keys it writes (footage.keys), and a change applies to footage written after it",
    )  # fmt: skip
    segment_seconds: int = Field(60, ge=10, le=300)
    bitrate_kbps: int | None = Field(
        None, ge=16, le=200_000,
        description="the main stream's bitrate as set in the camera, for vms plan before"
        " footage is measured; unset: the spool's measured rate, else 4000 (assumed)",
    )  # fmt: skip
    enabled: bool = True
    audio: AudioPolicy = AudioPolicy.AAC
    ingest_profile: str = Field("copy", description="transcode profile applied at ingest")
    edge_profile: str = Field(
        ADAPTIVE, description="compression before upload: 'adaptive' or a profile name ('copy')"
    )
    thumbnails: bool = Field(
        True, description="a JPEG per segment for scrubbing; making it also proves it decodes"
    )
    live: LiveMode = Field(LiveMode.ON_DEMAND, description="live relay: on_demand or always")

    @property
    def nvr_only(self) -> bool:
        """Recorded by an NVR only: no recorder, no live view, footage from a watch folder."""
        return self.rtsp_url is None

    @field_validator("rtsp_url", "sub_rtsp_url")
    @classmethod
    def _rtsp(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in {"rtsp", "rtsps"} or not parts.hostname:
            raise ValueError("must be an rtsp:// or rtsps:// URL with a host")
        if parts.password:
            raise ValueError("must not embed a password: use password_env or password_file")
        return value


class FilesystemStorage(_Model):
    type: Literal["filesystem"] = "filesystem"
    path: Path | None = Field(None, description="NAS/SAN mount; default <data-dir>/storage")


class S3Storage(_Model):
    type: Literal["s3"]
    bucket: str = Field(min_length=3, max_length=63)
    prefix: str = ""
    endpoint_url: str | None = Field(None, description="for MinIO, Wasabi, GCS XML, moto")
    region: str = "ap-southeast-3"
    # Each request costs (S3: $0.005 per 1,000 PUTs): a 60 s 1080p segment (30-60 MB)
    # goes up in one PUT; only bigger files (NVR exports) are split into parts.
    multipart_threshold_mb: int = Field(64, ge=5, le=5120, description="bigger files: multipart")
    multipart_chunk_mb: int = Field(16, ge=5, le=5120, description="part size of a multipart")
    #: S3 checks the SHA-256 each PUT sends and keeps it for HEAD (ChecksumSHA256), so
    #: ingest may trust a described segment's hash without downloading it. AWS does;
    #: an S3-compatible store (MinIO, Wasabi, moto...) may keep it unchecked or drop it.
    server_checksums: bool | None = Field(
        None, description="the store checks and keeps each PUT's SHA-256 (default: on for AWS "
        "itself, no endpoint_url; off for S3-compatible endpoints, unless verified)",
    )  # fmt: skip

    @property
    def checks_sha256(self) -> bool:
        """Whether the store vouches for a PUT's SHA-256 (``server_checksums``)."""
        if self.server_checksums is not None:
            return self.server_checksums
        return self.endpoint_url is None  # AWS itself


class GcsStorage(_Model):
    type: Literal["gcs"]
    bucket: str = Field(min_length=3, max_length=222)
    prefix: str = ""
    endpoint_url: str | None = Field(None, description="for gcp-storage-emulator")
    project: str | None = None


StorageConfig = Annotated[FilesystemStorage | S3Storage | GcsStorage, Field(discriminator="type")]


class SqliteIndex(_Model):
    type: Literal["sqlite"] = "sqlite"
    path: Path | None = Field(None, description="default <data-dir>/index.sqlite3")


class DynamoIndex(_Model):
    type: Literal["dynamodb"]
    table: str = Field(min_length=3, max_length=255)
    endpoint_url: str | None = None
    region: str = "ap-southeast-3"


IndexConfig = Annotated[SqliteIndex | DynamoIndex, Field(discriminator="type")]


class SpoolFullPolicy(StrEnum):
    DROP_OLDEST = "drop-oldest"


class SpoolConfig(_Model):
    path: Path | None = Field(None, description="default <data-dir>/spool")
    quota_gb: float = Field(20.0, gt=0, description="max bytes of footage waiting on disk")
    min_free_gb: float = Field(1.0, ge=0, description="keep this much of the disk free")
    when_full: SpoolFullPolicy = SpoolFullPolicy.DROP_OLDEST


class RecorderConfig(_Model):
    rtsp_timeout_s: float = Field(5.0, ge=1, le=60, description="RTSP I/O timeout")
    backoff_initial_s: float = Field(1.0, ge=1, le=60)
    backoff_max_s: float = Field(
        3.0, ge=1, le=300,
        description="cap of the wait between reconnects: recording and live view resume"
        " within it (+ a few seconds) of a camera's return",
    )  # fmt: skip
    offline_summary_s: float = Field(
        600.0, ge=10, le=86_400,
        description="while a camera stays offline, one log line this often (its outage"
        " starting, its reason changing and its end are logged when they happen)",
    )  # fmt: skip


class IngestMode(StrEnum):
    LOCAL = "local"  # this process probes, thumbnails and indexes each upload
    CLOUD = "cloud"  # S3 notifications start the ingest Lambda; the edge only uploads


class UploadOrder(StrEnum):
    OLDEST_FIRST = "oldest_first"  # the backlog drains in recording order
    NEWEST_FIRST = "newest_first"  # the latest footage is safe first (a recorder may be stolen)


class HardwareChoice(StrEnum):
    AUTO = "auto"  # the first of NVENC, Quick Sync, VAAPI that encodes here, else software
    SOFTWARE = "software"
    VAAPI = "vaapi"
    QSV = "qsv"
    NVENC = "nvenc"


class CompressionConfig(_Model):
    """Edge compression before upload (README "Edge compression")."""

    cpu_budget_cores: float = Field(
        1.0, gt=0, le=256, description="average cores the edge encoder may use, at most"
    )
    hardware: HardwareChoice = HardwareChoice.AUTO
    vaapi_device: Path = Path("/dev/dri/renderD128")
    ladder: list[str] = Field(
        default_factory=lambda: list(ADAPTIVE_LADDER), min_length=2,
        description="adaptive levels, lightest first: the first is usually 'copy'",
    )  # fmt: skip
    check_interval_s: float = Field(30.0, ge=1, le=3600, description="adaptive decision period")
    high_water_s: float = Field(
        120.0, gt=0, description="compress more while a backlog that takes longer to drain grows"
    )
    low_water_s: float = Field(30.0, ge=0, description="relax once the backlog drains within")
    relax_probe_s: float = Field(
        600.0, gt=0, description="caught up with an idle link this long: try a lighter level"
    )
    calibration: CalibrationConfig = Field(
        default_factory=CalibrationConfig,
        description="each level's VMAF floor, met per camera (footage.calibration)",
    )

    @model_validator(mode="after")
    def _water(self) -> CompressionConfig:
        if self.low_water_s >= self.high_water_s:
            raise ValueError("low_water_s must be below high_water_s")
        if len(self.calibration.vmaf_floors) < len(self.ladder) - 1:
            raise ValueError(
                "calibration.vmaf_floors needs a floor for every ladder level past the first"
            )
        return self


class UploaderConfig(_Model):
    ingest: IngestMode = Field(IngestMode.LOCAL, description="who indexes uploads")
    order: UploadOrder = Field(
        UploadOrder.OLDEST_FIRST, description="evidence always goes first, then this order"
    )
    workers: int = Field(2, ge=1, le=16)
    retry_initial_s: float = Field(2.0, gt=0, le=600)
    retry_max_s: float = Field(300.0, gt=0, le=86_400)
    compression: CompressionConfig = Field(default_factory=CompressionConfig)
    tsa_url: str | None = Field(
        None, pattern=r"^https?://[^\s]+$",
        description="an RFC 3161 time-stamp authority for the manifests; unset: none",
    )  # fmt: skip
    manifest_interval_s: int = Field(
        600, ge=5, le=3600,
        description="how often each site's signed manifest is sealed (chain of custody;"
        " footage.manifest.MANIFEST_EVERY_S by default): footage newer than the last"
        " manifest cannot be proven yet (an evidence package of it does not verify), nor,"
        " in AWS without aws.segment_events, found by search (the manifest indexes it);"
        " shorter means more small manifest objects (144 a site a day at 600 s)",
    )  # fmt: skip


class RetentionConfig(_Model):
    run_at: time = Field(time(2, 0), description="daily run, UTC")
    batch_size: int = Field(500, ge=1, le=10_000)


class DrillsConfig(_Model):
    """Restore drills (footage.services.drill): where the box keeps the index, the
    supervisor fetches ``count`` random segments back from storage each day at
    ``run_at`` and checks them; in AWS the drill Lambda does, on its own schedule."""

    enabled: bool = Field(True, description="run the daily drill (vms drill runs one any time)")
    count: int = Field(
        50, ge=1, le=10_000,
        description="segments fetched back, hashed and decoded per run (50 x 2 MB ~ 100 MB read)",
    )  # fmt: skip
    run_at: time = Field(
        time(3, 0), description="daily run, UTC (after retention's, so it drills what is kept)"
    )


class WatchFolder(_Model):
    path: Path
    camera: Identifier
    filename_pattern: str | None = Field(
        None,
        description="regex with named groups Y m d H M S (and optional ms) for the start time",
    )
    filename_timezone: str | None = Field(None, description="zone of names; default the site's")
    silent_after_minutes: float | None = Field(
        None, ge=1, le=60 * 24 * 31,
        description="an NVR-only camera is red when its folder gets no file for this long;"
        " default: three of its usual gaps between files, between 1 h and 26 h",
    )  # fmt: skip
    stable_seconds: float = Field(10.0, ge=1, le=3600)
    delete_source: bool = Field(
        True, description="delete a file once its stored copy is verified (never before)"
    )
    delete_after_s: float = Field(
        300.0,
        ge=0,
        le=7 * 86400,
        description="and once it has not changed for this long since it was taken "
        "(a recorder still appending to it is not cut off)",
    )
    salvage_after_s: float = Field(
        3600.0,
        ge=1,
        le=7 * 86400,
        description="a file stable but incomplete this long is taken as far as it plays; "
        "its source is kept",
    )

    @field_validator("filename_pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            groups = set(re.compile(value).groupindex)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        missing = {"Y", "m", "d", "H", "M", "S"} - groups
        if missing:
            raise ValueError(f"needs named groups {sorted(missing)}")
        return value


class LambdaArchitecture(StrEnum):
    ARM64 = "arm64"
    X86_64 = "x86_64"


class AwsDomain(_Model):
    name: str = Field(
        min_length=3, max_length=253, description="viewer host name, e.g. cctv.example.co.id"
    )
    certificate_arn: str = Field(
        pattern=r"^arn:aws:acm:us-east-1:\d{12}:certificate/[\w-]+$",
        description="ACM certificate in us-east-1 (CloudFront)",
    )


class AwsDeployment(_Model):
    """The serverless deployment (infra/cdk); the edge ignores this section."""

    stack_prefix: str = Field("cctv-vms", pattern=r"^[A-Za-z][A-Za-z0-9-]{0,40}$")
    account: str | None = Field(None, pattern=r"^\d{12}$")
    region: str = Field("ap-southeast-3", description="ap-southeast-3 is Jakarta")
    architecture: LambdaArchitecture = LambdaArchitecture.ARM64
    transition_days: int = Field(30, ge=1, le=3650, description="to Glacier Instant Retrieval")
    noncurrent_days: int = Field(7, ge=1, le=365, description="old versions kept this long")
    domain: AwsDomain | None = None
    alarm_email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+$")
    ingest_memory_mb: int | None = Field(
        None, ge=512, le=10240,
        description="the ingest Lambda's memory (1769 MB = one vCPU); unset: "
        f"{DESCRIBED_INGEST_MEMORY_MB} MB when every camera's ingest_profile is 'copy' (a "
        "described segment waits on a HEAD and a write), one vCPU when any re-encodes",
    )  # fmt: skip
    ingest_batch_size: int = Field(5, ge=1, le=10)
    segment_events: bool = Field(
        False,
        description="announce every segment upload to ingest: a row seconds after the upload, "
        "for a message, a HEAD and an invocation's share per segment; off: each site's signed "
        "manifest announces its segments (footage.services.ingest_manifest: a row when the "
        "manifest is up, 10 minutes at most after the upload)",
    )
    log_retention_days: int = Field(90, ge=1, le=3653)
    tracing: bool = Field(
        False,
        description="X-Ray active tracing on every function, sampled by X-Ray's default rule "
        "(the first request each second, then 5 %); off: no traces and no X-Ray cost",
    )
    totals_window_s: int = Field(
        300, ge=0, le=300,
        description="the totals Lambda's stream batching window (AWS's maximum: 300 s): camera "
        "totals follow a write up to this late (footage lists ending within it are not cached, "
        "so the newest segments show at once); "
        "a batch holds this long of each camera's rows, written as one update per camera "
        "(at 60 s segments, 300 s: one totals write per 5 segments)",
    )  # fmt: skip
    waf: bool = Field(
        False,
        description="a WAF web ACL on the viewer's CloudFront (its own stack in us-east-1): "
        "AWS managed rules and a per-IP rate limit; about $9/month + $0.60 per million requests",
    )
    waf_rate_limit: int = Field(
        2000, ge=100, le=2_000_000_000,
        description="WAF blocks a client IP past this many requests in 5 minutes (a branch's "
        "viewers share one address)",
    )  # fmt: skip


class RelayTls(_Model):
    certificate: Path = Field(description="PEM certificate chain")
    key: Path = Field(description="PEM private key (readable by nginx only)")
    port: int = Field(5443, ge=1024, le=65535)


IceUrl = Annotated[str, Field(pattern=r"^(stun|turns?):[A-Za-z0-9.:\[\]_?=&-]+$")]


class IceServer(_Model):
    """A STUN or TURN server handed to both ends of a WebRTC live view."""

    urls: list[IceUrl] = Field(
        min_length=1, description="stun:host:3478, turn:host:3478?transport=udp, turns:..."
    )
    username: str | None = None
    credential: str | None = Field(None, description="TURN password (static credentials)")


class WebRtcConfig(_Model):
    """Sub-second live view over WebRTC (WHEP), HLS staying the fallback."""

    enabled: bool = Field(True, description="viewers try WebRTC first; false: HLS only")
    port: int = Field(5002, ge=1024, le=65535, description="the WHEP service, behind nginx")
    ice_servers: list[IceServer] = Field(
        default_factory=list, description="STUN/TURN for viewers across NAT (coturn)"
    )
    #: a viewer whose queue holds more than this many frames gets keyframes only
    slow_viewer_frames: int = Field(30, ge=5, le=600)
    #: a viewer whose browser reports this share of packets lost, twice in a row,
    #: gets keyframes only (its link is slower than the stream)
    lossy_link_percent: int = Field(10, ge=1, le=50)


class RelayConfig(_Model):
    """The on-prem live relay (nginx-rtmp) and the one origin it serves."""

    http_port: int = Field(5000, ge=1024, le=65535, description="viewer, API and live HLS")
    api_port: int = Field(5001, ge=1024, le=65535, description="the API, behind nginx")
    rtmp_port: int = Field(19350, ge=1024, le=65535, description="ffmpeg publishes here")
    feed_port: int = Field(
        19400, ge=1024, le=65535,
        description="the recorder hands camera N (config order) to the relay on UDP port+N",
    )  # fmt: skip
    fragment_s: float = Field(1.0, ge=0.5, le=6.0, description="HLS fragment length")
    playlist_s: float = Field(4.0, ge=2.0, le=60.0, description="live playlist length")
    idle_timeout_s: int = Field(60, ge=10, le=3600, description="stop an unwatched relay")
    tls: RelayTls | None = None
    cors_origin: str | None = Field(
        None, pattern=r"^https://[A-Za-z0-9.-]+(:\d+)?$", description="a CloudFront viewer"
    )
    webrtc: WebRtcConfig = Field(default_factory=WebRtcConfig)


class ExportQuota(_Model):
    """How much export work one user may ask for (a 429 past either limit)."""

    max_active: int | None = Field(
        2, ge=1, le=1000, description="exports queued or running at once; null: no limit"
    )
    hours_per_day: float | None = Field(
        8.0, ge=2, le=744,  # an export spans up to 2 hours
        description="hours of footage exported per rolling 24 h (the ranges asked for;"
        " failed exports do not count); null: no limit",
    )  # fmt: skip


class ApiLimits(_Model):
    """Per-user limits of the API, counted across every API process (shared storage)."""

    exports: ExportQuota = Field(default_factory=ExportQuota, description="viewers")
    admin_exports: ExportQuota = Field(
        default_factory=lambda: ExportQuota(max_active=4, hours_per_day=None),
        description="administrators: more at once, no daily volume limit by default",
    )

    def export_quota(self, admin: bool) -> ExportQuota:
        return self.admin_exports if admin else self.exports


class Config(_Model):
    sites: list[Site] = Field(min_length=1)
    cameras: list[Camera] = Field(default_factory=list)
    storage: StorageConfig = Field(default_factory=FilesystemStorage)
    index: IndexConfig = Field(default_factory=SqliteIndex)
    spool: SpoolConfig = Field(default_factory=SpoolConfig)
    recorder: RecorderConfig = Field(default_factory=RecorderConfig)
    uploader: UploaderConfig = Field(default_factory=UploaderConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    drills: DrillsConfig = Field(default_factory=DrillsConfig)
    watch_folders: list[WatchFolder] = Field(default_factory=list)
    profiles: dict[str, Profile] = Field(default_factory=dict)
    aws: AwsDeployment = Field(default_factory=AwsDeployment)
    relay: RelayConfig = Field(default_factory=RelayConfig)
    api: ApiLimits = Field(default_factory=ApiLimits)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig, description="alert rules, channels")
    sharing: SharingConfig = Field(default_factory=SharingConfig, description="clips to recipients")

    @field_validator("storage", "index", mode="before")
    @classmethod
    def _default_type(cls, value: object, info: ValidationInfo) -> object:
        """``storage: {path: ...}`` (or only VMS__STORAGE__PATH) means the default type."""
        if isinstance(value, dict) and "type" not in value:
            return {"type": "filesystem" if info.field_name == "storage" else "sqlite", **value}
        return value

    @model_validator(mode="after")
    def _references(self) -> Config:
        _unique([s.id for s in self.sites], "site")
        _unique([c.id for c in self.cameras], "camera")
        site_ids = {s.id for s in self.sites}
        camera_ids = {c.id for c in self.cameras}
        for camera in self.cameras:
            if camera.id.endswith(SUB_STREAM_SUFFIX):
                raise ValueError(f"camera {camera.id!r}: must not end with {SUB_STREAM_SUFFIX!r}")
            if camera.site not in site_ids:
                raise ValueError(f"camera {camera.id!r}: unknown site {camera.site!r}")
            if camera.ingest_profile not in self.all_profiles:
                raise ValueError(
                    f"camera {camera.id!r}: unknown ingest_profile {camera.ingest_profile!r}"
                )
            if camera.edge_profile not in {ADAPTIVE, *self.all_profiles}:
                raise ValueError(
                    f"camera {camera.id!r}: edge_profile {camera.edge_profile!r} is neither "
                    f"{ADAPTIVE!r} nor a profile"
                )
        for name in self.uploader.compression.ladder:
            if name not in self.all_profiles:
                raise ValueError(f"uploader.compression.ladder: unknown profile {name!r}")
        for name in self.profiles:
            if not re.fullmatch(r"[a-z0-9-]{1,32}", name):
                raise ValueError(f"profile name {name!r}: use lower-case letters, digits and '-'")
        if self.relay.feed_port + len(self.cameras) > 65536:
            raise ValueError(f"relay.feed_port: {len(self.cameras)} cameras need ports up to 65535")
        for folder in self.watch_folders:
            if folder.camera not in camera_ids:
                raise ValueError(f"watch folder {folder.path}: unknown camera {folder.camera!r}")
        _check_nvr_only(self.cameras, {f.camera for f in self.watch_folders})
        _check_retention_classes(self.cameras)
        if unknown := self.alerts.unknown_sites(site_ids):
            raise ValueError(f"alerts: unknown sites {', '.join(unknown)}")
        return self

    @property
    def all_profiles(self) -> dict[str, Profile]:
        return {**BUILTIN_PROFILES, **self.profiles}

    def site(self, site_id: str) -> Site:
        return next(s for s in self.sites if s.id == site_id)

    @property
    def ingest_memory_mb(self) -> int:
        """aws.ingest_memory_mb, or by the cameras' ingest profiles when unset."""
        if self.aws.ingest_memory_mb is not None:
            return self.aws.ingest_memory_mb
        return ingest_memory_for([self.all_profiles[c.ingest_profile] for c in self.cameras])

    def camera(self, camera_id: str) -> Camera | None:
        return next((c for c in self.cameras if c.id == camera_id), None)


def ingest_memory_for(profiles: list[Profile]) -> int:
    """A described segment is I/O-bound (a HEAD and a write: Lambda bills the wait, so
    less memory is cheaper) and the FFmpeg path's stream copy and thumbnail take ~0.4
    CPU-s a segment (~1.3 s at 512 MB, far inside the timeout); re-encoding at ingest
    needs a whole vCPU to keep a batch of 60 s segments inside it."""
    if all(p.codec is VideoCodec.COPY for p in profiles):
        return DESCRIBED_INGEST_MEMORY_MB
    return REENCODE_INGEST_MEMORY_MB


def _check_nvr_only(cameras: list[Camera], watched: set[str]) -> None:
    """A camera without ``rtsp_url`` is recorded by an NVR: a watch folder must bring
    its footage, or nothing ever would."""
    for camera in cameras:
        if not camera.nvr_only:
            continue
        if camera.sub_rtsp_url is not None:
            raise ValueError(f"camera {camera.id!r}: sub_rtsp_url needs rtsp_url (the main stream)")
        if camera.id not in watched:
            raise ValueError(
                f"camera {camera.id!r} has no rtsp_url, so nothing records it: give its "
                f"rtsp_url, or add a watch_folders entry with camera: {camera.id} for an "
                "NVR-only camera"
            )


#: Distinct ``retention_days`` values in one config. Each is a retention class with
#: a lifecycle rule per kind of key in the bucket (S3 allows 1,000 rules), and an
#: upload grant per site that uses it (edge IAM policies are size-limited).
MAX_RETENTION_CLASSES = 50
MAX_SITE_RETENTION_CLASSES = 4


def _check_retention_classes(cameras: list[Camera]) -> None:
    """Cameras share retention classes; too many distinct values would exhaust the
    bucket's lifecycle rules or a site's IAM policy."""
    classes = sorted({c.retention_days for c in cameras})
    if len(classes) > MAX_RETENTION_CLASSES:
        raise ValueError(
            f"cameras use {len(classes)} different retention_days values; at most "
            f"{MAX_RETENTION_CLASSES} are allowed (each is a set of S3 lifecycle rules): "
            "round them to a few common values (e.g. 7, 30, 90, 180, 365)"
        )
    per_site: dict[str, set[int]] = {}
    for camera in cameras:
        per_site.setdefault(camera.site, set()).add(camera.retention_days)
    for site, days in sorted(per_site.items()):
        if len(days) > MAX_SITE_RETENTION_CLASSES:
            raise ValueError(
                f"site {site!r}: its cameras use {len(days)} different retention_days values;"
                f" at most {MAX_SITE_RETENTION_CLASSES} per site (each is an upload grant in"
                " the site's IAM policy)"
            )


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise ValueError(f"duplicate {what} id {value!r}")
        seen.add(value)
