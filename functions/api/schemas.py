"""Request and response models of the API (separate from the domain types)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
