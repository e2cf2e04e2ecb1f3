"""What ingest works with: each camera's policy, the context, an upload, an outcome.

footage.services.ingest re-exports these; the described path
(footage.services.ingest_described) and the FFmpeg path share them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from footage.catalog import Catalog
from footage.clock import Clock
from footage.config import Camera, Config
from footage.keys import ParsedKey
from footage.manifest import PublicKey, verifier_keys
from footage.models import ObjectInfo, Segment
from footage.profiles import BUILTIN_PROFILES, Profile
from footage.retention import DEFAULT_RETENTION_DAYS
from footage.storage import Storage


class Outcome(StrEnum):
    INDEXED = "indexed"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    CONFLICT = "conflict"  # indexed apart: another object holds the camera and start
    REFUSED = "refused"  # not a camera of the key's site: moved aside, not indexed
    ORIGINAL = "original"  # the file a transcoded segment was made from: kept with it
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class IngestResult:
    outcome: Outcome
    key: str
    reason: str = ""
    segment: Segment | None = None


@dataclass(frozen=True, slots=True)
class CameraPolicy:
    retention_days: int = DEFAULT_RETENTION_DAYS
    profile_name: str = "copy"
    profile: Profile = BUILTIN_PROFILES["copy"]
    thumbnails: bool = True
    site: str = ""  # the camera's configured site: only its edge's uploads are taken
    segment_seconds: int = 60  # how long its recorder cuts segments (described path)


@dataclass(frozen=True, slots=True)
class IngestContext:
    storage: Storage
    catalog: Catalog
    clock: Clock
    policies: dict[str, CameraPolicy]  # the configured cameras; any other is refused
    workdir: Path | None = None
    #: per site: the keys its manifests must be signed with (sites[].signing_keys);
    #: a site without any: its manifests are taken on its edge's word (IAM)
    signing_keys: Mapping[str, Sequence[PublicKey]] = field(default_factory=dict)

    def policy(self, camera: str) -> CameraPolicy:
        return self.policies.get(camera, CameraPolicy())


def policies_from_cameras(
    cameras: list[Camera], profiles: dict[str, Profile]
) -> dict[str, CameraPolicy]:
    return {c.id: _policy(c, profiles) for c in cameras}


def _policy(c: Camera, profiles: dict[str, Profile]) -> CameraPolicy:
    profile = profiles[c.ingest_profile]
    return CameraPolicy(c.retention_days, c.ingest_profile, profile, c.thumbnails, c.site,
                        c.segment_seconds)  # fmt: skip


def context_from_config(
    config: Config, storage: Storage, catalog: Catalog, clock: Clock, workdir: Path
) -> IngestContext:
    """The ingest context of a deployment: its adapters and each camera's policy."""
    workdir.mkdir(parents=True, exist_ok=True)
    policies = policies_from_cameras(config.cameras, config.all_profiles)
    keys = {site.id: verifier_keys(site.signing_keys) for site in config.sites if site.signing_keys}
    return IngestContext(storage, catalog, clock, policies, workdir, keys)


@dataclass(frozen=True, slots=True)
class Upload:
    """One object to ingest: its key, what the store says of it, and what holds
    its camera and start in the index now."""

    parsed: ParsedKey
    head: ObjectInfo
    primary: Segment | None
