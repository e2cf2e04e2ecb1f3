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
    state: str = Field(description="recording: footage in the last two segments; else offline")
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


class FootageOut(_Model):
    camera: str
    site: str
    start: AwareDatetime
    end: AwareDatetime
    segments: list[SegmentOut]
    gaps: list[RangeOut]


class MeOut(_Model):
    username: str
    role: str
    sites: list[str] = Field(description="the sites this user may see")


class LiveOut(_Model):
    url: str = Field(
        description="signed live HLS playlist URL; the relay starts on its first request"
        " and answers 503 (Retry-After) until the stream is up"
    )
    expires_at: datetime
    state: StreamState | None = Field(
        description="the relay's state for this stream; null for a remote site's relay"
    )
    last_error: str | None = None


class ThumbnailOut(_Model):
    time: datetime
    url: str


class ThumbnailsOut(_Model):
    camera: str
    thumbnails: list[ThumbnailOut]


class ExportRequest(_Model):
    camera: str = Field(min_length=1, max_length=64)
    start: ApiTime
    end: ApiTime


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
    file_name: str | None


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
    state: str = Field(description="recording, offline, stopped, starting or disabled")
    last_segment_end: datetime | None
    coverage_24h: float = Field(ge=0, le=1)
    last_error: str | None
    live: StreamState | None = Field(
        None, description="live relay: idle, starting, live or retrying; null when unknown"
    )
    live_viewers: int = Field(0, ge=0, description="addresses watching it live lately")
    live_error: str | None = None


class SiteStatusOut(_Model):
    id: str
    name: str
    timezone: str
    last_upload: datetime | None
    stale: bool = Field(description="nothing uploaded for more than 15 minutes")
    edge_seen: datetime | None = Field(description="when the site's edge last reported")
    backlog: BacklogOut | None = Field(description="None without a recent edge report")
    cameras: list[CameraStatusOut]


class StatusOut(_Model):
    generated_at: datetime
    sites: list[SiteStatusOut]


class AuditEventOut(_Model):
    at: datetime
    username: str
    action: str = Field(
        description="live, playback, export, download, footage (a list of segments) or"
        " thumbnails; a repeated footage or thumbnail list is recorded once a minute"
    )
    camera: str
    site: str
    start: datetime | None
    end: datetime | None
    client: str


class AuditOut(_Model):
    events: list[AuditEventOut]
