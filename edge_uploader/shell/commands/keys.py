"""``vms keys``: the site's signing key of the chain of custody (edge_uploader.chain.keys).

``vms keys init`` makes each site's key if it has none (never overwrites one;
``--rotate`` replaces it and appends a ``rekey`` record to each camera's chain);
``vms keys show`` prints the public keys as the YAML to paste under the site's
``signing_keys`` in the config, where verifiers read them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from edge_uploader.shell.commands.common import ConfigOpt, DataDirOpt, fail, runtime

keys_app = typer.Typer(help="The site's signing key for signed manifests (chain of custody).")
SiteOpt = Annotated[
    str | None, typer.Option("--site", help="one site (default: every site with cameras)")
]


@keys_app.command("init")
def keys_init(
    rotate: Annotated[
        bool,
        typer.Option("--rotate", help="replace it (the old key stays valid for its window)"),
    ] = False,
    site: SiteOpt = None,
    config: ConfigOpt = None,
    data_dir: DataDirOpt = Path("var"),
) -> None:
    """Make the site's signing key if it has none (an existing key is kept)."""
    from edge_uploader.chain.keys import init_key

    rt = runtime(config, data_dir)
    sites = _sites(rt.site_cameras(), site)
    rt.journal.initialize()
    for name, cameras in sites.items():
        change = init_key(rt.paths.data_dir, name, rt.clock.now(), rotate_key=rotate)
        rekeyed = rt.journal.chain.register_key(name, change.key.key_id, cameras, rt.clock.now())
        if change.retired is not None:
            typer.echo(f"{name}: rotated {change.retired.key_id} -> {change.key.key_id} "
                       f"({rekeyed} rekey records)")  # fmt: skip
        elif change.made:
            typer.echo(f"{name}: made {change.key.key_id}")
        else:
            typer.echo(f"{name}: kept {change.key.key_id} (use --rotate to replace it)")
    typer.echo("register the public keys: vms keys show")


@keys_app.command("show")
def keys_show(
    site: SiteOpt = None, config: ConfigOpt = None, data_dir: DataDirOpt = Path("var")
) -> None:
    """Print the YAML to paste under each site's signing_keys in the config."""
    from edge_uploader.chain.keys import history, signing_keys_yaml

    rt = runtime(config, data_dir)
    shown = 0
    for name in _sites(rt.site_cameras(), site):
        entries = history(rt.paths.data_dir, name)
        if entries:
            typer.echo(signing_keys_yaml(name, entries))
            shown += 1
        else:
            typer.echo(f"# site {name}: no signing key yet (vms keys init)", err=True)
    if not shown:
        raise typer.Exit(1)


def _sites(all_sites: dict[str, list[str]], site: str | None) -> dict[str, list[str]]:
    if site is None:
        return all_sites
    if site not in all_sites:
        fail(f"--site {site}: no camera of the config is at that site", 2)
    return {site: all_sites[site]}
