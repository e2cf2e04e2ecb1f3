"""Transcode profiles as data. The ffmpeg flags for each live in footage.media.commands."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class VideoCodec(StrEnum):
    COPY = "copy"
    H264 = "h264"
    H265 = "h265"


class Profile(BaseModel):
    """How to (re-)encode footage. ``copy`` keeps the camera's stream as it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    codec: VideoCodec = Field(description="copy, h264 or h265")
    crf: float = Field(
        28,
        ge=0,
        le=51,
        description="constant rate factor (lower = better; x264/x265 take 0.25 steps)",
    )
    preset: str = Field("veryfast", description="x264/x265 speed preset")
    max_rate_kbps: int | None = Field(None, ge=64, le=100_000, description="VBV cap")
    gop_seconds: float = Field(2.0, gt=0, le=20, description="keyframe interval")
    denoise: bool = Field(False, description="hqdn3d before encoding (sensor noise)")
    psy: bool = Field(
        True,
        description="x264/x265 psychovisual tuning (adaptive quantization, psy-rd); false:"
        " -tune psnr, the same quantizer over the whole frame (software encoders only)",
    )


#: ``edge_profile: adaptive``: the edge picks a level of ``ADAPTIVE_LADDER``
#: from its backlog, its link and its CPU budget (edge_uploader.adaptive).
ADAPTIVE = "adaptive"

#: Built-in profiles. A config may add more or override these by name.
BUILTIN_PROFILES: dict[str, Profile] = {
    "copy": Profile(codec=VideoCodec.COPY),
    "h264-balanced": Profile(codec=VideoCodec.H264, crf=26, preset="veryfast"),
    "h264-small": Profile(codec=VideoCodec.H264, crf=30, preset="faster", denoise=True),
    "h265-small": Profile(codec=VideoCodec.H265, crf=30, preset="fast", denoise=True),
    # Edge compression before upload, chosen from bench/edge_profiles.py on CCTV-like
    # 1080p15 footage (README "Edge compression" has the table). cctv-h264: the
    # seed's quality (VMAF within 0.4) in 68 % of the bytes, at 2.7x its speed.
    "cctv-h264": Profile(codec=VideoCodec.H264, crf=30, preset="veryfast", gop_seconds=4.0),
    "cctv-h264-small": Profile(
        codec=VideoCodec.H264, crf=30, preset="veryfast", gop_seconds=4.0, denoise=True
    ),
    "cctv-h265-small": Profile(
        codec=VideoCodec.H265, crf=30, preset="veryfast", gop_seconds=4.0, denoise=True
    ),
}

#: The adaptive levels, lightest first: as recorded, then ever smaller files.
ADAPTIVE_LADDER = ("copy", "cctv-h264", "cctv-h264-small", "cctv-h265-small")
