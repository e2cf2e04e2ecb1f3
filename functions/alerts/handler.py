"""Alerts Lambda (EventBridge, every minute): the fleet's alert rules from the
sites' edge reports (footage.services.fleet_alerts), recorded in the footage
table, then the due messages sent through the configured channels (their
secrets from Secrets Manager, read at cold start). ``SitesSilent`` goes out as a
metric (one alarm for the fleet); one log line per run.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from footage.adapters.dynamodb_alerts import DynamoAlertStore
from footage.notify.channels import build_channels
from footage.services.fleet_alerts import ReportCache, evaluate_fleet
from functions.alerts.secrets import channel_environ, secret_names
from functions.runtime import build_runtime
from functions.settings import AlertsSettings

logger = Logger()
metrics = Metrics()
settings = AlertsSettings()  # from the environment
runtime = build_runtime(settings)
store = DynamoAlertStore(settings.table, settings.region, settings.endpoint_url)
_environ = channel_environ(secret_names(runtime.config.alerts), settings.alert_secret_prefix,
                           settings.region, settings.endpoint_url)  # fmt: skip
channels = build_channels(runtime.config.alerts.channels, settings.workdir,
                          {**os.environ, **_environ}, runtime.clock.now)  # fmt: skip
reports = ReportCache()  # a warm container reads only the reports that changed


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def handler(event: dict[str, Any], lambda_context: LambdaContext) -> dict[str, Any]:
    del event, lambda_context
    run = evaluate_fleet(runtime.config, runtime.storage, store, channels,
                         runtime.clock.now(), reports)  # fmt: skip
    metrics.add_metric(name="SitesSilent", unit=MetricUnit.Count, value=len(run.silent))
    failed = [s for s in run.sent if not s.outcome.delivered]
    logger.info("alerts evaluated", extra={
        "silent": run.silent, "opened": run.opened, "cleared": run.cleared,
        "sent": len(run.sent) - len(failed), "failed": len(failed),
        "reports_read": run.reports_read})  # fmt: skip
    return {"silent": run.silent, "opened": run.opened, "cleared": run.cleared,
            "sent": len(run.sent) - len(failed), "failed": len(failed)}  # fmt: skip
