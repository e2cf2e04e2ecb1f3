"""``vms verify --audit``: the on-prem trail (SQLite beside the index) verified,
and an edited event named (seq, time, action) in Indonesian and English, exit 1."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from typer.testing import CliRunner, Result

from edge_uploader.shell.commands.verify_audit import AuditOpt, SinceOpt, verify_audit_command
from footage.adapters.sqlite_audit import SqliteAuditLog
from footage.audit import AuditAction, AuditEvent

CONFIG = "sites: [{id: HO, name: Kantor Pusat}]\n"
T0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
app = typer.Typer()


@app.command()
def verify(
    audit: AuditOpt = False,
    since: SinceOpt = None,
    lang: Annotated[str, typer.Option()] = "en",
    data_dir: Annotated[Path, typer.Option()] = Path("var"),
) -> None:
    assert audit
    verify_audit_command(None, data_dir, since, lang)


def _vms(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--audit", *args, "--data-dir", str(tmp_path)])


def _trail(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG)
    log = SqliteAuditLog(tmp_path / "audit.sqlite3")
    log.initialize()
    for n, action in enumerate([AuditAction.LIVE, AuditAction.EXPORT, AuditAction.PLAYBACK]):
        log.record(AuditEvent(T0 + timedelta(minutes=n), "budi", action, "C1", "HO", "10.0.0.7"))


def test_an_intact_trail_exits_0(tmp_path: Path) -> None:
    _trail(tmp_path)
    done = _vms(tmp_path)
    assert done.exit_code == 0, done.output
    assert "audit trail intact: 3 events verified (seq 1-3)" in done.output
    since = _vms(tmp_path, "--since", "2026-12-05T10:01:30+07:00")
    assert since.exit_code == 0 and "2 events verified (seq 2-3)" in since.output


def test_an_edited_event_is_named_in_both_languages(tmp_path: Path) -> None:
    _trail(tmp_path)
    with sqlite3.connect(tmp_path / "audit.sqlite3") as db:
        db.execute("UPDATE audit SET username = 'someone-else' WHERE seq = 2")
    english = _vms(tmp_path)
    assert english.exit_code == 1
    assert "seq 2 2026-12-05T03:01:00.000Z export: altered" in english.output
    assert "AUDIT TRAIL BROKEN: 1 problem(s)" in english.output
    indonesian = _vms(tmp_path, "--lang", "id")
    assert indonesian.exit_code == 1 and "seq 2 2026-12-05T03:01:00.000Z export: diubah" in (
        indonesian.output
    )


def test_a_since_without_a_zone_is_refused(tmp_path: Path) -> None:
    _trail(tmp_path)
    done = _vms(tmp_path, "--since", "2026-12-05T10:00")
    assert done.exit_code == 2 and "give a zone" in done.output
