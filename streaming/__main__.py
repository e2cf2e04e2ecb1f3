"""``python -m streaming config --config site.yaml --data-dir var``: print the relay's
nginx.conf (``vms relay config`` runs this)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from footage.config_loader import load_config, resolve_paths
from footage.errors import FootageError
from footage.secrets import LIVE_KEY, installation_key
from streaming.nginx import RelayPaths, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streaming", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("config", help="print the relay's nginx.conf")
    show.add_argument("--config", type=Path, required=True)
    show.add_argument("--data-dir", type=Path, required=True)
    show.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve the LAN")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except FootageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    data_dir = resolve_paths(config, args.data_dir).data_dir
    secret = installation_key(data_dir, LIVE_KEY, os.environ)
    run_as = getpass.getuser() if os.geteuid() == 0 else None
    print(render(config.relay, RelayPaths(data_dir / "relay"), secret, args.host, run_as), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
