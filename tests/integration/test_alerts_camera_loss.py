"""vms up's alerts with a simulated camera: stop it, and each configured channel
(the fake Telegram Bot API, aiosmtpd over STARTTLS, a signed webhook) gets exactly
one "offline" message within the threshold + 60 s; start it again, and one "back".
The channels' secrets come from <data-dir>/secrets/<name>.secret."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.harness.ports import free_port
from edge_uploader.shell.bootstrap import bootstrap
from edge_uploader.shell.system import System
from footage.alerts.models import AlertFilter, DeliveryStatus, Rule
from footage.config_loader import parse_config
from tests.support.notify_servers import fake_bot_api, self_signed, smtp_server, webhook_receiver

pytestmark = [pytest.mark.integration]
TOKEN = "777:camera-loss-token"
THRESHOLD_S = 6.0


def _wait(predicate: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return predicate()


def _config(spec: CameraSpec, api_url: str, hook_url: str, smtp_port: int, cert: Path) -> dict:
    return {
        "sites": [{"id": "HO", "name": "Kantor Pusat", "timezone": "Asia/Jakarta"}],
        "cameras": [{"id": "kasir", "site": "HO", "name": "Kasir", "rtsp_url": spec.url,
                     "segment_seconds": 10}],
        "recorder": {"rtsp_timeout_s": 2, "backoff_max_s": 2},
        "drills": {"enabled": False},
        "alerts": {
            "check_interval_s": 1,
            "rules": {"camera_offline_minutes": THRESHOLD_S / 60, "spool_percent": 100,
                      "digest_at": None},
            "channels": {
                "tg": {"type": "telegram", "api_base": api_url},
                "mail": {"type": "email", "host": "localhost", "port": smtp_port,
                         "username": "vms", "sender": "vms@example.com", "ca_file": str(cert)},
                "hook": {"type": "webhook", "url": hook_url},
            },
            "recipients": [
                {"name": "ani", "channel": "tg", "address": "4242"},
                {"name": "budi", "channel": "mail", "address": "budi@example.com",
                 "language": "en"},
                {"name": "wa", "channel": "hook", "address": "wa-gateway"},
            ],
        },
    }  # fmt: skip


def _secrets(data_dir: Path) -> None:
    folder = data_dir / "secrets"
    folder.mkdir(parents=True)
    for name, value in {"telegram-bot": TOKEN, "smtp-password": "s3cret-pw",
                        "webhook-key": "k" * 40}.items():  # fmt: skip
        (folder / f"{name}.secret").write_text(value + "\n")


def test_camera_offline_then_back_one_message_each(tmp_path: Path) -> None:
    spec = CameraSpec(port=free_port(), width=320, height=240)
    cert, _ = self_signed(tmp_path)
    with fake_bot_api(TOKEN, {"4242"}) as api, webhook_receiver() as hook, \
            smtp_server(tmp_path) as box:  # fmt: skip
        config = parse_config(_config(spec, api.url, hook.url, box.port, cert), environ={})
        data_dir = tmp_path / "data"
        _secrets(data_dir)
        cam = SimulatedCamera(spec).start()
        system = System(bootstrap(config, data_dir, environ={}))

        def counts() -> tuple[int, int, int]:
            return len(api.messages()), len(box.messages), len(hook.bodies())

        try:
            system.start()
            rec = system.recorders["kasir"]
            assert _wait(lambda: rec.status.state.value == "recording", 30), rec.status
            time.sleep(2)
            cam.stop()
            down = time.monotonic()
            assert _wait(lambda: counts() == (1, 1, 1), THRESHOLD_S + 60), counts()
            assert time.monotonic() - down <= THRESHOLD_S + 60
            cam = SimulatedCamera(spec).start()
            assert _wait(lambda: counts() == (2, 2, 2), 60), counts()
            time.sleep(3)  # a few more checks: nothing more is sent
            assert counts() == (2, 2, 2)
        finally:
            system.stop()
            cam.stop()
    (_, first), (_, second) = api.messages()
    assert "Kamera Kasir di Kantor Pusat mati sejak" in first["text"] and "WIB" in first["text"]
    assert "merekam lagi" in second["text"]
    assert "offline since" in box.messages[0]["Subject"]
    assert "recording again" in box.messages[1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert hook.bodies()[0][0]["subject"].startswith("[CCTV] Kantor Pusat")
    assert system.alerts is not None
    [alert] = system.alerts.store.find(AlertFilter(rule=Rule.CAMERA_OFFLINE))
    assert alert.cleared_at is not None and len(alert.deliveries) == 6
    assert {d.status for d in alert.deliveries} == {DeliveryStatus.DELIVERED}
    assert system.alerts.store.find(AlertFilter(open_only=True)) == []
