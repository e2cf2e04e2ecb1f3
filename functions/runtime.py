"""Wire the cloud adapters (S3 + DynamoDB) for a Lambda from its settings.

Handlers call this once at module level, so clients are reused across warm
invocations. Tests and ``vms up --backend aws-local`` point ``endpoint_url`` at
a moto server; nothing here opens a connection until first use.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from footage.adapters.dynamodb import DynamoCatalog
from footage.adapters.dynamodb_drills import DynamoDrillLog
from footage.adapters.factory import build_s3_storage
from footage.catalog import Catalog
from footage.clock import Clock, SystemClock
from footage.config import Config
from footage.config import S3Storage as S3StorageConfig
from footage.config_loader import load_config
from footage.errors import LiveUnavailable, MediaError, StorageError
from footage.retention import TTL_GRACE
from footage.secrets import MIN_KEY_BYTES
from footage.services.drill import DrillJob
from footage.services.ingest import IngestContext, context_from_config, ingest_object
from footage.services.orphans import CameraScope, OrphanJob
from footage.services.renditions import RenditionJob
from footage.services.retention import RetentionJob, job_from_config
from footage.services.sweep import SweepJob
from footage.storage import Storage
from functions.settings import FunctionSettings, SweepSettings

if TYPE_CHECKING:
    from mypy_boto3_lambda.client import LambdaClient

#: no secretsmanager stubs are installed (boto3-stubs extras: dynamodb, lambda, s3, sqs)
SecretsManagerClient = Any
log = logging.getLogger(__name__)
#: How long a site's live key is used before it is read again (a rotation shows up then).
LIVE_KEY_TTL = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class CloudRuntime:
    config: Config
    storage: Storage
    catalog: Catalog
    clock: Clock
    settings: FunctionSettings

    def ingest_context(self) -> IngestContext:
        return context_from_config(
            self.config, self.storage, self.catalog, self.clock, self.settings.workdir
        )

    def retention_job(self, time_left: Callable[[], float] | None = None) -> RetentionJob:
        job = job_from_config(self.config, self.storage, self.catalog)
        return replace(job, time_left=time_left, ttl_grace=TTL_GRACE)  # TTL deletes rows

    def orphan_job(
        self, sweep: SweepSettings, time_left: Callable[[], float] | None = None
    ) -> OrphanJob:
        """The net: a rowless upload goes back through ingest, by the ingest queue
        when there is one (AWS: the sweep needs neither ffmpeg nor any right to
        write footage), else through ingest's own entry point in this process."""
        scopes = [CameraScope(c.id, c.site, c.retention_days) for c in self.config.cameras]
        reindex: Callable[[str], str]
        if sweep.ingest_queue_url:
            reindex = IngestRequeue(sweep.ingest_queue_url, self.settings).send
        else:
            reindex = partial(_ingest_here, self.ingest_context())
        return OrphanJob(
            self.storage, self.catalog, scopes, sweep.lookback_days, sweep.recent_days,
            timedelta(hours=sweep.grace_hours), reindex, time_left, TTL_GRACE,
        )  # fmt: skip

    def drill_job(self, time_left: Callable[[], float] | None = None) -> DrillJob:
        """Restore drills over every configured camera; runs kept in the footage table."""
        scopes = [CameraScope(c.id, c.site, c.retention_days) for c in self.config.cameras]
        drills = DynamoDrillLog(self.settings.table, self.settings.region,
                                self.settings.endpoint_url)  # fmt: skip
        return DrillJob(self.storage, self.catalog, drills, scopes,
                        self.settings.workdir / "drills", time_left=time_left)  # fmt: skip

    def sweep_job(
        self, sweep: SweepSettings, time_left: Callable[[], float] | None = None
    ) -> SweepJob:
        return SweepJob(self.retention_job(time_left), self.orphan_job(sweep, time_left),
                        time_left)  # fmt: skip


def _ingest_here(context: IngestContext, key: str) -> str:
    return ingest_object(context, key).outcome.value


class IngestRequeue:
    """Re-indexes an upload whose row is gone by sending the ingest queue the S3
    notification its PUT once sent (functions.ingest.events reads the bucket and
    the key; ingest takes size and checksum from its own HEAD, never from the
    event, so the record's size is 0). The ingest Lambda then treats it as any
    upload: idempotent, described or probed, quarantined if it does not play."""

    EVENT_SOURCE = "cctv-vms:sweep"

    def __init__(self, queue_url: str, settings: FunctionSettings) -> None:
        self.queue_url, self.bucket = queue_url, settings.bucket
        self._client = boto3.client(
            "sqs", region_name=settings.region, endpoint_url=settings.endpoint_url
        )

    def notification(self, key: str) -> str:
        record = {
            "eventVersion": "2.1",
            "eventSource": self.EVENT_SOURCE,
            "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": self.bucket}, "object": {"key": quote_plus(key), "size": 0}},
        }
        return json.dumps({"Records": [record]})

    def send(self, key: str) -> str:
        try:
            self._client.send_message(QueueUrl=self.queue_url, MessageBody=self.notification(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"cannot queue {key} for ingest: {exc}") from exc
        return "queued"


class ExportLauncher:
    """Starts (or continues) an export in the export Lambda, without waiting."""

    def __init__(self, function: str) -> None:
        self.function = function
        self._client: LambdaClient | None = None

    def launch(self, export_id: str) -> None:
        if self._client is None:
            self._client = boto3.client("lambda")
        try:
            self._client.invoke(FunctionName=self.function, InvocationType="Event",
                                Payload=json.dumps({"export_id": export_id}).encode())  # fmt: skip
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"cannot start the export: {exc}") from exc


class RenditionInvoker:
    """Makes one rendition part in the rendition Lambda and waits for it (the API
    then redirects the player to it): footage.services.renditions.RenditionMaker."""

    def __init__(self, function: str) -> None:
        self.function = function
        self._client: LambdaClient | None = None

    def __call__(self, job: RenditionJob) -> None:
        if self._client is None:
            self._client = boto3.client("lambda")
        try:
            answer = self._client.invoke(FunctionName=self.function,
                                         InvocationType="RequestResponse",
                                         Payload=json.dumps(job.to_event()).encode())  # fmt: skip
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"cannot reach the rendition function: {exc}") from exc
        if answer.get("FunctionError"):
            detail = answer["Payload"].read(500).decode(errors="replace")
            log.error("rendition of %s part %d failed: %s", job.segment_key, job.index, detail)
            raise MediaError(f"part {job.index} of {job.segment_key} could not be made")


def build_runtime(settings: FunctionSettings, clock: Clock | None = None) -> CloudRuntime:
    config = load_config(settings.config_path)
    storage = build_s3_storage(
        S3StorageConfig(
            type="s3", bucket=settings.bucket, endpoint_url=settings.endpoint_url,
            region=settings.region,
        )
    )  # fmt: skip
    clock = clock or SystemClock()
    # Rows past their expiry that TTL has not deleted yet (it lags up to ~2 days)
    # are never served; the sweep reads them through its own retention queries.
    catalog = DynamoCatalog(
        settings.table, settings.region, settings.endpoint_url, hide_expired=clock.now
    )
    return CloudRuntime(config, storage, catalog, clock, settings)


class SiteLiveKeys:
    """Each site's live key: the Secrets Manager secret ``<prefix><SITE>`` (hex), read
    on first use and kept for ``ttl`` so a rotated key is picked up within minutes.
    Callable as ``keys(site) -> bytes`` (functions.api.deps.LiveAccess.keys); thread-safe.
    Raises LiveUnavailable when the site has no key, it cannot be read, or it is not
    at least 32 bytes of hex (a short key would make live tokens guessable)."""

    def __init__(
        self, prefix: str, region: str, endpoint_url: str | None = None,
        ttl: timedelta = LIVE_KEY_TTL, clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.prefix, self.region, self.endpoint_url = prefix, region, endpoint_url
        self.ttl_s = ttl.total_seconds()
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: dict[str, tuple[bytes, float]] = {}
        self._client: SecretsManagerClient | None = None

    def __call__(self, site: str) -> bytes:
        now = self._clock()
        with self._lock:
            hit = self._cached.get(site)
        if hit is not None and now - hit[1] < self.ttl_s:
            return hit[0]
        key = self._read(site)  # outside the lock: one slow read never blocks the others
        with self._lock:
            self._cached[site] = (key, now)
        return key

    def _read(self, site: str) -> bytes:
        """The site's key; what is wrong with it goes to the log, not to the viewer."""
        name = f"{self.prefix}{site}"
        try:
            value = self._secrets().get_secret_value(SecretId=name)["SecretString"]
            key = bytes.fromhex(value.strip())
        except (BotoCoreError, ClientError, KeyError, ValueError) as exc:
            log.error("live key of site %s (%s) unreadable or not hex: %s", site, name, exc)
            raise LiveUnavailable(f"site {site} has no usable live key") from exc
        if len(key) < MIN_KEY_BYTES:
            log.error("live key of site %s (%s) has %d bytes, under %d: refused",
                      site, name, len(key), MIN_KEY_BYTES)  # fmt: skip
            raise LiveUnavailable(f"site {site} has no usable live key")
        return key

    def _secrets(self) -> SecretsManagerClient:
        with self._lock:
            if self._client is None:
                self._client = boto3.client(
                    "secretsmanager", region_name=self.region, endpoint_url=self.endpoint_url
                )
            return self._client
