"""``vms calibrate`` and ``vms compress``: the edge's calibration and compression
on your own footage (edge_uploader.file_calibration). ``--config`` (or the data
dir's config) supplies the quality targets and the CPU budget; without one the
defaults apply."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.file_calibration import calibrate_files, compress_file
from edge_uploader.shell.commands.common import (
    ConfigOpt,
    DataDirOpt,
    JsonOpt,
    fail,
    load_cli_config,
)
from footage.calibration import Calibration
from footage.config import CompressionConfig
from footage.errors import MediaError

FilesArg = Annotated[list[Path], typer.Argument(help="video files (MP4, MKV, TS...)")]


def _settings(config: Path | None, data_dir: Path) -> CompressionConfig:
    if config is None and not (data_dir / "config.yaml").exists():
        return CompressionConfig()
    return load_cli_config(config, data_dir).uploader.compression


def _table(calibration: Calibration) -> None:
    typer.echo(f"encoder {calibration.encoder}; {calibration.trials} trials,"
               f" {calibration.cpu_s:.0f} CPU-s")  # fmt: skip
    if calibration.seed_vmaf is not None:
        seed = calibration.seed_vmaf
        typer.echo(f"the seed (x264 medium crf 28) on the samples: VMAF {seed:.2f};"
                   f" level 1 keeps at least that - {calibration.seed_points:g}"
                   " where it is above its floor")  # fmt: skip
    typer.echo("level  floor  setting                                 bytes   VMAF   CPU-s/min")
    for c in calibration.levels:
        vmaf = f"{c.vmaf:6.2f}" if c.vmaf is not None else "     -"
        typer.echo(f"{c.level:>5}  {c.promise:5.1f}  {c.setting:<38} {c.ratio:6.1%} {vmaf}"
                   f"  {c.cpu_s_per_min:9.1f}{'  (' + c.why + ')' if c.why else ''}")  # fmt: skip


def calibrate(
    files: FilesArg, as_json: JsonOpt = False, config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:  # fmt: skip
    """The ladder the edge would choose for this footage: per level its encoder and
    settings, bytes ratio, VMAF against the file and CPU-s per footage-minute."""
    settings = _settings(config, data_dir)
    try:
        result = calibrate_files(files, settings, datetime.now(UTC))
    except MediaError as exc:
        fail(str(exc), 2 if "no such file" in str(exc) else 1)
    if as_json:
        typer.echo(result.model_dump_json(indent=1))
    else:
        _table(result)


def compress(
    file: Annotated[Path, typer.Argument(help="the video file to compress")],
    output: Annotated[Path, typer.Option("--output", "-o", help="where to write the MP4")],
    level: Annotated[int, typer.Option("--level", "-l", min=1, help="adaptive level")] = 1,
    as_json: JsonOpt = False, config: ConfigOpt = None, data_dir: DataDirOpt = Path("var"),
) -> None:  # fmt: skip
    """Compress FILE as the edge would at --level: calibrate on it, encode it whole
    with that level's setting, and print the same figures as calibrate."""
    settings = _settings(config, data_dir)
    if output.resolve() == file.resolve():
        fail("--output must not be the input file", 2)
    try:
        made, calibration = compress_file(file, output, level, settings, datetime.now(UTC))
    except ValueError as exc:
        fail(str(exc), 2)
    except MediaError as exc:
        fail(str(exc), 2 if "no such file" in str(exc) else 1)
    if as_json:
        typer.echo(made.model_dump_json(indent=1))
        return
    _table(calibration)
    vmaf = f"VMAF {made.vmaf:.2f}" if made.vmaf is not None else "as recorded"
    typer.echo(f"{made.output}: level {made.level} ({made.setting}) {made.bytes_out} bytes,"
               f" {made.ratio:.1%} of {made.bytes_in}, {vmaf} (floor {made.floor:g}),"
               f" {made.cpu_s_per_min:.1f} CPU-s per footage-minute on {made.encoder}")  # fmt: skip
