"""Keys of an on-prem installation: from the environment (hex), else random and
kept in ``<data-dir>/secrets/<name>.key`` so every process of the installation
(edge, API, relay) uses the same one across restarts.

``secrets/`` is 0700 and each key file 0600 (modes an older version left looser
are tightened on start). A key file is written whole or not at all: a temp file
in the same folder, fsync, then a hard link to its name, which never replaces a
key another process made first. A key under 32 bytes, or not hex, is refused
with an error naming the file or the variable.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from footage.durable import fsync_dir
from footage.errors import ConfigError

log = logging.getLogger(__name__)

#: Signs /media/ links to footage in a local folder (edge + API).
SIGNING_KEY = ("signing", "VMS_SIGNING_KEY")
#: Signs the API's bearer tokens.
TOKEN_KEY = ("api-token", "VMS_TOKEN_KEY")
#: The web push (VAPID) key pair: its first 32 bytes are the P-256 private scalar
#: (footage.notify.webpush); browsers subscribe with its public point.
VAPID_KEY = ("vapid", "VMS_VAPID_KEY")
#: Live HLS URLs are signed with each site's own key: footage.live.live_keys.
MIN_KEY_BYTES = 32


def installation_key(data_dir: Path, which: tuple[str, str], environ: Mapping[str, str]) -> bytes:
    name, variable = which
    return load_or_create_key(data_dir / "secrets" / f"{name}.key", environ.get(variable), variable)


def load_or_create_key(path: Path, env_value: str | None, what: str) -> bytes:
    """The key in ``env_value`` (hex) when it is not None (even if empty), else the
    one in the file at ``path`` (hex), created with 32 random bytes when missing.
    ``what`` names the environment variable ``env_value`` came from, for errors.
    ConfigError when the key is not hex or is under 32 bytes."""
    if env_value is not None:
        return _parse(env_value, what, "")
    _private(path.parent, 0o700)
    if not path.exists():
        _create(path)
    _private(path, 0o600)
    hint = f"; put {MIN_KEY_BYTES * 2} hex digits in it, or delete it to have one made"
    return _parse(path.read_text(), str(path), hint)


def _parse(text: str, source: str, hint: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise ConfigError([(source, f"the key is not hex ({exc}){hint}")]) from exc
    if len(key) < MIN_KEY_BYTES:
        problem = f"a key needs at least {MIN_KEY_BYTES} bytes ({MIN_KEY_BYTES * 2} hex digits)"
        raise ConfigError([(source, f"{problem}, this one has {len(key)}{hint}")])
    return key


def _create(path: Path) -> None:
    """Write a new key whole, or leave the one another process linked first."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(MIN_KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: its key stands
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def _private(path: Path, mode: int) -> None:
    """Take group and other access off ``path`` (a folder, made if missing, when
    ``mode`` is 0700)."""
    if mode == 0o700:
        path.mkdir(mode=mode, parents=True, exist_ok=True)
    if not path.stat().st_mode & 0o077:
        return
    try:
        path.chmod(mode)
    except PermissionError:  # not ours (e.g. mounted read-only): say so, keep going
        log.warning("cannot make %s private (mode %o): fix its owner or mode", path, mode)
