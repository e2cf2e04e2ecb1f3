"""Our batch presigner against botocore's (the reference) at the same instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.auth
import pytest
from botocore.config import Config

from footage.adapters.sigv4 import BucketEndpoint, Credentials, presign_get

NOW = datetime(2026, 11, 26, 3, 4, 5, tzinfo=UTC)
KEYS = [
    "segments/HO/HO-CAM01/2026/11/26/20261126T030000Z.mp4",
    "thumbnails/CABANG-01/lobby_2/2026/11/26/x y+z~.jpg",
]


def _botocore(creds: Credentials, region: str, endpoint: str | None, key: str) -> str:
    client = boto3.client(
        "s3", region_name=region, endpoint_url=endpoint or f"https://s3.{region}.amazonaws.com",
        aws_access_key_id=creds.access_key, aws_secret_access_key=creds.secret_key,
        aws_session_token=creds.token,
        config=Config(signature_version="s3v4",
                      s3={"addressing_style": "path" if endpoint else "virtual"}),
    )  # fmt: skip
    return client.generate_presigned_url(
        "get_object", Params={"Bucket": "cctv-footage", "Key": key}, ExpiresIn=3600
    )


@pytest.mark.parametrize("token", [None, "IQoJb3JpZ2luX2VjE/session+token="])
@pytest.mark.parametrize(
    ("region", "endpoint"),
    [("ap-southeast-3", None), ("us-east-1", "http://127.0.0.1:5123")],
)
def test_matches_botocore(
    monkeypatch: pytest.MonkeyPatch, token: str | None, region: str, endpoint: str | None
) -> None:
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    creds = Credentials("AKIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token)
    target = BucketEndpoint.for_bucket("cctv-footage", region, endpoint)
    ours = presign_get(target, creds, KEYS, timedelta(hours=1), NOW)
    theirs = [_botocore(creds, region, endpoint, key) for key in KEYS]
    assert [_parts(url) for url in ours] == [_parts(url) for url in theirs]


def _parts(url: str) -> tuple[str, dict[str, list[str]]]:
    """The URL without its query, and the query (botocore orders it differently)."""
    parts = urlsplit(url)
    return parts._replace(query="").geturl(), parse_qs(parts.query)


def test_signature_depends_on_the_secret() -> None:
    target = BucketEndpoint.for_bucket("b", "ap-southeast-3", None)
    one = presign_get(target, Credentials("AK", "secret-1"), KEYS[:1], timedelta(hours=1), NOW)
    two = presign_get(target, Credentials("AK", "secret-2"), KEYS[:1], timedelta(hours=1), NOW)
    assert one[0].split("X-Amz-Signature=")[0] == two[0].split("X-Amz-Signature=")[0]
    assert one != two
