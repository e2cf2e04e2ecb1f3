"""Channel secrets (bot token, SMTP password, webhook key), by the installation's
secrets mechanism (footage.secrets): the environment variable
``VMS_SECRET_<NAME>`` (``-`` as ``_``, upper case), else the file
``<data-dir>/secrets/<name>.secret`` (folder 0700, file made 0600). Never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from footage.errors import ConfigError
from footage.secrets import _private


def secret_variable(name: str) -> str:
    return "VMS_SECRET_" + name.upper().replace("-", "_")


def read_secret(data_dir: Path, name: str, environ: Mapping[str, str]) -> str:
    """The secret ``name``; ConfigError naming where to put it when it is missing."""
    variable = secret_variable(name)
    if environ.get(variable):
        return environ[variable].strip()
    path = data_dir / "secrets" / f"{name}.secret"
    if path.is_file():
        _private(path.parent, 0o700)
        _private(path, 0o600)
        value = path.read_text().strip()
        if value:
            return value
    raise ConfigError([(name, f"secret missing: set {variable} or write it to {path}")])
