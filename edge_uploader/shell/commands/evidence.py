"""``vms evidence``: evidence holds (legal holds), footage nobody may delete.

``protect`` is for whoever runs the CLI on the box (root, the box's operator):
placing a hold never loses footage. ``release`` lets footage expire again, so it
needs an admin account of the viewer (``vms user``, role admin): ``--admin NAME``
and that account's password, asked on the terminal (or piped on stdin), checked
like a login (rate-limited per account). Everything is audited: who (the login
name of the shell for protect, the admin account for release), when, the range,
the reason and how many segments; a refused release too.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.bootstrap import Runtime
from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, fail, runtime, when
from footage.adapters.factory import build_audit_log
from footage.adapters.sqlite_login_limiter import SqliteLoginLimiter
from footage.adapters.sqlite_users import SqliteUserStore
from footage.auth import Role
from footage.errors import AuthError, NotFound
from footage.localtime import format_site_time
from footage.models import Protection
from footage.services.accounts import authenticate
from footage.services.evidence import (
    EvidenceDesk,
    HoldOutcome,
    Requester,
    hold_id,
    place_hold,
    refuse_release,
    release_hold,
)
from footage.services.manifest_find import site_classes

evidence_app = typer.Typer(help="Evidence holds: footage nobody may delete until released.")
CLI_CLIENT = "cli"
StartOpt = Annotated[str, typer.Option(help="ISO 8601 with zone")]


@evidence_app.command("protect")
def evidence_protect(
    camera: str,
    start: StartOpt,
    end: StartOpt,
    reason: Annotated[str, typer.Option(help="case number or why")],
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Put footage of CAMERA between --start and --end under an evidence hold (a legal
    hold in the store); what of it still waits in this edge's spool is uploaded
    before anything else."""
    lo, hi = _range(start, end)
    rt = runtime(config, data_dir)
    site = _site(rt, camera)
    if not reason.strip():
        fail("--reason must say why (a case number)", 2)
    user = os.environ.get("SUDO_USER") or os.environ.get("USER") or CLI_CLIENT
    hold = Protection(camera, lo, hi, reason.strip(), user)
    rt.catalog.initialize()
    outcome = place_hold(_desk(rt), Requester(user, True, CLI_CLIENT), hold, site)
    rt.journal.initialize()
    queued = rt.journal.uploads.mark_evidence(camera, lo, hi)
    first = f", {queued} in the spool go first in the upload queue" if queued else ""
    typer.echo(f"protected {camera} {_span(rt, site, outcome)} "
               f"({outcome.segments} segments{first}); hold {outcome.id}")  # fmt: skip


@evidence_app.command("release")
def evidence_release(
    camera: str,
    start: StartOpt,
    end: StartOpt,
    admin: Annotated[str, typer.Option(help="an admin account of the viewer (vms user)")],
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Release the evidence hold of CAMERA from --start to --end (exactly as placed;
    see `vms evidence list`): its footage expires with its retention again. Asks for
    the --admin account's password; a refusal is audited."""
    lo, hi = _range(start, end)
    rt = runtime(config, data_dir)
    site = _site(rt, camera)
    desk = _desk(rt)
    asked = Protection(camera, lo, hi, "", admin)
    password = typer.prompt(f"password of {admin}", hide_input=True, err=True)
    who = _admin(rt, admin, password)
    if who is None:
        refuse_release(desk, Requester(admin, False, CLI_CLIENT), asked, site,
                       "not an administrator, or a wrong password")  # fmt: skip
        fail(f"refused: {admin!r} is not an enabled admin account, or the password is wrong", 3)
    retention = rt.config.camera(camera)
    days = retention.retention_days if retention else None
    try:
        outcome = release_hold(desk, who, hold_id(asked), site, days)
    except NotFound as exc:
        fail(f"{exc} (see vms evidence list)", 2)
    typer.echo(f"released {camera} {_span(rt, site, outcome)} ({outcome.segments} segments)")


@evidence_app.command("list")
def evidence_list(
    camera: Annotated[str | None, typer.Argument(help="only this camera")] = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Every evidence hold: camera, range, who placed it and why."""
    rt = runtime(config, data_dir)
    rt.catalog.initialize()
    for hold in rt.catalog.list_protections(camera):
        known = rt.config.camera(hold.camera)
        zone = rt.config.site(known.site).timezone if known else "UTC"
        span = f"{format_site_time(hold.start, zone)} .. {format_site_time(hold.end, zone)}"
        typer.echo(f"{hold_id(hold)}  {hold.camera}  {span}  by {hold.created_by}: {hold.reason}")


def _range(start: str, end: str) -> tuple[datetime, datetime]:
    lo, hi = when(start, "--start"), when(end, "--end")
    assert lo is not None and hi is not None
    if hi <= lo:
        fail("--end must be after --start", 2)
    return lo, hi


def _site(rt: Runtime, camera: str) -> str:
    known = rt.config.camera(camera)
    if known is None:
        fail(f"unknown camera {camera!r}", 2)
    return known.site


def _desk(rt: Runtime) -> EvidenceDesk:
    audit = build_audit_log(rt.config.index, rt.paths)
    audit.initialize()
    return EvidenceDesk(rt.catalog, rt.storage, audit, rt.clock.now(), site_classes(rt.config))


def _admin(rt: Runtime, name: str, password: str) -> Requester | None:
    """The admin account ``name`` if ``password`` is its own (a login, rate-limited)."""
    users = SqliteUserStore(rt.paths.users)
    users.initialize()
    limiter = SqliteLoginLimiter(rt.paths.users)
    limiter.initialize()
    try:
        user = authenticate(users, limiter, name, password, CLI_CLIENT, rt.clock.now())
    except AuthError:
        return None
    return Requester(user.username, True, CLI_CLIENT) if user.role is Role.ADMIN else None


def _span(rt: Runtime, site: str, outcome: HoldOutcome) -> str:
    zone = rt.config.site(site).timezone
    hold = outcome.protection
    return f"{format_site_time(hold.start, zone)} .. {format_site_time(hold.end, zone)}"
