"""``vms verify``: check evidence offline (footage.services.verify, verify_range).

``vms verify PACKAGE.zip`` needs nothing but the package: no data dir, no
config, no network (``--config`` only adds whether its keys are the registered
ones; ``--tsa-ca FILE`` checks its RFC 3161 time-stamps against that CA).
``vms verify --range CAMERA START END`` reads the storage of a config.
Exit 0 only if every check holds; 1 names what broke; 2 for bad input.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import (
    ConfigOpt,
    DataDirOpt,
    fail,
    load_cli_config,
    runtime,
    when,
)
from edge_uploader.shell.commands.verify_audit import AuditOpt, SinceOpt, verify_audit_command
from footage.manifest import verifier_keys
from footage.services.evidence_export import sources_from_config
from footage.services.verify import verify_package
from footage.services.verify_checks import Report
from footage.services.verify_range import verify_range
from footage.services.verify_text import language, render

RangeOpt = Annotated[
    tuple[str, str, str] | None,
    typer.Option("--range", metavar="CAMERA START END",
                 help="check a camera's stored footage of [START, END) (ISO 8601 with zone)"
                 " against its signed manifests"),
]  # fmt: skip
TsaCaOpt = Annotated[
    Path | None,
    typer.Option("--tsa-ca", metavar="FILE",
                 help="the time-stamp authority's CA certificate (PEM): check the package's"
                 " RFC 3161 tokens with it (without it they are only listed)"),
]  # fmt: skip
LangOpt = Annotated[
    str | None, typer.Option("--lang", help="id or en (default: from LANG, else id)")
]


def verify(
    package: Annotated[Path | None, typer.Argument(help="an evidence package (.zip)")] = None,
    range_: RangeOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
    lang: LangOpt = None,
    audit: AuditOpt = False,
    since: SinceOpt = None,
    tsa_ca: TsaCaOpt = None,
) -> None:
    """Check an evidence package (signatures, chain, every hash, the clip's frames)
    or a camera's footage in storage against the signed manifests; say exactly what
    broke, naming the segment. Exit 0 only if everything holds."""
    words = language(lang, os.environ.get("LANG"))
    if audit:  # the audit trail's hash chain (H2: edge_uploader/shell/commands/verify_audit.py)
        verify_audit_command(config, data_dir, since, words)
    if (package is None) == (range_ is None):
        fail("give a PACKAGE.zip or --range CAMERA START END (one of them)", 2)
    if package is not None:
        if not package.is_file():
            fail(f"no package at {package}", 2)
        registered = None
        if config is not None:
            cfg = load_cli_config(config, data_dir)
            registered = {s.id: verifier_keys(s.signing_keys) for s in cfg.sites}
        _report(verify_package(package, registered, _tsa_ca(tsa_ca)), words)
    assert range_ is not None
    if tsa_ca is not None:
        fail("--tsa-ca checks the time-stamps of a PACKAGE.zip, not of --range", 2)
    _verify_range(range_, config, data_dir, words)


def _tsa_ca(path: Path | None) -> bytes | None:
    """The CA certificate's PEM, or exit 2 when it cannot be read or is not one."""
    if path is None:
        return None
    try:
        pem = path.read_bytes()
    except OSError as exc:
        fail(f"--tsa-ca: cannot read {path}: {exc.strerror or exc}", 2)
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        fail(f"--tsa-ca: {path} holds no PEM certificate", 2)
    return pem


def _verify_range(range_: tuple[str, str, str], config: Path | None, data_dir: Path,
                  words: str) -> None:  # fmt: skip
    camera_id, first, last = range_
    start, end = when(first, "START"), when(last, "END")
    assert start is not None and end is not None
    if end <= start:
        fail("END must be after START", 2)
    rt = runtime(config, data_dir)
    camera = rt.config.camera(camera_id)
    if camera is None:
        fail(f"no camera {camera_id!r} in the config", 2)
    sources = sources_from_config(rt.config, camera.site)
    today = rt.clock.now().date()
    _report(verify_range(rt.storage, sources, camera.site, camera.id, start, end, today), words)


def _report(report: Report, words: str) -> None:
    for text in render(report, words):
        typer.echo(text)
    raise typer.Exit(0 if report.ok else 1)
