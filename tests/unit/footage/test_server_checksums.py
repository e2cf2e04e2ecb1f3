"""``storage.server_checksums``: whether the S3 store vouches for each PUT's SHA-256
(ingest then trusts a described segment's hash without downloading it)."""

from __future__ import annotations

import pytest

from footage.adapters.factory import build_s3_storage
from footage.config import S3Storage


@pytest.mark.parametrize(
    ("endpoint", "setting", "checks"),
    [
        (None, None, True),  # AWS itself checks and keeps ChecksumSHA256
        ("http://minio:9000", None, False),  # an S3-compatible store may not
        ("http://minio:9000", True, True),  # verified for this store by its operator
        (None, False, False),
    ],
)
def test_server_checksums_default_by_endpoint_and_as_configured(endpoint, setting, checks):
    config = S3Storage(type="s3", bucket="footage", endpoint_url=endpoint,
                       server_checksums=setting, region="us-east-1")  # fmt: skip
    assert config.checks_sha256 is checks
    assert build_s3_storage(config).server_checksums is checks  # type: ignore[attr-defined]
