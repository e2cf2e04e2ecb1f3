"""``vms share``: send a camera's range to a configured recipient (a Telegram chat or
an e-mail address: ``alerts.recipients``) as one message with a thumbnail, the
site's time and an expiring link to the clip, as the viewer's Share does.

It acts as a viewer account (``--user NAME``, its password asked on the terminal
or piped on stdin, checked like a login): the account's role must be allowed to
share (``sharing.roles``) and a branch user shares only their branch. The clip is
cut here, then sent; everything is audited (a refusal too).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.bootstrap import Runtime
from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, fail, runtime, when
from footage.adapters.factory import build_audit_log
from footage.adapters.sqlite_login_limiter import SqliteLoginLimiter
from footage.adapters.sqlite_users import SqliteUserStore
from footage.audit import AuditAction, AuditEvent
from footage.auth import Principal
from footage.errors import AuthError, NotFound, ShareRefused
from footage.localtime import format_site_time
from footage.notify.base import Channel
from footage.notify.channels import build_channels
from footage.services.accounts import authenticate
from footage.services.exports import ExportStatus, ExportStore, run_export
from footage.services.share import Sender, deliver_share, start_share

CLI_CLIENT = "cli"
TimeOpt = Annotated[str, typer.Option(help="ISO 8601 with zone")]


def share(
    camera: str,
    start: TimeOpt,
    end: TimeOpt,
    to: Annotated[str, typer.Option(help="a recipient's name (alerts.recipients)")],
    user: Annotated[str, typer.Option(help="the viewer account sharing (vms user)")],
    clip: Annotated[
        bool, typer.Option(help="send the clip itself too (Telegram; sharing.send_clip)")
    ] = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Share CAMERA from --start to --end with recipient --to: a message with a
    thumbnail, the site's time and a link to the clip that expires
    (sharing.link_hours). Asks for the --user account's password."""
    lo, hi = when(start, "--start"), when(end, "--end")
    assert lo is not None and hi is not None
    rt = runtime(config, data_dir)
    password = typer.prompt(f"password of {user}", hide_input=True, err=True)
    who = _login(rt, user, password)
    audit = build_audit_log(rt.config.index, rt.paths)
    audit.initialize()
    rt.catalog.initialize()
    store = ExportStore(rt.storage)
    event = _event(rt, who.username, camera, lo, hi)
    quota = rt.config.api.export_quota(who.is_admin)
    try:
        job, _ = start_share(store, rt.catalog, rt.config, who, (camera, lo, hi, to),
                             rt.clock.now(), quota, clip=clip)  # fmt: skip
    except (ShareRefused, NotFound, ValueError) as exc:
        audit.record(event(AuditAction.SHARE_REFUSED, str(exc)))
        fail(f"refused: {exc}", 2 if isinstance(exc, ValueError) else 3)
    audit.record(event(AuditAction.SHARE, f"to {to}" + (" with the clip" if clip else "")))
    _send(rt, store, job.id, to)


def _send(rt: Runtime, store: ExportStore, export_id: str, to: str) -> None:
    job = run_export(store, rt.catalog, export_id, rt.paths.data_dir / "tmp", rt.clock.now)
    if job.status is not ExportStatus.DONE:
        fail(f"the clip could not be cut: {job.error}", 1)
    built = build_channels(rt.config.alerts.channels, rt.paths.data_dir, os.environ, rt.clock.now)
    channels = {name: c for name, c in built.items() if isinstance(c, Channel)}
    sender = Sender(channels, rt.clock.now, rt.paths.data_dir / "tmp")
    sent = deliver_share(store, rt.catalog, rt.config, sender, job.id)
    if sent is None or sent.status != "delivered":
        fail(f"not sent to {to}: {sent.error if sent else 'no share'}", 1)
    zone = rt.config.site(job.site).timezone
    until = format_site_time(sent.link_expires_at, zone) if sent.link_expires_at else "?"
    span = f"{format_site_time(job.start, zone)} .. {format_site_time(job.end, zone)}"
    typer.echo(f"sent {job.camera} {span} to {to}; the link works until {until}")


def _login(rt: Runtime, name: str, password: str) -> Principal:
    users = SqliteUserStore(rt.paths.users)
    users.initialize()
    limiter = SqliteLoginLimiter(rt.paths.users)
    limiter.initialize()
    try:
        return authenticate(users, limiter, name, password, CLI_CLIENT, rt.clock.now()).principal()
    except AuthError:
        fail(f"refused: {name!r} is not an enabled account, or the password is wrong", 3)


def _event(
    rt: Runtime, username: str, camera: str, lo: datetime, hi: datetime
) -> Callable[[AuditAction, str], AuditEvent]:
    known = rt.config.camera(camera)
    site = known.site if known else ""

    def make(action: AuditAction, detail: str) -> AuditEvent:
        return AuditEvent(rt.clock.now(), username, action, camera, site, CLI_CLIENT, lo, hi,
                          detail)  # fmt: skip

    return make
