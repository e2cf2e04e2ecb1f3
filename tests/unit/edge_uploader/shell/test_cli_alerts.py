"""`vms alerts test|list` through the real CLI, against the fake Telegram Bot API
and a webhook receiver (secrets from <data-dir>/secrets), with a channel down."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from edge_uploader.harness.ports import free_port
from edge_uploader.shell.cli import app
from tests.support.notify_servers import fake_bot_api, webhook_receiver

TOKEN = "55:cli-token"


def _vms(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)])
    return result.exit_code, result.output


def _setup(tmp_path: Path, api_url: str, hook_url: str) -> None:
    config = {
        "sites": [{"id": "HO", "name": "Kantor Pusat"}],
        "alerts": {
            "channels": {"tg": {"type": "telegram", "api_base": api_url},
                         "hook": {"type": "webhook", "url": hook_url},
                         "down": {"type": "webhook", "url": f"http://127.0.0.1:{free_port()}/x"},
                         "lonely": {"type": "webhook", "url": hook_url}},
            "recipients": [{"name": "ani", "channel": "tg", "address": "4242"},
                           {"name": "wa", "channel": "hook", "address": "gw", "language": "en"},
                           {"name": "ops", "channel": "down", "address": "ops"}],
        },
    }  # fmt: skip
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "telegram-bot.secret").write_text(TOKEN)
    (tmp_path / "secrets" / "webhook-key.secret").write_text("k" * 40)


def test_alerts_test_reports_each_delivery_and_list_shows_it(tmp_path: Path) -> None:
    with fake_bot_api(TOKEN, {"4242"}) as api, webhook_receiver() as hook:
        _setup(tmp_path, api.url, hook.url)
        code, out = _vms(tmp_path, "alerts", "test", "--channel", "tg")
        assert code == 0, out
        assert out.strip() == "tg -> ani (4242): delivered"
        [(method, fields)] = api.messages()
        assert method == "sendMessage" and "Pesan uji dari cctv-vms" in fields["text"]
        code, out = _vms(tmp_path, "alerts", "test")
        assert code == 1, out  # the "down" channel failed
        assert "lonely: no recipients" in out and "hook -> wa (gw): delivered" in out
        assert "down -> ops (ops): FAILED: cannot connect" in out
        assert len(api.messages()) == 2 and len(hook.bodies()) == 1
        assert hook.bodies()[0][0]["text"].startswith("Test message from cctv-vms")
    code, out = _vms(tmp_path, "alerts", "list", "--json")
    assert code == 0, out
    listed = json.loads(out)
    assert [len(a["deliveries"]) for a in listed] == [3, 1]
    statuses = sorted(d["status"] for a in listed for d in a["deliveries"])
    assert statuses == ["delivered", "delivered", "delivered", "failed"]
    code, out = _vms(tmp_path, "alerts", "list")
    assert "test" in out and "2/3 delivered, 1 FAILED" in out and "WIB" in out


def test_unknown_channel_and_none_configured_exit_2(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("sites: [{id: HO, name: HO}]\n")
    code, out = _vms(tmp_path, "alerts", "test")
    assert code == 2 and "no alert channels configured" in out
    with fake_bot_api(TOKEN, set()) as api, webhook_receiver() as hook:
        _setup(tmp_path, api.url, hook.url)
        code, out = _vms(tmp_path, "alerts", "test", "--channel", "sms")
        assert code == 2 and "no channel 'sms'" in out
        assert api.messages() == [] and hook.bodies() == []
    code, out = _vms(tmp_path, "alerts", "list")
    assert code == 0 and out.strip() == "no alerts"
