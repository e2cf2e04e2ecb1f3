"""Attacks with an account an admin has since taken away.

The attacker holds a valid token (and maybe the password) of an account that
should no longer work: a dismissed guard, a viewer whose laptop was stolen, a
password that leaked. The admin reacts with ``vms user disable|passwd|remove``
and the attacker's very next request must fail, long before the token expires.
Also: nobody can disable or remove the last enabled admin and lock everyone out.

The API is the on-prem app as ``functions.api.serve`` builds it (after
``prepare``); the admin uses the real ``vms`` CLI on the same data dir.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from edge_uploader.shell.cli import app as vms_app
from functions.api.serve import build_local_app, prepare

ADMIN_PASSWORD = "admin-password-1"
BUDI_PASSWORD = "rahasia-cabang-01"


@dataclass(frozen=True)
class Site:
    client: TestClient
    config: Path
    data: Path

    def vms(self, *args: str, stdin: str | None = None) -> Result:
        argv = [*args, "--config", str(self.config), "--data-dir", str(self.data)]
        return CliRunner().invoke(vms_app, argv, input=stdin)

    def login(self, name: str, password: str) -> int:
        body = {"username": name, "password": password}
        return self.client.post("/api/auth/login", json=body).status_code

    def token(self, name: str, password: str) -> dict[str, str]:
        body = {"username": name, "password": password}
        answer = self.client.post("/api/auth/login", json=body)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def me(self, headers: dict[str, str]) -> int:
        return self.client.get("/api/me", headers=headers).status_code


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}, {"id": "CABANG-01", "name": "Cabang 01"}],
        "cameras": [{"id": "ho-lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"}],
    }))  # fmt: skip
    monkeypatch.setenv("VMS_ADMIN_PASSWORD", ADMIN_PASSWORD)
    data = tmp_path / "var"
    prepare(config, data)
    with TestClient(build_local_app(config, data, None)) as client:
        site = Site(client, config, data)
        added = site.vms("user", "add", "budi", "--role", "viewer", "--site", "CABANG-01",
                         "--password-stdin", stdin=BUDI_PASSWORD + "\n")  # fmt: skip
        assert added.exit_code == 0, added.output
        yield site


def test_a_disabled_users_token_fails_on_the_next_request(site: Site) -> None:
    budi = site.token("budi", BUDI_PASSWORD)
    assert site.me(budi) == 200
    done = site.vms("user", "disable", "budi")
    assert done.exit_code == 0, done.output
    assert site.me(budi) == 401
    assert site.login("budi", BUDI_PASSWORD) == 401  # and no new token
    assert "(disabled)" in site.vms("user", "list").output
    assert site.vms("user", "enable", "budi").exit_code == 0
    assert site.me(budi) == 401  # the old token stays revoked
    assert site.me(site.token("budi", BUDI_PASSWORD)) == 200


def test_a_new_password_revokes_the_old_token_and_the_old_password(site: Site) -> None:
    budi = site.token("budi", BUDI_PASSWORD)
    done = site.vms("user", "passwd", "budi", "--password-stdin", stdin="a-brand-new-pw-01\n")
    assert done.exit_code == 0, done.output
    assert site.me(budi) == 401
    assert site.login("budi", BUDI_PASSWORD) == 401
    assert site.me(site.token("budi", "a-brand-new-pw-01")) == 200


def test_a_removed_users_token_fails_on_the_next_request(site: Site) -> None:
    budi = site.token("budi", BUDI_PASSWORD)
    assert site.vms("user", "remove", "budi").exit_code == 0
    assert site.me(budi) == 401
    assert site.login("budi", BUDI_PASSWORD) == 401
    assert "budi" not in site.vms("user", "list").output


def test_the_last_enabled_admin_cannot_be_disabled_or_removed(site: Site) -> None:
    admin = site.token("admin", ADMIN_PASSWORD)
    for action in ("disable", "remove"):
        refused = site.vms("user", action, "admin")
        assert refused.exit_code == 2 and "last enabled admin" in refused.output
    assert site.me(admin) == 200  # nothing changed
    added = site.vms("user", "add", "ops", "--role", "admin", "--password-stdin",
                     stdin="ops-password-01\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert site.vms("user", "disable", "admin").exit_code == 0  # another admin is left
    refused = site.vms("user", "remove", "ops")
    assert refused.exit_code == 2 and "last enabled admin" in refused.output
    assert site.me(site.token("ops", "ops-password-01")) == 200
