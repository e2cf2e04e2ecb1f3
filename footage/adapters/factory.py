"""Build the configured adapters. Cloud SDKs are imported only when used."""

from __future__ import annotations

from footage.audit import AuditLog
from footage.catalog import Catalog
from footage.config import (
    DynamoIndex,
    FilesystemStorage,
    GcsStorage,
    IndexConfig,
    S3Storage,
    StorageConfig,
)
from footage.config_loader import Paths
from footage.drills import DrillLog
from footage.storage import Storage

_MB = 1024 * 1024


def build_storage(config: StorageConfig, paths: Paths, signing_key: bytes) -> Storage:
    if isinstance(config, FilesystemStorage):
        from footage.adapters.filesystem import FilesystemStorage as FsAdapter

        assert paths.storage is not None
        return FsAdapter(paths.storage, signing_key)
    if isinstance(config, S3Storage):
        return build_s3_storage(config)
    if isinstance(config, GcsStorage):
        from footage.adapters.gcs import GcsStorage as GcsAdapter
        from footage.adapters.gcs import make_gcs_client

        client = make_gcs_client(config.endpoint_url, config.project)
        return GcsAdapter(client, config.bucket, config.prefix)
    raise TypeError(f"unknown storage config {config!r}")


def build_s3_storage(config: S3Storage) -> Storage:
    from footage.adapters.s3 import S3Storage as S3Adapter
    from footage.adapters.s3 import make_s3_client

    return S3Adapter(
        make_s3_client(config.endpoint_url, config.region),
        config.bucket,
        config.prefix,
        multipart_threshold=config.multipart_threshold_mb * _MB,
        multipart_chunk=config.multipart_chunk_mb * _MB,
        server_checksums=config.checks_sha256,  # AWS itself, or as configured
    )


def build_audit_log(config: IndexConfig, paths: Paths) -> AuditLog:
    """The audit trail lives next to the index: the same table, or a SQLite file."""
    if isinstance(config, DynamoIndex):
        from footage.adapters.dynamodb_audit import DynamoAuditLog

        return DynamoAuditLog(config.table, config.region, config.endpoint_url)
    from footage.adapters.sqlite_audit import SqliteAuditLog

    return SqliteAuditLog(paths.audit)


def build_drill_log(config: IndexConfig, paths: Paths) -> DrillLog:
    """Restore drill runs live next to the index: the same table, or a SQLite file."""
    if isinstance(config, DynamoIndex):
        from footage.adapters.dynamodb_drills import DynamoDrillLog

        return DynamoDrillLog(config.table, config.region, config.endpoint_url)
    from footage.adapters.sqlite_drills import SqliteDrillLog

    return SqliteDrillLog(paths.data_dir / "drills.sqlite3")


def build_catalog(config: IndexConfig, paths: Paths) -> Catalog:
    if isinstance(config, DynamoIndex):
        from footage.adapters.dynamodb import DynamoCatalog

        return DynamoCatalog(config.table, config.region, config.endpoint_url)
    from footage.adapters.sqlite_catalog import SqliteCatalog

    assert paths.index is not None
    return SqliteCatalog(paths.index)
