"""``vms alerts``: send a test message through the channels, list recorded alerts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, JsonOpt, fail
from edge_uploader.shell.commands.common import load_cli_config as _load
from footage.adapters.sqlite_alerts import ALERTS_DB_NAME, SqliteAlertStore
from footage.alerts.models import AlertFilter, AlertRecord, DeliveryStatus
from footage.alerts.probe import send_test
from footage.alerts.service import SiteInfo
from footage.clock import SystemClock
from footage.config import Config
from footage.localtime import format_site_time
from footage.notify.channels import build_channels

alerts_app = typer.Typer(help="Alert channels and the alerts recorded on this box.",
                         no_args_is_help=True)  # fmt: skip


def _store(data_dir: Path) -> SqliteAlertStore:
    store = SqliteAlertStore(data_dir.resolve() / ALERTS_DB_NAME)
    store.initialize()
    return store


def _sites(config: Config) -> dict[str, SiteInfo]:
    return {s.id: SiteInfo(s.name, s.timezone, {c.id: c.name for c in config.cameras
                                                if c.site == s.id})
            for s in config.sites}  # fmt: skip


@alerts_app.command("test")
def test(
    channel: Annotated[
        str | None, typer.Option("--channel", help="only this channel (alerts.channels key)")
    ] = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Send a test message to every recipient of each configured channel (or of
    --channel) now, and print whether each arrived. Recorded with the alerts.
    Exit 1 if any delivery failed, 2 for an unknown channel or none configured."""
    settings = _load(config, data_dir)
    alerts = settings.alerts
    if not alerts.channels:
        fail("no alert channels configured (alerts.channels)", 2)
    if channel is not None and channel not in alerts.channels:
        fail(f"no channel {channel!r} (configured: {', '.join(alerts.channels)})", 2)
    clock = SystemClock()
    channels = build_channels(alerts.channels, data_dir.resolve(), os.environ, clock.now)
    results = send_test(_store(data_dir), alerts, channels, _sites(settings),
                        settings.sites[0].id, channel, clock.now())  # fmt: skip
    for name in [channel] if channel else list(alerts.channels):
        if not any(r.channel == name for r in results):
            typer.echo(f"{name}: no recipients")
    for r in results:
        outcome = "delivered" if r.delivered else f"FAILED: {r.error}"
        typer.echo(f"{r.channel} -> {r.recipient} ({r.address}): {outcome}")
    if any(not r.delivered for r in results):
        raise typer.Exit(1)


@alerts_app.command("list")
def list_alerts(
    open_only: Annotated[bool, typer.Option("--open", help="only alerts not cleared")] = False,
    site: Annotated[str | None, typer.Option("--site", help="only this site")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """The alerts recorded here, newest first, in each site's clock: what, where,
    open or cleared, acknowledged by whom, and how many messages were delivered."""
    settings = _load(config, data_dir)
    sites = {s.id: s for s in settings.sites}
    if site is not None and site not in sites:
        fail(f"unknown site {site!r}", 2)
    flt = AlertFilter(sites=frozenset({site}) if site else None, open_only=open_only,
                      limit=limit)  # fmt: skip
    found = _store(data_dir).find(flt)
    if as_json:
        typer.echo(json.dumps([_json(a) for a in found], indent=2))
        return
    for a in found:
        zone = sites[a.site].timezone if a.site in sites else "UTC"
        typer.echo(_line(a, zone))
    if not found:
        typer.echo("no alerts")


def _line(a: AlertRecord, zone: str) -> str:
    cleared = a.cleared_at
    state = "OPEN" if cleared is None else f"cleared {format_site_time(cleared, zone)}"
    if a.acknowledged_by:
        state += f", acknowledged by {a.acknowledged_by}"
    done = sum(1 for d in a.deliveries if d.status is DeliveryStatus.DELIVERED)
    failed = sum(1 for d in a.deliveries if d.status is DeliveryStatus.FAILED)
    sent = f"{done}/{len(a.deliveries)} delivered" + (f", {failed} FAILED" if failed else "")
    return (f"{format_site_time(a.opened_at, zone)}  {a.severity.value:8} {a.rule.value:15} "
            f"{a.site} {a.camera or '-'}: {a.message} [{state}; {sent}] ({a.id})")  # fmt: skip


def _json(a: AlertRecord) -> dict[str, object]:
    return {
        "id": a.id, "rule": a.rule.value, "site": a.site, "camera": a.camera,
        "severity": a.severity.value, "opened_at": a.opened_at.isoformat(),
        "cleared_at": a.cleared_at.isoformat() if a.cleared_at else None,
        "message": a.message, "acknowledged_by": a.acknowledged_by,
        "deliveries": [{"channel": d.channel, "recipient": d.recipient, "event": d.event.value,
                        "status": d.status.value, "attempts": d.attempts,
                        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
                        "error": d.last_error} for d in a.deliveries],
    }  # fmt: skip
