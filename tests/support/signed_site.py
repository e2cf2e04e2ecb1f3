"""A site's footage with its chain of custody, written straight into a store.

One-minute segments of each camera (small byte strings: verify_range hashes, it
does not decode), indexed, each with its chain record, and a signed manifest
every ``per`` minutes listing the records of every camera since the previous one
(a genesis record per camera in the first), as the edge would store them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from footage.catalog import Catalog
from footage.chain import Record, RecordKind, append, genesis, segment_fields, sha256_hex
from footage.keys import build_manifest_key, build_segment_key, chain_object_name
from footage.manifest import PublicKey, build_manifest, key_id_of, public_raw, sign
from footage.models import Segment
from footage.storage import Storage

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(7, 39)))
RETENTION = 30


def public_key(since: datetime) -> PublicKey:
    return PublicKey(key_id_of(public_raw(KEY)), public_raw(KEY), since)


@dataclass(frozen=True, slots=True)
class SignedSite:
    segments: dict[str, list[str]]  # camera -> segment keys, in time order
    manifests: list[str]  # .json keys, in issue order


def record_site(
    storage: Storage, catalog: Catalog, site: str, cameras: Sequence[str], t0: datetime,
    minutes: int, per: int,
) -> SignedSite:  # fmt: skip
    """``minutes`` one-minute segments of each camera from ``t0``; a manifest per
    ``per`` minutes, issued a minute after the last segment it lists."""
    key_id = key_id_of(public_raw(KEY))
    heads = {c: genesis(site, c, t0, key_id) for c in cameras}
    pending: list[Record] = list(heads.values())
    found = SignedSite({c: [] for c in cameras}, [])
    prev, seq = "0" * 64, 0
    for minute in range(minutes):
        start = t0 + timedelta(minutes=minute)
        for camera in cameras:
            heads[camera], key = _segment(storage, catalog, site, heads[camera], start)
            pending.append(heads[camera])
            found.segments[camera].append(key)
        if (minute + 1) % per == 0 or minute == minutes - 1:
            manifest = build_manifest(site, seq, prev, key_id, start + timedelta(minutes=2),
                                      pending)  # fmt: skip
            body = manifest.canonical()
            name = build_manifest_key(site, manifest.issued_at, retention_days=RETENTION)
            storage.put_bytes(name, body)
            storage.put_bytes(name.removesuffix(".json") + ".sig", sign(body, KEY))
            found.manifests.append(name)
            prev, seq, pending = manifest.hash, seq + 1, []
    return found


def _segment(
    storage: Storage, catalog: Catalog, site: str, head: Record, start: datetime
) -> tuple[Record, str]:
    camera, end = head.camera, start + timedelta(minutes=1)
    key = build_segment_key(site, camera, start, retention_days=RETENTION)
    body = f"{camera} {start.isoformat()}".encode()
    storage.put_bytes(key, body, content_type="video/mp4")
    digest = sha256_hex(body)
    catalog.put_segment(Segment(camera, site, start, end, len(body), digest, key,
                                expires_at=start + timedelta(days=RETENTION)))  # fmt: skip
    fields = segment_fields(start, end, digest, len(body), chain_object_name(key))
    return append(head, RecordKind.SEGMENT, fields), key
