"""Rendition Lambda: one H.264 part of an HEVC segment (invoked by the API, and waited for).

Event: a footage.services.renditions.RenditionJob (``{"segment_key", "index",
"duration_s", "fps"}``). Reads the segment, transcodes the part with the FFmpeg
layer and stores it under ``renditions/``; answers ``{"key": <its key>}``. A
malformed event or a failed transcode raises: the API answers 502.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from footage.adapters.factory import build_s3_storage
from footage.config import S3Storage
from footage.services.renditions import RenditionJob, make_rendition
from functions.settings import RenditionSettings

logger = Logger()
settings = RenditionSettings()  # validated at cold start
storage = build_s3_storage(S3Storage(type="s3", bucket=settings.bucket, region=settings.region,
                                     endpoint_url=settings.endpoint_url))  # fmt: skip


@logger.inject_lambda_context(log_event=True)
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, str]:
    del lambda_context
    return {"key": make_rendition(storage, RenditionJob.from_event(event), settings.workdir)}
