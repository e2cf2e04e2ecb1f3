"""Attacks on the data dir by another local user of the server, and on its keys.

The attacker has a shell on the VMS box under another account (a second service,
a backup or monitoring agent, a contractor's login) and reads whatever group or
others may read. They want the password hashes (``users.sqlite3`` and its
``-wal``/``-shm``, where fresh writes sit), the keys that sign tokens, media and
live links (``secrets/``), the resumable upload URLs in the edge journal, or who
watched what (``audit.sqlite3``). Every such file must be 0600 and ``secrets/``
0700, on a new install and on a data dir an older version left readable.

A key that is empty or short (a truncated file, a mistyped ``VMS_TOKEN_KEY``)
would make every token forgeable: it must be refused with a clear error.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from edge_uploader.shell.bootstrap import bootstrap
from footage.adapters.sqlite_audit import SqliteAuditLog
from footage.adapters.sqlite_login_limiter import SqliteLoginLimiter
from footage.adapters.sqlite_users import SqliteUserStore
from footage.audit import AuditAction, AuditEvent
from footage.config_loader import load_config
from footage.errors import ConfigError
from footage.services.accounts import authenticate
from functions.api import serve
from functions.api.serve import prepare

PASSWORD = "admin-password-1"
#: made by every install (each site's live key is in secrets/ too, named by footage.live)
KEYS = ("secrets/signing.key", "secrets/api-token.key")
DATABASES = ("users.sqlite3", "audit.sqlite3", "spool/journal.sqlite3")
SECRET_FILES = KEYS + tuple(db + suffix for db in DATABASES for suffix in ("", "-wal", "-shm"))
#: the users table as the first release made it (no token_version)
OLD_USERS = """CREATE TABLE users (
    username TEXT PRIMARY KEY, role TEXT NOT NULL, sites TEXT NOT NULL, password_hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0)"""
OLD_SCHEMAS = (OLD_USERS, "CREATE TABLE audit_v0 (x)", "CREATE TABLE journal_v0 (x)")


@pytest.fixture(autouse=True)
def usual_umask(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """022, as most services run: group and others may read what is not protected."""
    for key in ("VMS_SIGNING_KEY", "VMS_TOKEN_KEY", "VMS_LIVE_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("VMS_ADMIN_PASSWORD", PASSWORD)
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({
        "sites": [{"id": "HO", "name": "Kantor Pusat"}],
        "cameras": [{"id": "ho-lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"}],
    }))  # fmt: skip
    return path


def test_a_new_data_dir_keeps_every_secret_private(config: Path, tmp_path: Path) -> None:
    data = tmp_path / "var"
    prepare(config, data)
    with _in_use(config, data):
        assert _loose(data) == {}


def test_files_an_older_version_left_readable_are_made_private_on_start(
    config: Path, tmp_path: Path
) -> None:
    data = tmp_path / "var"
    with _older_version_files(data):
        assert set(_loose(data)) == {*SECRET_FILES, "secrets"}
        prepare(config, data)
        bootstrap(load_config(config), data).journal.initialize()
        assert _loose(data) == {}
    assert SqliteUserStore(data / "users.sqlite3").get("old-admin") is not None


@pytest.mark.parametrize("content", ["\n", "ab" * 16, "zz" * 32])
def test_an_empty_short_or_garbled_key_file_is_refused(
    config: Path, tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(serve, "configure_logging", lambda: None)  # keep pytest's handlers
    monkeypatch.setattr(serve.uvicorn, "run", lambda *_, **__: None)  # never serve here
    data = tmp_path / "var"
    (data / "secrets").mkdir(parents=True)
    (data / "secrets" / "api-token.key").write_text(content)
    code = serve.main(["--config", str(config), "--data-dir", str(data)])
    error = capsys.readouterr().err
    assert code == 2 and "api-token.key" in error, error
    assert "at least 32 bytes" in error or "not hex" in error
    assert (data / "secrets" / "api-token.key").read_text() == content  # never replaced


@pytest.mark.parametrize("value", ["", "00" * 16, "00" * 31])
def test_an_empty_or_short_token_key_in_the_environment_is_refused(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("VMS_TOKEN_KEY", value)
    with pytest.raises(ConfigError, match=r"VMS_TOKEN_KEY.*at least 32 bytes"):
        prepare(config, tmp_path / "var")
    monkeypatch.setenv("VMS_TOKEN_KEY", "00" * 32)
    prepare(config, tmp_path / "var")  # 32 bytes: accepted


def _loose(data: Path) -> dict[str, str]:
    """Each secret file (which must all exist), any other file in ``secrets/``,
    and ``secrets/`` itself, whose mode lets group or others in, with that mode."""
    keys = [str(p.relative_to(data)) for p in (data / "secrets").iterdir()]
    found = {p: oct((data / p).stat().st_mode & 0o777) for p in {*SECRET_FILES, *keys}}
    found["secrets"] = oct((data / "secrets").stat().st_mode & 0o777)
    private = {p: m for p, m in found.items() if m in ("0o600", "0o700")}
    return {p: m for p, m in found.items() if p not in private}


@contextmanager
def _in_use(config: Path, data: Path) -> Iterator[None]:
    """Every database written to and still open, as in a running system: SQLite
    keeps the -wal and -shm files while a connection is open."""
    now = datetime.now(UTC)
    users = SqliteUserStore(data / "users.sqlite3")
    limiter = SqliteLoginLimiter(data / "users.sqlite3")
    authenticate(users, limiter, "admin", PASSWORD, "10.0.0.5", now)
    audit = SqliteAuditLog(data / "audit.sqlite3")
    audit.record(AuditEvent(now, "admin", AuditAction.LIVE, "ho-lobby", "HO", "10.0.0.5"))
    journal = bootstrap(load_config(config), data).journal
    journal.initialize()
    journal.sessions.save("segments/HO/x.mp4", "https://storage.example/upload?session=secret")
    yield
    users.close()
    limiter.close()


@contextmanager
def _older_version_files(data: Path) -> Iterator[None]:
    """What an older version left: keys 0644 in a 0755 ``secrets/``, and the
    databases 0644 with a -wal and -shm (a process still has them open)."""
    (data / "secrets").mkdir(parents=True, mode=0o755)
    for key in KEYS:
        (data / key).write_text("ab" * 32)
    (data / "spool").mkdir()
    with ExitStack() as stack:
        for name, schema in zip(DATABASES, OLD_SCHEMAS, strict=True):
            db = stack.enter_context(_open_wal(data / name))
            db.execute(schema)
        users = stack.enter_context(_open_wal(data / DATABASES[0]))
        users.execute("INSERT INTO users VALUES ('old-admin', 'admin', '[]', 'x', 0, 0)")
        yield


@contextmanager
def _open_wal(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    try:
        yield db
    finally:
        db.close()
