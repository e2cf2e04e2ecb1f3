"""``vms footage``: query recorded footage, in the site's own clock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, JsonOpt, runtime, when
from footage.localtime import format_site_time
from footage.models import Segment

footage_app = typer.Typer(help="Query recorded footage.")


@footage_app.command("ls")
def footage_ls(
    site: Annotated[str | None, typer.Option(help="site id")] = None,
    camera: Annotated[str | None, typer.Option(help="camera id")] = None,
    start: Annotated[str | None, typer.Option(help="ISO 8601 with zone")] = None,
    end: Annotated[str | None, typer.Option(help="ISO 8601 with zone")] = None,
    quarantined: Annotated[
        bool, typer.Option(help="include quarantined files and rows kept apart (conflicts)")
    ] = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """List indexed footage (all of it when no filter is given)."""
    from footage.services.footage_query import FootageFilter, list_footage

    query = FootageFilter(site, camera, when(start, "--start"), when(end, "--end"), quarantined)
    rt = runtime(config, data_dir)
    rt.catalog.initialize()
    segments = list_footage(rt.catalog, rt.camera_sites, query)
    if as_json:
        typer.echo(json.dumps([segment_json(s) for s in segments], indent=1))
        return
    zones = {s.id: s.timezone for s in rt.config.sites}  # people read the site's clock
    for seg in segments:
        typer.echo(
            f"{seg.camera:<16} {format_site_time(seg.start, zones.get(seg.site, 'UTC')):<24} "
            f"{seg.duration_s:6.1f}s {seg.size_bytes / 1e6:7.2f} MB {seg.codec:<5} "
            f"{seg.width}x{seg.height} {seg.key}"
        )
    typer.echo(f"{len(segments)} segments", err=True)


def segment_json(seg: Segment) -> dict[str, object]:
    data: dict[str, object] = {
        "camera": seg.camera, "site": seg.site,
        "start": seg.start.isoformat().replace("+00:00", "Z"),
        "end": seg.end.isoformat().replace("+00:00", "Z"),
        "duration_s": round(seg.duration_s, 3), "size_bytes": seg.size_bytes,
        "sha256": seg.sha256, "key": seg.key, "codec": seg.codec,
        "width": seg.width, "height": seg.height,
    }  # fmt: skip
    if seg.status.value != "ok":
        data |= {"status": seg.status.value, "reason": seg.reason}
    return data
