"""Keys of an on-prem installation: from the environment (hex), else random and
kept in ``<data-dir>/secrets/<name>.key`` (0600) so every process of the
installation (edge, API) uses the same one across restarts."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

#: Signs /media/ links to footage in a local folder (edge + API).
SIGNING_KEY = ("signing", "VMS_SIGNING_KEY")
#: Signs the API's bearer tokens.
TOKEN_KEY = ("api-token", "VMS_TOKEN_KEY")
#: Signs live HLS URLs (the API issues them, nginx's secure_link checks them).
LIVE_KEY = ("live", "VMS_LIVE_KEY")


def installation_key(data_dir: Path, which: tuple[str, str], environ: Mapping[str, str]) -> bytes:
    name, variable = which
    if environ.get(variable):
        return bytes.fromhex(environ[variable])
    path = data_dir / "secrets" / f"{name}.key"
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of the installation won the race
            return bytes.fromhex(path.read_text().strip())
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())
