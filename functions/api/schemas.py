"""Request and response models of the API (separate from the domain types)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from footage.live import StreamState
from footage.services.footage_query import EARLIEST, LATEST


def _within_range(value: datetime) -> datetime:
    """Times far outside any footage (year 1, year 9999 with an offset) would
    overflow when converted to UTC; they are a 422, not a crash."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("time out of range") from exc
    if not EARLIEST <= utc < LATEST:
        raise ValueError(f"times must lie between {EARLIEST:%Y} and {LATEST:%Y}")
    return value


#: An ISO 8601 time with a zone, within 2000..2200 (the offset given is kept).
ApiTime = Annotated[AwareDatetime, AfterValidator(_within_range)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(_Model):
    """Every error answer but a 422 (FastAPI's list of field errors; see
    functions.api.errors)."""

    detail: str = Field(description="what went wrong, for people")


class LoginRequest(_Model):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(_Model):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth token type, not a secret)
    expires_in: int = Field(description="seconds")


class SiteOut(_Model):
    id: str
    name: str
    timezone: str


class CameraOut(_Model):
    id: str
    site: str
    name: str
    timezone: str
    state: str = Field(
        description="recording: footage in the last two segments; else offline; nvr: recorded"
        " by an NVR only (its footage comes from a watch folder; no live view)"
    )
    last_segment_end: datetime | None
    has_substream: bool = Field(description="a low-resolution stream for grid tiles exists")


class SegmentOut(_Model):
    start: datetime
    end: datetime
    duration_s: float
    size_bytes: int
    codec: str
    width: int
    height: int
    status: str
    reason: str | None = None


class RangeOut(_Model):
    start: datetime
    end: datetime


class GapOut(_Model):
    start: datetime
    end: datetime
    reason: str = Field(
        description="why nothing plays here: no_recording (nothing indexed), unplayable"
        " (a quarantined or empty segment), overlap or kept_apart (a copy kept apart)"
    )
    detail: str | None = Field(None, description="the segment's own reason, as indexed")


class FootageOut(_Model):
    camera: str
    site: str
    start: AwareDatetime
    end: AwareDatetime
    segments: list[SegmentOut]
    gaps: list[GapOut]


class CoverageOut(_Model):
    """A range cut into what plays and what is missing (together they tile it)."""

    camera: str
    site: str
    timezone: str
    start: datetime
    end: datetime
    covered: list[RangeOut]
    missing: list[GapOut]
    covered_s: float
    missing_s: float


class MeOut(_Model):
    username: str
    role: str
    sites: list[str] = Field(description="the sites this user may see")


class IceServerOut(_Model):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class LiveOut(_Model):
    url: str = Field(
        description="signed live HLS playlist URL; the relay starts on its first request"
        " and answers 503 (Retry-After) until the stream is up"
    )
    expires_at: datetime
    state: StreamState | None = Field(
        description="the relay's state for this stream; null for a remote site's relay"
    )
    problem: str | None = Field(
        None, description="why it retries, as a reason code the viewer translates (unreachable,"
        " auth_failed, no_video, ...)",
    )  # fmt: skip
    last_error: str | None = Field(None, description="the tool's own words: admins only")
    whep_url: str | None = Field(
        None, description="WebRTC (WHEP) for the same stream and token: POST an SDP offer;"
        " null when the relay serves HLS only"
    )  # fmt: skip
    ice_servers: list[IceServerOut] = Field(
        default_factory=list, description="STUN/TURN servers for the viewer's RTCPeerConnection"
    )


class ThumbnailOut(_Model):
    time: datetime
    url: str
    tile: int | None = Field(
        None, description="a sprite: the tile to show (tiles side by side, left to right)"
    )
    tiles: int | None = Field(None, description="a sprite: how many tiles it holds")


class ThumbnailsOut(_Model):
    camera: str
    thumbnails: list[ThumbnailOut]


class ExportRequest(_Model):
    camera: str = Field(min_length=1, max_length=64)
    start: ApiTime
    end: ApiTime
    evidence: bool = Field(
        False, description="export as evidence: also a ZIP with the original segments, signed"
        " manifests, public keys, a statement and README (vms verify checks it offline)"
    )  # fmt: skip


class ExportOut(_Model):
    id: str
    camera: str
    site: str
    start: datetime
    end: datetime
    status: str = Field(description="queued, running, done or failed")
    progress: float = Field(ge=0, le=1)
    error: str | None
    download_url: str | None = Field(description="short-lived, once done")
    expires_at: datetime | None
    size_bytes: int | None
    duration_s: float | None
    file_name: str | None = Field(
        description="what the MP4 downloads as: camera and range in the site's time with its"
        " zone (ho-lobby_2026-12-06_05-40-20_WIB_to_05-41-50_WIB.mp4)"
    )
    sidecar_url: str | None = Field(
        None, description="short-lived link to the JSON sidecar (covered and missing parts,"
        " segments and their SHA-256), once done"
    )  # fmt: skip
    covered: list[RangeOut] = Field(default_factory=list, description="parts with footage")
    missing: list[GapOut] = Field(
        default_factory=list, description="parts without footage, each with its reason"
    )
    missing_s: float = Field(0.0, ge=0, description="seconds of the range without footage")
    evidence: bool = Field(False, description="exported as evidence")
    package_url: str | None = Field(
        None, description="short-lived link to the evidence package (ZIP), once done"
    )


class BacklogOut(_Model):
    segments: int
    bytes: int
    oldest: datetime | None
    rate_bps: float | None = Field(None, description="upload rate over the last minute, bit/s")
    avg_rate_bps: float | None = Field(None, description="over the last 15 minutes, bit/s")
    eta_s: float | None = Field(None, description="time to drain at the average rate")
    compression_ratio: float | None = Field(
        None, description="bytes recorded per byte uploaded over the last hour (edge compression)"
    )
    compression_profile: str | None = Field(
        None, description="the adaptive compression level's profile now"
    )


class CameraStatusOut(_Model):
    id: str
    name: str
    state: str = Field(description="recording, offline, stopped, starting, disabled or nvr")
    last_segment_end: datetime | None = Field(description="the end of its newest footage")
    last_upload: datetime | None = Field(None, description="when its newest upload finished")
    coverage_24h: float = Field(ge=0, le=1)
    problem: str | None = Field(
        None, description="why it is red, a reason code: unreachable, auth_failed,"
        " stream_not_found, no_video, no_frames, stream_ended, disk_full, not_running,"
        " nvr_silent, edge_silent, error; null: it is fine",
    )  # fmt: skip
    last_error: str | None = Field(description="the tool's own words behind it: admins only")
    last_file_at: datetime | None = Field(
        None, description="NVR-only: when its watch folder last gave a file"
    )
    live: StreamState | None = Field(
        None, description="live relay: idle, starting, live or retrying; null when unknown"
    )
    live_viewers: int = Field(0, ge=0, description="addresses watching it live lately")
    live_problem: str | None = Field(None, description="why live view retries (a reason code)")
    live_error: str | None = Field(None, description="the relay's own words: admins only")
    quality: CameraQualityOut | None = Field(
        None, description="adaptive edge compression: the level in use and its quality"
    )


class CameraQualityOut(_Model):
    """What the edge measured of an adaptive camera's compression (issue 19)."""

    level: int | None = Field(None, description="the adaptive level in use; 0: as recorded")
    setting: str = Field(description="that level's encoder setting on this camera")
    floor: float | None = Field(None, description="the level's VMAF promise")
    bytes_ratio: float = Field(description="bytes sent / bytes recorded, as calibrated")
    vmaf: float | None = Field(None, description="VMAF measured at calibration")
    calibrated_at: datetime | None = None
    checked_at: datetime | None = Field(None, description="the last production spot check")
    checked_vmaf: float | None = Field(None, description="that check's VMAF")
    misses: int = Field(0, ge=0, description="spot checks under the floor since calibration")


class WatchedFileOut(_Model):
    name: str = Field(description="the file, relative to its folder")
    outcome: str = Field(
        description="waiting, ingested, duplicate, quarantined, salvaged or removed"
    )
    reason_code: str | None = Field(
        None, description="why, a code: writing, incomplete, earlier_uploading, empty,"
        " zero_duration, not_video, unreadable, truncated, cannot_convert, duplicate,"
        " transcoded, salvaged, new_version, removed",
    )  # fmt: skip
    reason_params: dict[str, str] = Field(
        default_factory=dict, description="the reason's values (earlier, codec, key...)"
    )
    reason: str | None = Field(None, description="the reason in Indonesian / English")
    detail: str | None = Field(None, description="the tools' own words: admins only")
    size: int = Field(0, ge=0)
    updated_at: datetime | None = None


class WatchFolderOut(_Model):
    path: str
    camera: str
    counts: dict[str, int] = Field(description="files per outcome, ever dropped there")
    files: list[WatchedFileOut] = Field(
        description="every file still waiting, then the latest with a reason"
    )


class SiteStatusOut(_Model):
    id: str
    name: str
    timezone: str
    last_upload: datetime | None = Field(
        description="when the site's newest upload finished (null: not known)"
    )
    newest_footage: datetime | None = Field(None, description="the end of its newest footage")
    stale: bool = Field(description="nothing uploaded for more than 15 minutes")
    problem: str | None = Field(
        None, description="why the site is red, a reason code: edge_silent, not_running,"
        " disk_full, upload_failing, no_uploads; null: it is fine",
    )  # fmt: skip
    detail: str | None = Field(None, description="the words behind it: admins only")
    edge_seen: datetime | None = Field(description="when the site's edge last reported")
    backlog: BacklogOut | None = Field(description="None without a recent edge report")
    cameras: list[CameraStatusOut]
    watch_folders: list[WatchFolderOut] = Field(
        default_factory=list, description="NVR drop folders: what became of every file"
    )


class DrillFailureOut(_Model):
    site: str
    camera: str
    start: datetime = Field(description="when the segment was recorded")
    key: str = Field(description="the segment's object")
    outcome: str = Field(
        description="missing, hash_mismatch, chain_mismatch, undecodable or error (the drill"
        " could not tell: storage or ffmpeg failed)"
    )
    reason: str | None = Field(None, description="the check's own words: admins only")


class DrillsOut(_Model):
    """The last restore drill (segments fetched back from storage and checked)."""

    last_at: datetime | None = Field(description="when it ran; null: none in 30 days")
    sampled: int = Field(ge=0, description="segments it fetched and checked")
    failed: list[DrillFailureOut] = Field(description="its failures, at the sites the user may see")
    fraction_verified_30d: float = Field(
        ge=0, le=1, description="distinct segments that passed in 30 days / the archive"
    )
    archive_segments: int = Field(ge=0, description="segments in the archive at that run")


class StatusOut(_Model):
    generated_at: datetime
    sites: list[SiteStatusOut]
    drills: DrillsOut | None = Field(None, description="null where no drill log is kept")


class AuditEventOut(_Model):
    at: datetime
    username: str
    action: str = Field(
        description="live, playback, export, download, footage (a list of segments) or"
        " thumbnails; a repeated footage or thumbnail list is recorded once a minute;"
        " hold, release, hold-refused or release-refused (evidence holds)"
    )
    camera: str
    site: str
    start: datetime | None
    end: datetime | None
    client: str
    detail: str = Field("", description="an evidence hold's reason and segment count")


class AuditOut(_Model):
    events: list[AuditEventOut]


class HoldRequest(_Model):
    """An evidence hold to place (administrators only)."""

    camera: str = Field(min_length=1, max_length=64)
    start: ApiTime
    end: ApiTime
    reason: str = Field(min_length=1, max_length=500, description="a case number, or why")


class HoldOut(_Model):
    id: str = Field(description="<camera>.<start ms>.<end ms>: DELETE /api/evidence/holds/{id}")
    camera: str
    start: datetime
    end: datetime
    reason: str
    created_by: str
    segments: int | None = Field(description="segments held (or released); None in a list")


class HoldsOut(_Model):
    holds: list[HoldOut]
