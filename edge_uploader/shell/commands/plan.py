"""``vms plan``: before buying a line or a box, whether each site's uplink carries
its cameras' footage, and what the deployment costs in AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, JsonOpt, load_cli_config
from footage.config import Config
from footage.config_loader import resolve_paths
from footage.plan.figures import Measured, from_history
from footage.plan.text import plan_lines
from footage.services.plan import DEFAULT_HOURS_WATCHED, plan_deployment

#: The spool's history the plan measures cameras over.
HISTORY_DAYS = 7


def plan(
    as_json: JsonOpt = False,
    hours_watched: Annotated[
        float,
        typer.Option(
            "--hours-watched",
            min=0,
            max=10_000_000,
            help="hours of footage watched a month, all cameras (transfer out)",
        ),
    ] = DEFAULT_HOURS_WATCHED,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Per site: whether the uplink carries the day's footage within the upload
    schedule, at which compression level, the backlog's peak and when it drains, and
    the CPU the edge needs; per deployment: storage after 6 months and the monthly AWS
    cost next to Kinesis Video Streams. Uses what this box measured (the spool's last
    7 days, the cameras' calibrations) where it has, else the config and assumed
    figures (each figure says which). Exit 1 if a site cannot keep up."""
    loaded = load_cli_config(config, data_dir)
    result = plan_deployment(loaded, _measured(loaded, data_dir), hours_watched)
    if as_json:
        typer.echo(result.model_dump_json(indent=1))
    else:
        for line in plan_lines(result):
            typer.echo(line)
    if not all(s.keeps_up for s in result.sites):
        raise typer.Exit(1)


def _measured(config: Config, data_dir: Path) -> Measured:
    """What this box measured: its spool's history, if it has a journal, and its
    cameras' calibrations (nothing is created)."""
    from edge_uploader.calibrator import CalibrationStore
    from edge_uploader.journal.history import JOURNAL_NAME, camera_history
    from edge_uploader.journal.store import Journal

    store = CalibrationStore(data_dir / "calibration", config.uploader.compression.calibration)
    calibrations = {c.id: found for c in config.cameras if (found := store.load(c.id))}
    path = resolve_paths(config, data_dir).spool / JOURNAL_NAME
    recorded: dict[str, tuple[int, int]] = {}
    encoded: dict[tuple[str, str], tuple[int, int]] = {}
    if path.exists():  # else nothing recorded here (yet)
        journal = Journal(path)
        journal.initialize()  # an older journal gains the columns read here
        history = camera_history(journal.db, datetime.now(UTC) - timedelta(days=HISTORY_DAYS))
        recorded, encoded = history.recorded, history.encoded
    where = f"this box's spool (last {HISTORY_DAYS} days) and calibrations"
    return from_history(config, recorded, encoded, calibrations, where)
