"""API Lambda: API Gateway HTTP API (payload v2) -> the FastAPI app via Mangum.

Mangum would run the ASGI lifespan on every invocation, so it is off and the
app is built once at module level instead.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from mangum import Mangum

from functions.api.app import create_app
from functions.settings import ApiSettings

logger = Logger()
settings = ApiSettings()  # validated at cold start
app = create_app()
handler = logger.inject_lambda_context(Mangum(app, lifespan="off"))
