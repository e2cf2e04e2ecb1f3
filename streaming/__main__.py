"""The on-prem live relay.

    python -m streaming config --config site.yaml --data-dir var   # print nginx.conf
    python -m streaming run --config site.yaml --data-dir var      # nginx + relays

``vms relay config`` runs the first; ``vms up`` supervises the second.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import threading
from pathlib import Path

from footage.clock import SystemClock
from footage.config import Config
from footage.config_loader import load_config, resolve_paths
from footage.errors import FootageError
from footage.live import live_keys
from footage.logs import configure_logging_from_env
from footage.procs import interrupt_once
from streaming.nginx import RelayPaths, render
from streaming.supervisor import RelaySupervisor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streaming", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("config", "print the relay's nginx.conf"),
                       ("run", "run nginx and the camera relays")):  # fmt: skip
        command = commands.add_parser(name, help=text)
        command.add_argument("--config", type=Path, required=True)
        command.add_argument("--data-dir", type=Path, required=True)
        command.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve the LAN")
        command.add_argument("--port", type=int, help="the viewer's port (relay.http_port)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        if args.port:
            config = Config.model_validate(
                {**config.model_dump(), "relay": {**config.relay.model_dump(),
                                                  "http_port": args.port}}
            )  # fmt: skip
    except (FootageError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    data_dir = resolve_paths(config, args.data_dir).data_dir
    try:
        keys = live_keys(data_dir, config, os.environ)
    except FootageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    run_as = getpass.getuser() if os.geteuid() == 0 else None
    if args.command == "config":
        conf = render(config, RelayPaths(data_dir / "relay"), keys, args.host, run_as)
        print(conf, end="")
        return 0
    configure_logging_from_env()
    supervisor = RelaySupervisor(
        config, data_dir, keys, SystemClock(), host=args.host, run_as=run_as
    )
    interrupt_once()
    try:
        supervisor.run(threading.Event())
    except KeyboardInterrupt:
        pass
    except FootageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
