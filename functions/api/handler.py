"""API Lambda: API Gateway HTTP API (payload v2) -> the FastAPI app via Mangum.

Mangum would run the ASGI lifespan on every invocation, so it is off and the
app is built once at module level instead. Users sign in with Cognito: the
HTTP API's JWT authorizer rejects bad tokens before the Lambda runs, and the
app verifies them again against the pool's JWKS (defence in depth, and the
only check when the function is invoked some other way). Footage links are
pre-signed S3 URLs; exports run in the export Lambda; the audit trail lives in
the footage table. Live URLs point at each site's relay (``sites[].live_url``),
signed with that site's own key (Secrets Manager, read on first use). H.264
renditions of HEVC footage are made by the rendition Lambda, one part per call.
The Alerts page reads the fleet's alerts from the footage table (the alerts
Lambda records them there).
"""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools import Logger
from mangum import Mangum

from footage.adapters.dynamodb_alerts import DynamoAlertStore
from footage.adapters.dynamodb_audit import DynamoAuditLog
from footage.adapters.dynamodb_drills import DynamoDrillLog
from footage.cognito import cognito_verifier
from functions.api.app import create_app
from functions.api.deps import ApiContext, LiveAccess
from functions.runtime import ExportLauncher, RenditionInvoker, SiteLiveKeys, build_runtime
from functions.settings import ApiSettings

logger = Logger()
settings = ApiSettings()  # validated at cold start
runtime = build_runtime(settings)
context = ApiContext(
    config=runtime.config, catalog=runtime.catalog, storage=runtime.storage, clock=runtime.clock,
    verifier=cognito_verifier(settings.region, settings.cognito_user_pool_id,
                              settings.cognito_client_id, jwks_url=settings.cognito_jwks_url),
    audit=DynamoAuditLog(settings.table, settings.region, settings.endpoint_url),
    drills=DynamoDrillLog(settings.table, settings.region, settings.endpoint_url),
    alerts=DynamoAlertStore(settings.table, settings.region, settings.endpoint_url),
    shares=True,  # the export Lambda sends a shared clip once it is cut
    revision_lag=timedelta(seconds=runtime.config.aws.totals_window_s),
    launch_export=ExportLauncher(settings.export_function).launch,
    live=LiveAccess(SiteLiveKeys(settings.live_key_prefix, settings.region, settings.endpoint_url))
    if settings.live_key_prefix else None,
    make_rendition=RenditionInvoker(settings.rendition_function)
    if settings.rendition_function else None,
)  # fmt: skip
app = create_app(context)
handler = logger.inject_lambda_context(Mangum(app, lifespan="off"))
