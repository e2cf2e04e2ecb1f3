"""The site's Ed25519 signing key: made on the site box, mode 0600, never uploaded,
logged or put in the config. Only its public half leaves (``vms keys show``), for
the admin to register in the config's ``signing_keys`` of the site.

Beside the key, ``<site>.history.json`` lists every public key the site has
signed with and its validity window (``vms keys show`` prints it as YAML): a
rotation (``vms keys init --rotate``) ends the old key's window
:data:`ROTATE_GRACE` later (a running uploader picks the new key up at its next
tick; manifests name their key, so the overlap is harmless) and deletes the old
private key, so it can sign nothing more."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from footage.chain import format_time, parse_time
from footage.errors import ChainFormatError, ConfigError
from footage.keys import validate_id
from footage.manifest import MANIFEST_EVERY_S, PublicKey, key_id_of, public_b64, public_raw
from footage.manifest import public_from_b64 as _raw_of

KEYS_DIR = "keys"
#: How long a rotated-out key stays valid: a running uploader's next ticks.
ROTATE_GRACE = timedelta(seconds=MANIFEST_EVERY_S)


@dataclass(frozen=True, slots=True)
class SiteKey:
    site: str
    key_id: str
    private: Ed25519PrivateKey

    @property
    def public_b64(self) -> str:
        return public_b64(public_raw(self.private))

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def key_path(data_dir: Path, site: str) -> Path:
    return data_dir / KEYS_DIR / f"{validate_id(site, 'site')}.ed25519.pem"


def load(data_dir: Path, site: str) -> SiteKey | None:
    """The site's key, or None when this box has none yet."""
    path = key_path(data_dir, site)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError([(str(path), "not an Ed25519 private key")])
    return SiteKey(site, key_id_of(public_raw(key)), key)


def load_or_create(data_dir: Path, site: str, now: datetime | None = None) -> tuple[SiteKey, bool]:
    """The site's key and whether it was made now (O_EXCL, 0600: two processes
    starting at once never make two keys; the loser reads the winner's)."""
    existing = load(data_dir, site)
    if existing is not None:
        return existing, False
    path = key_path(data_dir, site)
    private = Ed25519PrivateKey.generate()
    tmp = _write_private(path, private)
    try:
        os.link(tmp, path)  # no-replace: the first key made stays the key
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    key = load(data_dir, site)
    if key is None:
        raise ConfigError([(str(path), "the signing key vanished right after it was made")])
    made = key.private.private_bytes_raw() == private.private_bytes_raw()
    if made:  # a key file deleted by hand: the keys before it end now
        since = now or datetime.now(UTC)
        before = [_ended(e, since) if e.not_after is None else e
                  for e in _read_history(data_dir, site) or []]  # fmt: skip
        _save_history(data_dir, site, [*before, _entry(key, since)])
    return key, made


@dataclass(frozen=True, slots=True)
class KeyChange:
    """What ``vms keys init`` did for a site: ``made`` a key now (``retired``: the
    key it replaced, on a rotation)."""

    site: str
    key: SiteKey
    made: bool
    retired: SiteKey | None = None


def init_key(data_dir: Path, site: str, now: datetime, *, rotate_key: bool = False) -> KeyChange:
    """The site's key, made if absent (an existing key is never overwritten);
    ``rotate_key``: a new one replaces it (:func:`rotate`)."""
    if rotate_key and load(data_dir, site) is not None:
        old, new = rotate(data_dir, site, now)
        return KeyChange(site, new, True, old)
    key, made = load_or_create(data_dir, site, now)
    return KeyChange(site, key, made)


def signing_keys_yaml(site: str, entries: list[PublicKey]) -> str:
    """The YAML to paste under the site's ``signing_keys`` in the config."""
    lines = [f"# site {site}: paste under this site's entry in the config", "signing_keys:"]
    for e in entries:
        lines += [f"  - id: {e.key_id}", f"    public_key: {public_b64(e.raw)}",
                  f"    not_before: {format_time(e.not_before)}"]  # fmt: skip
        if e.not_after is not None:
            lines.append(f"    not_after: {format_time(e.not_after)}")
    return "\n".join(lines) + "\n"


def _write_private(path: Path, private: Ed25519PrivateKey) -> Path:
    """A new private key in a temporary file beside ``path`` (0600, synced)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())
    return tmp


def rotate(data_dir: Path, site: str, now: datetime) -> tuple[SiteKey, SiteKey]:
    """A new key for ``site`` replaces its key (the old private key is gone);
    the history ends the old key's window at ``now`` + :data:`ROTATE_GRACE` and
    starts the new one's at ``now``. Returns (old, new)."""
    old = load(data_dir, site)
    if old is None:
        raise ConfigError([(site, "no signing key to rotate: run vms keys init first")])
    entries = history(data_dir, site)
    private = Ed25519PrivateKey.generate()
    new = SiteKey(site, key_id_of(public_raw(private)), private)
    ended = [e if e.not_after is not None else _ended(e, now + ROTATE_GRACE) for e in entries]
    _save_history(data_dir, site, [*ended, _entry(new, now)])
    os.replace(_write_private(key_path(data_dir, site), private), key_path(data_dir, site))
    return old, new


def history_path(data_dir: Path, site: str) -> Path:
    return data_dir / KEYS_DIR / f"{validate_id(site, 'site')}.history.json"


def history(data_dir: Path, site: str) -> list[PublicKey]:
    """Every public key the site signed with, oldest first. A key made before
    histories were kept gets one, valid from its file's time."""
    entries = _read_history(data_dir, site)
    if entries is not None:
        return entries
    key = load(data_dir, site)
    if key is None:
        return []
    made = datetime.fromtimestamp(int(key_path(data_dir, site).stat().st_mtime), UTC)
    entries = [_entry(key, made)]
    _save_history(data_dir, site, entries)
    return entries


def _read_history(data_dir: Path, site: str) -> list[PublicKey] | None:
    path = history_path(data_dir, site)
    try:
        raw = json.loads(path.read_text())
        return [PublicKey(e["id"], _raw_of(e["public_key"]), parse_time(e["not_before"]),
                          parse_time(e["not_after"]) if e.get("not_after") else None)
                for e in raw]  # fmt: skip
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, ChainFormatError) as exc:
        raise ConfigError([(str(path), f"unreadable: {exc}")]) from exc


def _entry(key: SiteKey, since: datetime) -> PublicKey:
    return PublicKey(key.key_id, public_raw(key.private), since.replace(microsecond=0))


def _ended(entry: PublicKey, at: datetime) -> PublicKey:
    return PublicKey(entry.key_id, entry.raw, entry.not_before, at.replace(microsecond=0))


def _save_history(data_dir: Path, site: str, entries: list[PublicKey]) -> None:
    path = history_path(data_dir, site)
    body = [{"id": e.key_id, "public_key": public_b64(e.raw),
             "not_before": format_time(e.not_before),
             "not_after": format_time(e.not_after) if e.not_after else None}
            for e in entries]  # fmt: skip
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(body, indent=1) + "\n")
    os.replace(tmp, path)
