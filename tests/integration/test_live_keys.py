"""Each site's live key from Secrets Manager (functions.runtime.SiteLiveKeys), on moto."""

from __future__ import annotations

import importlib
import secrets
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import boto3
import pytest

from footage.errors import LiveUnavailable
from functions.runtime import SiteLiveKeys

pytestmark = pytest.mark.integration
REGION = "ap-southeast-3"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def prefix(moto_server: str) -> str:
    """A fresh name prefix per test, as the CDK app names them: <stack>/live/."""
    return f"t{uuid.uuid4().hex[:8]}/live/"


def store(moto_server: str, name: str, value: str) -> None:
    client = boto3.client("secretsmanager", region_name=REGION, endpoint_url=moto_server)
    try:
        client.put_secret_value(SecretId=name, SecretString=value)
    except client.exceptions.ResourceNotFoundException:
        client.create_secret(Name=name, SecretString=value)


def test_each_site_gets_its_own_key(moto_server: str, prefix: str) -> None:
    ho, branch = secrets.token_hex(32), secrets.token_hex(32)
    store(moto_server, f"{prefix}HO", ho)
    store(moto_server, f"{prefix}CABANG-01", f"{branch}\n")  # stray whitespace is fine
    keys = SiteLiveKeys(prefix, REGION, moto_server)
    assert keys("HO") == bytes.fromhex(ho)
    assert keys("CABANG-01") == bytes.fromhex(branch)
    assert keys("HO") != keys("CABANG-01")


def test_a_site_without_a_secret_has_no_live_view(moto_server: str, prefix: str) -> None:
    store(moto_server, f"{prefix}HO", secrets.token_hex(32))
    with pytest.raises(LiveUnavailable, match="site CABANG-01 has no usable live key"):
        SiteLiveKeys(prefix, REGION, moto_server)("CABANG-01")


@pytest.mark.parametrize(
    ("value", "logged"),
    [
        (secrets.token_hex(31), "has 31 bytes, under 32: refused"),
        ("", "has 0 bytes, under 32: refused"),
        ("not-hex-at-all" * 5, "unreadable or not hex"),
    ],
)
def test_a_short_or_malformed_key_is_refused_and_logged_not_shown(
    moto_server: str, prefix: str, value: str, logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    store(moto_server, f"{prefix}HO", value or " ")  # Secrets Manager refuses ""
    with pytest.raises(LiveUnavailable) as refused:
        SiteLiveKeys(prefix, REGION, moto_server)("HO")
    assert str(refused.value) == "site HO has no usable live key"  # what a viewer may see
    assert logged in caplog.text and f"{prefix}HO" in caplog.text


def test_a_rotated_key_is_used_once_the_cached_one_is_stale(moto_server: str, prefix: str) -> None:
    old, new = secrets.token_hex(32), secrets.token_hex(32)
    store(moto_server, f"{prefix}HO", old)
    clock = Clock()
    keys = SiteLiveKeys(prefix, REGION, moto_server, ttl=timedelta(minutes=5), clock=clock)
    assert keys("HO") == bytes.fromhex(old)
    store(moto_server, f"{prefix}HO", new)
    clock.now += 299
    assert keys("HO") == bytes.fromhex(old)  # cached: no read per live URL
    clock.now += 2
    assert keys("HO") == bytes.fromhex(new)


def test_a_failed_read_is_not_cached(moto_server: str, prefix: str) -> None:
    keys = SiteLiveKeys(prefix, REGION, moto_server)
    with pytest.raises(LiveUnavailable):
        keys("HO")
    value = secrets.token_hex(32)
    store(moto_server, f"{prefix}HO", value)
    assert keys("HO") == bytes.fromhex(value)


def test_parallel_requests_each_get_their_sites_key(moto_server: str, prefix: str) -> None:
    values = {f"S{n}": secrets.token_hex(32) for n in range(4)}
    for site, value in values.items():
        store(moto_server, f"{prefix}{site}", value)
    keys = SiteLiveKeys(prefix, REGION, moto_server)
    sites = list(values) * 8
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(keys, sites))
    assert got == [bytes.fromhex(values[site]) for site in sites]


def test_the_api_lambda_signs_with_the_sites_key_from_its_prefix(
    moto_server: str, prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("sites: [{id: HO, name: Kantor Pusat}]\n")
    env = {"VMS_BUCKET": "footage", "VMS_TABLE": "footage", "VMS_CONFIG_PATH": str(config),
           "VMS_REGION": REGION, "VMS_ENDPOINT_URL": moto_server,
           "POWERTOOLS_SERVICE_NAME": "cctv-vms", "VMS_COGNITO_USER_POOL_ID": f"{REGION}_Ex",
           "VMS_COGNITO_CLIENT_ID": "viewer", "VMS_EXPORT_FUNCTION": "export",
           "VMS_LIVE_KEY_PREFIX": prefix}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    value = secrets.token_hex(32)
    store(moto_server, f"{prefix}HO", value)
    sys.modules.pop("functions.api.handler", None)
    handler = importlib.import_module("functions.api.handler")
    try:
        assert handler.context.live.keys("HO") == bytes.fromhex(value)
        with pytest.raises(LiveUnavailable):
            handler.context.live.keys("CABANG-01")
    finally:
        sys.modules.pop("functions.api.handler", None)
