"""Rendition Lambda: one H.264 part of an HEVC segment (invoked by the API, and waited for).

Event: a footage.services.renditions.RenditionJob (``{"segment_key", "index",
"duration_s", "fps"}``). Reads the segment (a warm container keeps it for the
segment's next parts), transcodes the part with the FFmpeg layer and stores it
under ``renditions/``, tagged for the short cache lifecycle; answers
``{"key": <its key>}``. A malformed event or a failed transcode raises: the API
answers 502.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from footage.adapters.s3 import S3Storage, make_s3_client
from footage.services.renditions import (
    RENDITION_CACHE_TAGS,
    RenditionJob,
    SourceCache,
    make_rendition,
)
from functions.settings import RenditionSettings

logger = Logger()
settings = RenditionSettings()  # validated at cold start
# Every part carries the cache tag: the bucket's short lifecycle rule for parts selects
# by it, so renditions an ingest policy keeps as footage (same prefix) are left alone.
storage = S3Storage(
    make_s3_client(settings.endpoint_url, settings.region),
    settings.bucket,
    server_checksums=settings.endpoint_url is None,
    tags=RENDITION_CACHE_TAGS,
)
# A warm container makes a segment's next parts from the copy it downloaded.
sources = SourceCache()


@logger.inject_lambda_context(log_event=True)
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, str]:
    del lambda_context
    return {
        "key": make_rendition(storage, RenditionJob.from_event(event), settings.workdir, sources)
    }
