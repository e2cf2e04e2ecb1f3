"""The one helper that builds every Lambda function with the same settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import Duration, Size
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cctv_infra.log_groups import log_group

RUNTIME = lambda_.Runtime.PYTHON_3_12
#: The python3.12 runtime's version, for building the bundle (artifacts.lambda_bundle).
RUNTIME_PYTHON = "3.12"


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """What differs between the functions; everything else is shared."""

    name: str
    handler: str
    memory_mb: int
    timeout_s: int
    ephemeral_mb: int = 512
    environment: Mapping[str, str] = field(default_factory=dict)
    #: Only functions that run ffmpeg get its layer (ingest's FFmpeg path, export).
    ffmpeg: bool = False


@dataclass(frozen=True, slots=True)
class LambdaFactory:
    """Shared code, layers, architecture, environment, log retention and tracing."""

    code_dir: Path
    architecture: lambda_.Architecture
    layers: Sequence[lambda_.ILayerVersion]
    environment: Mapping[str, str]
    log_retention_days: int
    ffmpeg_layers: Sequence[lambda_.ILayerVersion] = ()
    #: X-Ray active tracing (the deploy config's aws.tracing); off by default.
    tracing: bool = False

    def build(self, scope: Construct, spec: FunctionSpec) -> lambda_.Function:
        return lambda_.Function(
            scope,
            spec.name,
            runtime=RUNTIME,
            architecture=self.architecture,
            code=lambda_.Code.from_asset(str(self.code_dir)),
            handler=spec.handler,
            layers=[*self.layers, *(self.ffmpeg_layers if spec.ffmpeg else ())],
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_s),
            ephemeral_storage_size=Size.mebibytes(spec.ephemeral_mb),
            environment={**self.environment, **self._tracing_env(), **spec.environment},
            tracing=lambda_.Tracing.ACTIVE if self.tracing else lambda_.Tracing.DISABLED,
            # JSON logs are what Powertools Logger emits; the level filter stays
            # in the app (POWERTOOLS_LOG_LEVEL) so one variable controls it.
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group(scope, f"{spec.name}Logs", self.log_retention_days),
        )

    def _tracing_env(self) -> dict[str, str]:
        """Powertools' Tracer stays quiet (no segments, no warnings) without X-Ray."""
        return {} if self.tracing else {"POWERTOOLS_TRACE_DISABLED": "true"}
