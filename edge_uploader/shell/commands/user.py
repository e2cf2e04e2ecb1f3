"""``vms user``: local accounts of the on-prem viewer (AWS uses Cognito).

disable, enable, remove and passwd revoke the user's tokens at once (the API
checks the account's token version on every request)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import (
    ConfigOpt,
    DataDirOpt,
    JsonOpt,
    fail,
    load_cli_config,
)
from footage.adapters.sqlite_users import SqliteUserStore
from footage.auth import Role
from footage.config_loader import resolve_paths
from footage.errors import UserError
from footage.services.accounts import add_user, change_password

user_app = typer.Typer(help="Local viewer accounts (admin, or viewer of some sites).")


def _store(config: Path | None, data_dir: Path) -> tuple[SqliteUserStore, list[str]]:
    settings = load_cli_config(config, data_dir)
    store = SqliteUserStore(resolve_paths(settings, data_dir).users)
    store.initialize()
    return store, [site.id for site in settings.sites]


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[Role, typer.Option(help="admin sees every site; viewer only its --site")],
    site: Annotated[
        list[str] | None, typer.Option(help="a site the viewer may see (repeat)")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Add user NAME. The password comes from stdin (never from the command line)."""
    password = _password_from_stdin(password_stdin)
    store, sites = _store(config, data_dir)
    try:
        user = add_user(store, sites, name, role, site or [], password, datetime.now(UTC))
    except UserError as exc:
        fail(str(exc), 2)
    where = "every site" if user.role is Role.ADMIN else ", ".join(sorted(user.sites))
    typer.echo(f"added {user.username} ({user.role.value}: {where})")


@user_app.command("list")
def user_list(
    config: ConfigOpt = None, data_dir: DataDirOpt = Path("var"), as_json: JsonOpt = False
) -> None:
    """Every local user with role and sites (never the password hashes)."""
    store, _ = _store(config, data_dir)
    users = store.list()
    if as_json:
        rows = [
            {"username": u.username, "role": u.role.value, "sites": sorted(u.sites),
             "created": u.created.isoformat(), "disabled": u.disabled}
            for u in users
        ]  # fmt: skip
        typer.echo(json.dumps(rows, indent=2))
        return
    for u in users:
        sites = ",".join(sorted(u.sites)) or "*"
        state = "  (disabled)" if u.disabled else ""
        typer.echo(f"{u.username:<20} {u.role.value:<7} {sites}{state}")


NameArg = Annotated[str, typer.Argument(help="the user name")]


@user_app.command("disable")
def user_disable(
    name: NameArg, config: ConfigOpt = None, data_dir: DataDirOpt = Path("var")
) -> None:
    """Disable user NAME: no login, and their tokens stop working at once."""
    _change(config, data_dir, f"{name} disabled", lambda store: store.set_disabled(name, True))


@user_app.command("enable")
def user_enable(
    name: NameArg, config: ConfigOpt = None, data_dir: DataDirOpt = Path("var")
) -> None:
    """Enable user NAME again (they log in anew)."""
    _change(config, data_dir, f"{name} enabled", lambda store: store.set_disabled(name, False))


@user_app.command("remove")
def user_remove(
    name: NameArg, config: ConfigOpt = None, data_dir: DataDirOpt = Path("var")
) -> None:
    """Remove user NAME; their tokens stop working at once."""
    _change(config, data_dir, f"{name} removed", lambda store: store.remove(name))


@user_app.command("passwd")
def user_passwd(
    name: NameArg,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the new password from standard input")
    ] = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Set a new password for NAME (from stdin); their tokens stop working at once."""
    password = _password_from_stdin(password_stdin)
    _change(config, data_dir, f"{name} has a new password",
            lambda store: change_password(store, name, password))  # fmt: skip


def _password_from_stdin(password_stdin: bool) -> str:
    if not password_stdin:
        fail("give the password on standard input with --password-stdin", 2)
    return sys.stdin.readline().rstrip("\r\n")


def _change(
    config: Path | None, data_dir: Path, done: str, change: Callable[[SqliteUserStore], None]
) -> None:
    """Make an account change (each one revokes the user's tokens) and say so."""
    store, _ = _store(config, data_dir)
    try:
        change(store)
    except UserError as exc:
        fail(str(exc), 2)
    typer.echo(f"{done} (their tokens are revoked)")
