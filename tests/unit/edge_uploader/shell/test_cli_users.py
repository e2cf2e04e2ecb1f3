"""`vms user add|list` through the real CLI (typer's runner, a real SQLite store)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from edge_uploader.shell.cli import app
from footage.adapters.sqlite_users import SqliteUserStore
from footage.passwords import verify_password

CONFIG = "sites: [{id: HO, name: Kantor Pusat}, {id: CABANG-01, name: Cabang 01}]\n"


def _vms(tmp_path, *args: str, stdin: str | None = None):
    (tmp_path / "config.yaml").write_text(CONFIG)
    return CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)], input=stdin)


def test_add_a_branch_viewer_from_stdin_and_list_it(tmp_path):
    added = _vms(tmp_path, "user", "add", "budi", "--role", "viewer", "--site", "CABANG-01",
                 "--password-stdin", stdin="rahasia-cabang-01\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "added budi (viewer: CABANG-01)" in added.output
    user = SqliteUserStore(tmp_path / "users.sqlite3").get("budi")
    assert user is not None and verify_password(user.password_hash, "rahasia-cabang-01")
    listed = _vms(tmp_path, "user", "list", "--json")
    assert json.loads(listed.output)[0] | {"created": None} == {
        "username": "budi", "role": "viewer", "sites": ["CABANG-01"], "created": None,
        "disabled": False,
    }  # fmt: skip
    assert "password" not in listed.output


def test_bad_requests_exit_2_and_store_nothing(tmp_path):
    cases = [
        (["--site", "HO"], None, "--password-stdin"),
        (["--site", "CABANG-99", "--password-stdin"], "long-enough-pw\n", "unknown site"),
        (["--site", "HO", "--password-stdin"], "short\n", "at least 10"),
    ]
    for extra, stdin, message in cases:
        done = _vms(tmp_path, "user", "add", "siti", "--role", "viewer", *extra, stdin=stdin)
        assert done.exit_code == 2 and message in done.output, done.output
    assert SqliteUserStore(tmp_path / "users.sqlite3").list() == []


def test_disable_enable_remove_and_passwd_change_the_account_and_its_token_version(tmp_path):
    _vms(tmp_path, "user", "add", "budi", "--role", "viewer", "--site", "CABANG-01",
         "--password-stdin", stdin="rahasia-cabang-01\n")  # fmt: skip
    store = SqliteUserStore(tmp_path / "users.sqlite3")
    disabled = _vms(tmp_path, "user", "disable", "budi")
    assert disabled.exit_code == 0 and "budi disabled" in disabled.output
    assert "(disabled)" in _vms(tmp_path, "user", "list").output
    assert json.loads(_vms(tmp_path, "user", "list", "--json").output)[0]["disabled"] is True
    assert _vms(tmp_path, "user", "enable", "budi").exit_code == 0
    changed = _vms(
        tmp_path, "user", "passwd", "budi", "--password-stdin", stdin="new-password-01\n"
    )
    assert changed.exit_code == 0, changed.output
    user = store.get("budi")
    assert user is not None and not user.disabled and user.token_version == 3
    assert verify_password(user.password_hash, "new-password-01")
    assert _vms(tmp_path, "user", "remove", "budi").exit_code == 0
    assert store.get("budi") is None


def test_account_changes_that_cannot_be_done_exit_2(tmp_path):
    _vms(tmp_path, "user", "add", "root", "--role", "admin", "--password-stdin",
         stdin="root-password-1\n")  # fmt: skip
    cases = [
        (["disable", "nobody"], None, "no user 'nobody'"),
        (["passwd", "root"], None, "--password-stdin"),
        (["passwd", "root", "--password-stdin"], "short\n", "at least 10"),
        (["disable", "root"], None, "last enabled admin"),
        (["remove", "root"], None, "last enabled admin"),
    ]
    for args, stdin, message in cases:
        done = _vms(tmp_path, "user", *args, stdin=stdin)
        assert done.exit_code == 2 and message in done.output, done.output
    user = SqliteUserStore(tmp_path / "users.sqlite3").get("root")
    assert user is not None and not user.disabled and user.token_version == 0
