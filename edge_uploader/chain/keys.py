"""The site's Ed25519 signing key: made on the site box, mode 0600, never uploaded,
logged or put in the config. Only its public half leaves (``vms keys show``), for
the admin to register in the config's ``signing_keys`` of the site."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from footage.errors import ConfigError
from footage.keys import validate_id
from footage.manifest import key_id_of, public_b64, public_raw

KEYS_DIR = "keys"


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


def load_or_create(data_dir: Path, site: str) -> tuple[SiteKey, bool]:
    """The site's key and whether it was made now (O_EXCL, 0600: two processes
    starting at once never make two keys; the loser reads the winner's)."""
    existing = load(data_dir, site)
    if existing is not None:
        return existing, False
    path = key_path(data_dir, site)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(tmp, path)  # no-replace: the first key made stays the key
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    key = load(data_dir, site)
    if key is None:
        raise ConfigError([(str(path), "the signing key vanished right after it was made")])
    return key, key.private.private_bytes_raw() == private.private_bytes_raw()
