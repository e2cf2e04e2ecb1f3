"""The alerts Lambda over moto (S3, DynamoDB, Secrets Manager) and a fake Telegram
Bot API: a branch whose edge stops reporting raises one alert, told once; it
clears when the edge reports again. Channel secrets come from Secrets Manager."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import yaml

from footage.adapters.dynamodb_alerts import DynamoAlertStore
from footage.alerts.models import AlertFilter, DeliveryStatus, Rule
from footage.keys import build_status_key
from footage.site_status import EdgeCamera, EdgeReport
from functions.local import LocalContext
from tests.support.cloud import REGION, serverless
from tests.support.notify_servers import FakeBotApi

pytestmark = pytest.mark.integration
TOKEN = "123456:fleet-test-token"
CHAT = "-1001"


def _report(site: str, at: datetime) -> bytes:
    camera = EdgeCamera(camera="gate", state="recording", last_segment_at=at)
    return EdgeReport(site=site, published_at=at, cameras=[camera]).model_dump_json().encode()


def test_a_silent_branch_is_one_alert_told_once_and_cleared_when_it_reports(
    moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = FakeBotApi(TOKEN, {CHAT})
    try:
        with serverless(moto_server, tmp_path, {"gate": ("CABANG-01", 30)}) as cloud:
            config = yaml.safe_load(cloud.config.read_text())
            config["alerts"] = {
                "channels": {"ops": {"type": "telegram", "api_base": bot.url}},
                "recipients": [{"name": "it-ho", "channel": "ops", "address": CHAT,
                                "language": "en"}],
            }  # fmt: skip
            cloud.config.write_text(yaml.safe_dump(config))
            prefix = f"test-{cloud.names.table}/alerts/"
            secrets = boto3.client("secretsmanager", region_name=REGION,
                                   endpoint_url=moto_server)  # fmt: skip
            secrets.create_secret(Name=f"{prefix}telegram-bot", SecretString=TOKEN)
            monkeypatch.setenv("VMS_ALERT_SECRET_PREFIX", prefix)
            now = datetime.now(UTC)
            key = build_status_key("CABANG-01")
            cloud.storage.put_bytes(key, _report("CABANG-01", now - timedelta(minutes=20)))
            # HO's edge never reported (not installed yet): nothing is said about it
            sys.modules.pop("functions.alerts.handler", None)
            alerts = importlib.import_module("functions.alerts.handler")

            first = alerts.handler({}, LocalContext("alerts"))
            again = alerts.handler({}, LocalContext("alerts"))
            cloud.storage.put_bytes(key, _report("CABANG-01", datetime.now(UTC)))
            back = alerts.handler({}, LocalContext("alerts"))
            store = DynamoAlertStore(cloud.names.table, REGION, moto_server)
            [alert] = store.find(AlertFilter(since=now - timedelta(hours=1)))
    finally:
        bot.close()

    assert first == {"silent": ["CABANG-01"], "opened": 1, "cleared": 0, "sent": 1, "failed": 0}
    assert again == {"silent": ["CABANG-01"], "opened": 0, "cleared": 0, "sent": 0, "failed": 0}
    assert back == {"silent": [], "opened": 0, "cleared": 1, "sent": 1, "failed": 0}
    texts = [fields["text"] for _, fields in bot.messages()]
    assert len(texts) == 2
    assert "Cabang 01 has not reported since" in texts[0] and "WIB" in texts[0]
    assert "Cabang 01 is reporting again" in texts[1]
    assert (alert.rule, alert.site, alert.open) == (Rule.SITE_SILENT, "CABANG-01", False)
    assert [d.status for d in alert.deliveries] == [DeliveryStatus.DELIVERED] * 2
