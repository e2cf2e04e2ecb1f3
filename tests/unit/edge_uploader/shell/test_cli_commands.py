"""``vms``'s commands, their help and their options, against a snapshot
(golden/vms-commands.json), so moving commands between modules cannot drop or
change one. A deliberate change: regenerate it with
``uv run --frozen python -m tests.unit.edge_uploader.shell.test_cli_commands``."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

import typer.main

from edge_uploader.shell.cli import app

GOLDEN = Path(__file__).with_name("golden") / "vms-commands.json"


def _default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def _param(param: Any, ctx: Any) -> dict[str, Any]:
    return {
        "name": param.name,
        "kind": param.param_type_name,  # option or argument
        "opts": param.opts + param.secondary_opts,
        "help": param.get_help_record(ctx),  # its words, type, default, env var, range
        "required": param.required,
        "default": _default(param.default),
        "multiple": param.multiple,
        "envvar": param.envvar,
        "hidden": getattr(param, "hidden", False),
    }


def describe(command: Any, ctx: Any, path: str = "vms") -> dict[str, Any]:
    """Each command path (``vms``, ``vms camera simulate``...) with its help and options."""
    found = {
        path: {
            "help": command.help,
            "short_help": command.short_help,
            "hidden": command.hidden,
            "commands": list(getattr(command, "commands", {})),  # in --help's order
            "params": [_param(p, ctx) for p in command.params],
        }
    }
    for name, sub in getattr(command, "commands", {}).items():
        found |= describe(sub, ctx, f"{path} {name}")
    return found


def current() -> dict[str, Any]:
    command = typer.main.get_command(app)
    ctx = command.make_context("vms", [], resilient_parsing=True)
    return json.loads(json.dumps(describe(command, ctx)))  # tuples as lists, as read back


def test_every_command_help_and_option_is_as_in_the_snapshot() -> None:
    assert current() == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_the_snapshot_lists_every_command_group() -> None:
    groups = {path.split()[1] for path in json.loads(GOLDEN.read_text(encoding="utf-8"))
              if len(path.split()) > 1}  # fmt: skip
    assert groups == {"up", "mikrotik", "status", "config", "camera", "footage", "retention",
                      "evidence", "keys", "upload", "relay", "user", "verify",
                      "drill", "plan", "calibrate", "compress", "alerts", "share"}  # fmt: skip


if __name__ == "__main__":  # pragma: no cover
    GOLDEN.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
