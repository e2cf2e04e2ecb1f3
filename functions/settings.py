"""Each Lambda's environment, as pydantic settings models validated at cold start.

The CDK compute stack sets these variables; ``vms up --backend aws-local`` sets
the same ones (plus ``VMS_ENDPOINT_URL``, the moto server) before importing a
handler. A missing or malformed variable fails the cold start with a message
naming it, instead of failing each invocation later.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FunctionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VMS_", extra="ignore", frozen=True)

    bucket: str = Field(min_length=3, max_length=63, description="the footage bucket")
    table: str = Field(min_length=3, max_length=255, description="the footage index table")
    config_path: Path = Field(
        Path("/opt/vms/config.yaml"), description="sites and cameras (the config layer)"
    )
    region: str = Field(
        "ap-southeast-3",
        validation_alias=AliasChoices("VMS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )
    endpoint_url: str | None = Field(None, description="S3/DynamoDB endpoint; unset in AWS")
    workdir: Path = Field(Path("/tmp"), description="scratch space (Lambda: /tmp)")


class IngestSettings(FunctionSettings):
    pass


class SweepSettings(FunctionSettings):
    lookback_days: int = Field(
        3, ge=1, le=90,
        description="the net reads each day past retention this many daily runs (the "
        "expiry edge: footage.services.repair_plan)",
    )  # fmt: skip
    recent_days: int = Field(
        2, ge=1, le=14, description="the net reads the last days for uploads without a row"
    )
    grace_hours: float = Field(
        6.0, ge=0.5, le=168, description="age before an object without a row is repaired"
    )
    ingest_queue_url: str | None = Field(
        None, description="the ingest queue: a rowless upload is re-indexed by sending its "
        "notification there (AWS); unset: ingested in this process (the local runner)",
    )  # fmt: skip
    dry_run: bool = False


class ApiSettings(FunctionSettings):
    cognito_user_pool_id: str = Field(min_length=1, description="the viewer's user pool")
    cognito_client_id: str = Field(min_length=1, description="the viewer's app client")
    cognito_jwks_url: str | None = Field(None, description="default: the pool's JWKS in AWS")
    export_function: str = Field(min_length=1, description="name or ARN of the export Lambda")
    rendition_function: str | None = Field(
        None,
        min_length=1,
        description="name or ARN of the rendition Lambda (H.264 parts of HEVC footage); "
        "unset: no renditions",
    )
    live_key_prefix: str | None = Field(
        None,
        min_length=1,
        description="names each site's live key in Secrets Manager: <prefix><SITE> (hex); "
        "unset: no live view",
    )


class ExportSettings(FunctionSettings):
    alert_secret_prefix: str | None = Field(
        None, min_length=1, description="the alert channels' secrets (as AlertsSettings), to "
        "send a shared clip once its export is done; unset: shares fail saying so",
    )  # fmt: skip


class AlertsSettings(FunctionSettings):
    alert_secret_prefix: str = Field(
        min_length=1, description="names each alert channel secret in Secrets Manager: "
        "<prefix><name> (the channel's token_secret, password_secret or key_secret)",
    )  # fmt: skip


class RenditionSettings(BaseSettings):
    """The rendition Lambda reads segments and writes renditions: no index, no config."""

    model_config = SettingsConfigDict(env_prefix="VMS_", extra="ignore", frozen=True)

    bucket: str = Field(min_length=3, max_length=63, description="the footage bucket")
    region: str = Field(
        "ap-southeast-3",
        validation_alias=AliasChoices("VMS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )
    endpoint_url: str | None = Field(None, description="S3 endpoint; unset in AWS")
    workdir: Path = Field(Path("/tmp"), description="scratch space (Lambda: /tmp)")
