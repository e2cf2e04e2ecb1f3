"""Wire the cloud adapters (S3 + DynamoDB) for a Lambda from its settings.

Handlers call this once at module level, so clients are reused across warm
invocations. Tests and ``vms up --backend aws-local`` point ``endpoint_url`` at
a moto server; nothing here opens a connection until first use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from footage.adapters.dynamodb import DynamoCatalog
from footage.adapters.factory import build_s3_storage
from footage.catalog import Catalog
from footage.clock import Clock, SystemClock
from footage.config import Config
from footage.config import S3Storage as S3StorageConfig
from footage.config_loader import load_config
from footage.errors import ConfigError, StorageError
from footage.services.ingest import IngestContext, context_from_config
from footage.services.orphans import CameraScope, OrphanJob
from footage.services.retention import RetentionJob, job_from_config
from footage.storage import Storage
from functions.settings import FunctionSettings, SweepSettings

if TYPE_CHECKING:
    from mypy_boto3_lambda.client import LambdaClient


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

    def retention_job(self) -> RetentionJob:
        return job_from_config(self.config, self.storage, self.catalog)

    def orphan_job(self, sweep: SweepSettings) -> OrphanJob:
        scopes = [CameraScope(c.id, c.site, c.retention_days) for c in self.config.cameras]
        return OrphanJob(
            self.storage, self.catalog, scopes, sweep.lookback_days, sweep.recent_days,
            timedelta(hours=sweep.grace_hours),
        )  # fmt: skip


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


def build_runtime(settings: FunctionSettings, clock: Clock | None = None) -> CloudRuntime:
    config = load_config(settings.config_path)
    storage = build_s3_storage(
        S3StorageConfig(
            type="s3", bucket=settings.bucket, endpoint_url=settings.endpoint_url,
            region=settings.region,
        )
    )  # fmt: skip
    catalog = DynamoCatalog(settings.table, settings.region, settings.endpoint_url)
    return CloudRuntime(config, storage, catalog, clock or SystemClock(), settings)


def live_key(secret_id: str, region: str, endpoint_url: str | None = None) -> bytes:
    """The live key the sites' relays share (hex in Secrets Manager), read at cold start."""
    client = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url)
    try:
        value = client.get_secret_value(SecretId=secret_id)["SecretString"].strip()
        return bytes.fromhex(value)
    except (BotoCoreError, ClientError) as exc:
        raise ConfigError([("live_key_secret", f"cannot read {secret_id}: {exc}")]) from exc
    except ValueError as exc:
        raise ConfigError([("live_key_secret", f"{secret_id} must hold a hex key")]) from exc
