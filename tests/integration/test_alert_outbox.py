"""Delivery failures are retried with back-off and survive a restart (kill -9):
Telegram answering 500, SMTP down; every attempt is recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge_uploader.harness.ports import free_port
from footage.adapters.sqlite_alerts import SqliteAlertStore
from footage.alerts.config import AlertsConfig, EmailChannel
from footage.alerts.models import AlertFilter, DeliveryStatus
from footage.alerts.outbox import deliver_due
from footage.notify.base import Channel
from footage.notify.email import SmtpMailer
from footage.notify.telegram import TelegramBot
from tests.support.notify_servers import fake_bot_api, self_signed, smtp_server

T0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
TOKEN = "42:token"

# A process that decides an alert (queued in the outbox) and is killed -9 before sending.
_DECIDE = """
import sys, time
from datetime import UTC, datetime, timedelta
from footage.adapters.sqlite_alerts import SqliteAlertStore
from footage.alerts.config import AlertsConfig
from footage.alerts.decide import Condition
from footage.alerts.models import Rule
from footage.alerts.service import SiteInfo, all_keys, apply
config = AlertsConfig.model_validate_json(sys.argv[2])
store = SqliteAlertStore(__import__("pathlib").Path(sys.argv[1])); store.initialize()
t0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
cond = Condition(Rule.CAMERA_OFFLINE, "HO", t0, timedelta(minutes=5), camera="kasir")
apply(store, config, {"HO": SiteInfo("Kantor Pusat", "Asia/Jakarta")}, [cond],
      all_keys([Rule.CAMERA_OFFLINE]), t0 + timedelta(minutes=5))
print("decided", flush=True)
time.sleep(60)
"""


def _config(smtp_port: int) -> AlertsConfig:
    return AlertsConfig.model_validate({
        "channels": {"tg": {"type": "telegram"},
                     "mail": {"type": "email", "host": "localhost", "port": smtp_port,
                              "username": "vms", "sender": "vms@example.com"}},
        "recipients": [{"name": "ani", "channel": "tg", "address": "42"},
                       {"name": "budi", "channel": "mail", "address": "b@example.com"}],
        "retry_initial_s": 30, "retry_max_s": 3600,
    })  # fmt: skip


def _decide_then_kill(db: Path, config: AlertsConfig) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    proc = subprocess.Popen([sys.executable, "-c", _DECIDE, str(db), config.model_dump_json()],
                            stdout=subprocess.PIPE, env=env)  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"decided"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def _channels(config: AlertsConfig, api_url: str, cert: Path) -> dict[str, Channel | str]:
    mail = config.channels["mail"]
    assert isinstance(mail, EmailChannel)
    mail = mail.model_copy(update={"ca_file": str(cert), "timeout_s": 5.0})
    return {
        "tg": TelegramBot("tg", api_url, TOKEN, 5),
        "mail": SmtpMailer("mail", mail, "s3cret-pw"),
    }


def test_failures_retried_with_backoff_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "alerts.sqlite3"
    smtp_port = free_port()
    config = _config(smtp_port)
    _decide_then_kill(db, config)
    sent_at = T0 + timedelta(minutes=5)
    with fake_bot_api(TOKEN, {"42"}) as api:
        api.fail_next = 2
        cert, _ = self_signed(tmp_path)
        channels = _channels(config, api.url, cert)
        store = SqliteAlertStore(db)  # the restarted process
        first = deliver_due(store, channels, config, sent_at)
        assert sorted((s.delivery.channel, s.status) for s in first) == [
            ("mail", DeliveryStatus.PENDING),
            ("tg", DeliveryStatus.PENDING),
        ]
        assert deliver_due(store, channels, config, sent_at + timedelta(seconds=29)) == []
        second = deliver_due(
            SqliteAlertStore(db), channels, config, sent_at + timedelta(seconds=30)
        )
        assert {s.delivery.channel: s.status for s in second} == {
            "tg": DeliveryStatus.PENDING,
            "mail": DeliveryStatus.PENDING,
        }
        # back-off doubled: nothing due 30 s later, both at +90 s; SMTP is up by then
        assert deliver_due(store, channels, config, sent_at + timedelta(seconds=60)) == []
        with smtp_server(tmp_path, port=smtp_port) as box:
            third = deliver_due(SqliteAlertStore(db), channels, config,
                                sent_at + timedelta(seconds=90))  # fmt: skip
            assert {s.status for s in third} == {DeliveryStatus.DELIVERED}
            assert len(box.messages) == 1
        assert len(api.messages()) == 1  # exactly one Telegram message, after two 500s
    [alert] = SqliteAlertStore(db).find(AlertFilter())
    rows = {d.channel: d for d in alert.deliveries}
    assert rows["tg"].attempts == 3 and rows["tg"].status is DeliveryStatus.DELIVERED
    assert rows["mail"].attempts == 3 and rows["tg"].last_error == ""
    assert deliver_due(SqliteAlertStore(db), channels, config, sent_at + timedelta(days=1)) == []
