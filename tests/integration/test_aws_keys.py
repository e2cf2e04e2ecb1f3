"""The age of the edge's AWS access key (footage.adapters.aws_keys, `vms status`), on
moto's IAM: the edge asks with its own key, IAM lists that user's keys."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import yaml
from typer.testing import CliRunner

from edge_uploader.shell.cli import app
from edge_uploader.shell.status import access_key_report
from footage.adapters.aws_keys import ROTATE_AFTER, AccessKeyAge, access_key_age
from footage.config import FilesystemStorage, S3Storage
from footage.errors import StorageError

pytestmark = pytest.mark.integration


def edge_user(moto_server: str) -> tuple[str, str, str, datetime]:
    """A site's edge user with one access key: (user, key id, secret, created)."""
    iam = boto3.client("iam", endpoint_url=moto_server)
    user = f"cctv-vms-edge-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    iam.create_access_key(UserName=user)  # an older key of the same user
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return user, key["AccessKeyId"], key["SecretAccessKey"], key["CreateDate"]


def session_of(key_id: str, secret: str, token: str | None = None) -> boto3.Session:
    return boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret,
                         aws_session_token=token, region_name="ap-southeast-3")  # fmt: skip


def test_the_age_of_the_key_the_edge_signs_with(moto_server: str) -> None:
    user, key_id, secret, created = edge_user(moto_server)
    now = created + timedelta(days=30, hours=2)
    age = access_key_age(now, session_of(key_id, secret), moto_server)
    assert age is not None
    assert (age.access_key_id, age.user_name, age.created_at) == (key_id, user, created)
    assert age.age == timedelta(days=30, hours=2)
    assert not age.stale


def test_a_key_past_90_days_is_stale(moto_server: str) -> None:
    _, key_id, secret, created = edge_user(moto_server)
    session = session_of(key_id, secret)
    assert timedelta(days=90) == ROTATE_AFTER
    at_limit = access_key_age(created + ROTATE_AFTER, session, moto_server)
    assert at_limit is not None and not at_limit.stale
    later = access_key_age(created + ROTATE_AFTER + timedelta(hours=1), session, moto_server)
    assert later is not None and later.stale


def test_temporary_credentials_have_nothing_to_rotate(moto_server: str) -> None:
    session = session_of("ASIAEXAMPLEEXAMPLE01", "secret", token="session-token")
    assert access_key_age(datetime.now(UTC), session, moto_server) is None


def test_a_deleted_key_cannot_tell_its_age(moto_server: str) -> None:
    user, key_id, secret, _ = edge_user(moto_server)
    boto3.client("iam", endpoint_url=moto_server).delete_access_key(
        UserName=user, AccessKeyId=key_id
    )
    with pytest.raises(StorageError, match="cannot list this machine's access keys"):
        access_key_age(datetime.now(UTC), session_of(key_id, secret), moto_server)


def test_status_reports_the_key_only_for_s3_on_aws(moto_server: str) -> None:
    user, key_id, secret, created = edge_user(moto_server)
    now = created + timedelta(days=120)

    def probe(at: datetime) -> AccessKeyAge | None:
        return access_key_age(at, session_of(key_id, secret), moto_server)

    aws = S3Storage(type="s3", bucket="footage")
    report = access_key_report(aws, now, probe)
    assert report is not None
    assert (report.access_key_id, report.user_name, report.age_days) == (key_id, user, 120)
    assert report.stale and report.rotate_after_days == 90 and report.error is None
    minio = S3Storage(type="s3", bucket="footage", endpoint_url="http://minio:9000")
    assert access_key_report(minio, now, probe) is None
    assert access_key_report(FilesystemStorage(), now, probe) is None


def test_status_shows_why_the_age_is_unknown() -> None:
    def probe(_: datetime) -> None:
        raise StorageError("cannot list this machine's access keys: AccessDenied")

    report = access_key_report(S3Storage(type="s3", bucket="footage"), datetime.now(UTC), probe)
    assert report is not None and report.error is not None and "AccessDenied" in report.error
    assert report.age_days is None and not report.stale


def test_vms_status_json_and_text_show_the_key_age(
    moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, key_id, secret, _ = edge_user(moto_server)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "sites": [{"id": "HO", "name": "HO"}],
        "storage": {"type": "s3", "bucket": "footage", "region": "ap-southeast-3"},
    }))  # fmt: skip
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_SECURITY_TOKEN", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", moto_server)  # IAM only; S3 stays "AWS"
    common = ["--config", str(config), "--data-dir", str(tmp_path / "var")]
    result = CliRunner().invoke(app, ["status", "--json", *common])
    assert result.exit_code == 0, result.output
    key = json.loads(result.output)["access_key"]
    assert (key["access_key_id"], key["user_name"], key["age_days"]) == (key_id, user, 0)
    assert key["stale"] is False and key["error"] is None
    text = CliRunner().invoke(app, ["status", *common])
    assert f"aws key {key_id} ({user}): 0 days old" in text.output
    assert "ROTATE" not in text.output
