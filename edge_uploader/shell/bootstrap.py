"""Wire the real adapters for an on-prem process from the config. Tests pass
their own clock, environ or adapters; nothing here starts a thread."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from edge_uploader.budget import LinkMeters, SiteBudgets
from edge_uploader.calibration_worker import Calibrator
from edge_uploader.calibrator import CalibrationStore
from edge_uploader.chain import ManifestPolicy, Manifests, load_or_create
from edge_uploader.chain.tsa import HttpTimestamper
from edge_uploader.compressor import Compressor, link_hints
from edge_uploader.journal import Journal
from edge_uploader.spool import Spool
from edge_uploader.sprites import Sprites, sprite_policy
from edge_uploader.uploader import Uplink, Uploader, upload_policy
from footage.adapters.factory import build_catalog, build_drill_log, build_storage
from footage.catalog import Catalog
from footage.clock import Clock, SystemClock
from footage.config import Config, UploadOrder
from footage.config_loader import Paths, resolve_paths
from footage.live import relay_status_path
from footage.logfiles import log_dirs
from footage.secrets import SIGNING_KEY, installation_key
from footage.services.drill import DrillJob
from footage.services.ingest import IngestContext, context_from_config
from footage.services.orphans import CameraScope
from footage.services.retention import RetentionJob, job_from_config
from footage.storage import Storage

_GB = 1024**3


@dataclass(frozen=True, slots=True)
class Runtime:
    config: Config
    paths: Paths
    storage: Storage
    catalog: Catalog
    journal: Journal
    spool: Spool
    clock: Clock
    #: what each site's uploads send, shared by the uploader and the compressor
    meters: LinkMeters = field(default_factory=LinkMeters)

    def ingest_context(self) -> IngestContext:
        workdir = self.paths.data_dir / "tmp"
        return context_from_config(self.config, self.storage, self.catalog, self.clock, workdir)

    def retention_job(self) -> RetentionJob:
        return job_from_config(self.config, self.storage, self.catalog)

    def drill_job(self) -> DrillJob:
        """Restore drills over every configured camera (runs kept beside the index)."""
        scopes = [CameraScope(c.id, c.site, c.retention_days) for c in self.config.cameras]
        drills = build_drill_log(self.config.index, self.paths)
        drills.initialize()
        workdir = self.paths.data_dir / "tmp" / "drills"
        return DrillJob(self.storage, self.catalog, drills, scopes, workdir)

    def compressor(self) -> Compressor:
        """Edge compression as configured (each camera's edge_profile), its plan
        published: from now on footage it is to shrink waits for it (WAITING)."""
        order = self.config.uploader.order is UploadOrder.OLDEST_FIRST
        compressor = Compressor(self.journal, self.spool, self.clock, self.config,
                                oldest_first=order, link_hints=link_hints(self.config),
                                meters=self.meters)  # fmt: skip
        settings = self.config.uploader.compression.calibration
        store = CalibrationStore(self.paths.data_dir / "calibration", settings)
        compressor.calibrator = Calibrator(store, self.config, compressor.slot, self.clock,
                                           lambda: compressor.encoder)  # fmt: skip
        compressor.publish()
        return compressor

    def uploader(self, retry_max_s: float | None = None) -> Uploader:
        """The uploader as configured: order, each site's bandwidth budget (which
        yields to live viewers) and no uploads past a camera's retention."""
        budgets = SiteBudgets(self.config, self.clock, relay_status_path(self.paths.data_dir))
        retention = {c.id: timedelta(days=c.retention_days) for c in self.config.cameras}
        policy = upload_policy(self.config.uploader, retry_max_s, retention)
        link = Uplink(budgets.buckets, self.meters)
        sprites = self.sprites(policy.retry_max_s) if policy.describe else None
        return Uploader(self.journal, self.storage, self.clock, policy, link=link,
                        sprites=sprites, manifests=self.manifests())  # fmt: skip

    def site_cameras(self) -> dict[str, list[str]]:
        """Each site with cameras, and its cameras' ids."""
        sites = sorted({c.site for c in self.config.cameras})
        return {s: [c.id for c in self.config.cameras if c.site == s] for s in sites}

    def manifests(self) -> Manifests:
        """The chain of custody's manifests: each site with cameras signs with its own
        key (made here if this box has none: footage.manifest, ``vms keys show``)."""
        keys, days, cameras = {}, {}, {}
        for site in sorted({c.site for c in self.config.cameras}):
            key, made = load_or_create(self.paths.data_dir, site, self.clock.now())
            keys[site] = key
            own = [c for c in self.config.cameras if c.site == site]
            days[site] = max(c.retention_days for c in own)
            cameras[site] = [c.id for c in own]
            if made:
                logging.getLogger(__name__).warning(
                    "made the site's signing key %s: register it (vms keys show)", key.key_id,
                    extra={"site": site},
                )  # fmt: skip
        workdir = self.paths.spool / "manifests"
        url = self.config.uploader.tsa_url
        stamper = HttpTimestamper(url, workdir) if url else None
        every = timedelta(seconds=self.config.uploader.manifest_interval_s)
        policy = ManifestPolicy(days, cameras, every=every)
        return Manifests(self.journal, self.storage, self.clock, keys, policy, workdir, stamper,
                         data_dir=self.paths.data_dir)  # fmt: skip

    def sprites(self, retry_max_s: float) -> Sprites:
        """Thumbnail sprites made here (only when the cloud ingests: the uploader
        describes segments then), kept in the spool until sent."""
        segment_seconds = {c.id: c.segment_seconds for c in self.config.cameras}
        return Sprites(self.journal, self.storage, self.clock, self.spool.sprites_dir,
                       sprite_policy(segment_seconds, retry_max_s))  # fmt: skip

    @property
    def camera_sites(self) -> dict[str, str]:
        return {c.id: c.site for c in self.config.cameras}


def bootstrap(
    config: Config,
    data_dir: Path,
    clock: Clock | None = None,
    environ: Mapping[str, str] | None = None,
) -> Runtime:
    env = os.environ if environ is None else environ
    paths = resolve_paths(config, data_dir)
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    storage = build_storage(
        config.storage, paths, installation_key(paths.data_dir, SIGNING_KEY, env)
    )
    catalog = build_catalog(config.index, paths)
    journal = Journal(paths.spool / "journal.sqlite3")
    spool = Spool(
        paths.spool,
        journal,
        int(config.spool.quota_gb * _GB),
        int(config.spool.min_free_gb * _GB),
        log_dirs(paths.data_dir),  # log bytes count in the spool's disk check
    )
    return Runtime(config, paths, storage, catalog, journal, spool, clock or SystemClock())
