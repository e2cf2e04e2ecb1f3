"""Pre-signed S3 GET URLs (SigV4 query auth) for many keys at once.

A 24 h playback playlist holds ~1,440 segment URLs. botocore's
``generate_presigned_url`` builds a whole request per URL (0.34 ms each, so
0.49 s for the playlist); here the signing key is derived once per batch and
each URL costs one SHA-256 and one HMAC. The URLs carry the same parameters
and signatures as botocore's (tests/unit/footage/test_sigv4.py compares them).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

_ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None


@dataclass(frozen=True, slots=True)
class BucketEndpoint:
    """Where the bucket's objects live: ``base`` + quoted key is an object's URL."""

    base: str  # "https://bucket.s3.region.amazonaws.com/" or "http://host:port/bucket/"
    region: str

    @classmethod
    def for_bucket(cls, bucket: str, region: str, endpoint_url: str | None) -> BucketEndpoint:
        if endpoint_url:  # custom endpoints use path-style addressing (make_s3_client)
            return cls(f"{endpoint_url.rstrip('/')}/{bucket}/", region)
        return cls(f"https://{bucket}.s3.{region}.amazonaws.com/", region)


def presign_get(
    endpoint: BucketEndpoint,
    credentials: Credentials,
    keys: Iterable[str],
    expires: timedelta,
    now: datetime,
) -> list[str]:
    """One pre-signed GET URL per key (full object keys), valid ``expires`` from ``now``."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    scope = f"{day}/{endpoint.region}/s3/aws4_request"
    signing_key = _signing_key(credentials.secret_key, day, endpoint.region)
    parts = urlsplit(endpoint.base)
    params = {
        "X-Amz-Algorithm": _ALGORITHM,
        "X-Amz-Credential": f"{credentials.access_key}/{scope}",
        "X-Amz-Date": stamp,
        "X-Amz-Expires": str(int(expires.total_seconds())),
        "X-Amz-SignedHeaders": "host",
    }
    if credentials.token:
        params["X-Amz-Security-Token"] = credentials.token
    query = "&".join(f"{_q(k)}={_q(v)}" for k, v in sorted(params.items()))
    head = f"host:{parts.netloc}\n\nhost\nUNSIGNED-PAYLOAD"
    urls = []
    for key in keys:
        path = parts.path + quote(key, safe="/~")
        request = f"GET\n{path}\n{query}\n{head}"
        to_sign = f"{_ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(request.encode()).hexdigest()}"
        signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
        urls.append(f"{parts.scheme}://{parts.netloc}{path}?{query}&X-Amz-Signature={signature}")
    return urls


def _q(value: str) -> str:
    return quote(value, safe="-_.~")


def _signing_key(secret: str, day: str, region: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), day.encode(), hashlib.sha256).digest()
    for part in (region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
