"""Export Lambda: cuts and joins one clip export (invoked asynchronously by the API).

Event: ``{"export_id": "<32 hex>"}``. The job works part by part (15 min of
footage each); when less than :data:`RESERVE_S` of the invocation is left
before the next part, it stops and invokes itself again with the same event,
so an export longer than one Lambda can do is split across invocations and
joined at the end. Progress lives in the job object, so a retry after a crash
continues where the job stopped. A finished export that is a shared clip
(footage.services.share) is then sent through the recipient's channel, its
secrets read from Secrets Manager only then.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from footage.notify.base import Channel
from footage.notify.channels import build_channels
from footage.services.evidence_export import sources_from_config
from footage.services.exports import ExportStore, run_export
from footage.services.share import Sender, deliver_share, load_share
from functions.alerts.secrets import channel_environ, secret_names
from functions.runtime import ExportLauncher, build_runtime
from functions.settings import ExportSettings

logger = Logger()
tracer = Tracer()
settings = ExportSettings()
runtime = build_runtime(settings)
store = ExportStore(runtime.storage)
#: A part (download 15 min of footage, concat) must fit in what is left.
RESERVE_S = 240


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    export_id = str(event["export_id"])
    job = run_export(
        store, runtime.catalog, export_id, settings.workdir, runtime.clock.now,
        should_pause=lambda: lambda_context.get_remaining_time_in_millis() < RESERVE_S * 1000,
        evidence=lambda site: sources_from_config(runtime.config, site),
    )  # fmt: skip
    unfinished = job.status.value in ("queued", "running")
    if unfinished:
        ExportLauncher(lambda_context.invoked_function_arn).launch(export_id)
    elif load_share(store, export_id) is not None:
        share = deliver_share(store, runtime.catalog, runtime.config, _sender(), export_id)
        if share is not None:
            sent = {"to": share.recipient, "status": share.status, "error": share.error}
            logger.info("shared clip", extra={"export_id": export_id, **sent})
    summary = {"export_id": export_id, "status": job.status.value, "continued": unfinished}
    logger.info("export step done", extra={**summary, "parts_done": job.parts_done})
    return summary


def _sender() -> Sender:
    """The alert channels, built with their secrets (read when a share needs them)."""
    config = runtime.config.alerts
    environ = {}
    if settings.alert_secret_prefix:
        environ = channel_environ(secret_names(config), settings.alert_secret_prefix,
                                  settings.region, settings.endpoint_url)  # fmt: skip
    built = build_channels(config.channels, settings.workdir, {**os.environ, **environ},
                           runtime.clock.now)  # fmt: skip
    channels = {n: c for n, c in built.items() if isinstance(c, Channel)}
    return Sender(channels, runtime.clock.now, settings.workdir)
