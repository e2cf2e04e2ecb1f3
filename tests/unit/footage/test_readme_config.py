"""The configuration README.md shows is one the project accepts, as written."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from footage.config_loader import parse_config

README = Path(__file__).parents[3] / "README.md"


def _readme_config() -> dict[str, object]:
    text = README.read_text()
    match = re.search(r"## Running it for real.*?```yaml\n(.*?)```", text, re.S)
    assert match, "README.md lost its configuration example"
    raw = yaml.safe_load(match.group(1))
    assert isinstance(raw, dict)
    return raw


def test_the_readme_configuration_validates():
    config = parse_config(_readme_config(), environ={})
    assert {s.id for s in config.sites} == {"HO", "CABANG-01"}
    nvr_only = [c for c in config.cameras if c.rtsp_url is None]
    folders = {w.camera for w in config.watch_folders}
    assert nvr_only and {c.id for c in nvr_only} <= folders  # each NVR-only camera has a folder
