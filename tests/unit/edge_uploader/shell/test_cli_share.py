"""`vms share` through the real CLI: a branch account cannot share HO's camera (exit
3, audited as share-refused, nothing queued); a wrong password is refused before
anything is looked at. (The sending itself: tests/integration/test_share.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

from typer.testing import CliRunner

from edge_uploader.shell.cli import app
from footage.adapters.sqlite_audit import SqliteAuditLog

CONFIG = """
sites: [{id: HO, name: Kantor Pusat}, {id: CABANG-01, name: Cabang 01}]
cameras:
  - {id: ho-lobby, site: HO, name: Lobby, rtsp_url: "rtsp://h/1"}
alerts:
  channels: {tg: {type: telegram}}
  recipients: [{name: ops, channel: tg, address: "-1001"}]
sharing: {public_url: "https://vms.example.co.id"}
"""
RANGE = ["--start", "2026-12-06T10:00:00+07:00", "--end", "2026-12-06T10:01:00+07:00"]


def _vms(tmp_path, *args: str, stdin: str | None = None):
    (tmp_path / "config.yaml").write_text(CONFIG)
    return CliRunner().invoke(app, [*args, "--data-dir", str(tmp_path)], input=stdin)


def test_a_branch_account_cannot_share_ho_and_the_refusal_is_audited(tmp_path):
    added = _vms(tmp_path, "user", "add", "budi", "--role", "viewer", "--site", "CABANG-01",
                 "--password-stdin", stdin="rahasia-cabang-01\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    wrong = _vms(tmp_path, "share", "ho-lobby", *RANGE, "--to", "ops", "--user", "budi",
                 stdin="not-the-password\n")  # fmt: skip
    assert wrong.exit_code == 3 and "password is wrong" in wrong.output
    refused = _vms(tmp_path, "share", "ho-lobby", *RANGE, "--to", "ops", "--user", "budi",
                   stdin="rahasia-cabang-01\n")  # fmt: skip
    assert refused.exit_code == 3, refused.output
    assert "not allowed to share footage of site HO" in refused.output
    audit = SqliteAuditLog(tmp_path / "audit.sqlite3")
    events = audit.query(datetime(2026, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC), 10)
    assert [(e.username, e.action.value, e.camera, e.site) for e in events] == [
        ("budi", "share-refused", "ho-lobby", "HO")]  # fmt: skip
    assert not (tmp_path / "exports").exists() and not any(tmp_path.glob("**/share.json"))
