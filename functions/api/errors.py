"""Every error answer of the API, in one place.

Two shapes, as the OpenAPI schema publishes them (functions.api.error_docs):

* ``422``: FastAPI's list, ``{"detail": [{"type", "loc", "msg"}, ...]}``, for a
  request that is well-formed but invalid, whether the schema or our own rules
  (a range longer than 2 hours, end before start) refuse it;
* every other error: ``{"detail": "<message>"}`` (schemas.ErrorOut).

Each body is valid JSON whatever the request held: no NaN or Infinity, no lone
surrogate, no huge number; 422 entries name the field and the rule, and never
echo the value sent (it may be a password). Domain errors map to statuses here.
Nothing escapes to the server (ContainErrors).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.utils import is_body_allowed_for_status_code
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from footage.errors import (
    AuthError,
    AuthUnavailable,
    CatalogError,
    HoldRefused,
    LiveUnavailable,
    MediaError,
    NotFound,
    QuotaExceeded,
    RateLimited,
    ShareRefused,
    StorageError,
    UserError,
)

log = logging.getLogger(__name__)

DOMAIN_STATUS: dict[type[Exception], int] = {
    RateLimited: status.HTTP_429_TOO_MANY_REQUESTS,
    QuotaExceeded: status.HTTP_429_TOO_MANY_REQUESTS,
    AuthError: status.HTTP_401_UNAUTHORIZED,
    HoldRefused: status.HTTP_403_FORBIDDEN,
    ShareRefused: status.HTTP_403_FORBIDDEN,
    UserError: status.HTTP_400_BAD_REQUEST,
    NotFound: status.HTTP_404_NOT_FOUND,
    AuthUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    LiveUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    MediaError: status.HTTP_502_BAD_GATEWAY,
    CatalogError: status.HTTP_503_SERVICE_UNAVAILABLE,
    StorageError: status.HTTP_503_SERVICE_UNAVAILABLE,
}
_MAX_NESTING = 8
_MAX_INT_BITS = 256


class ErrorResponse(JSONResponse):
    """``{"detail": ...}``, rendered JSON-safe (see json_safe)."""

    def __init__(
        self, status_code: int, detail: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__({"detail": detail}, status_code, headers)

    def render(self, content: Any) -> bytes:
        safe = json_safe(content)
        text = json.dumps(safe, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8")


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` as plain JSON: text without lone surrogates (shown as ``\\udXXX``),
    no NaN or Infinity, no integer past 256 bits, anything else as its text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= _MAX_INT_BITS else "<a very large number>"
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return value if value.isascii() else value.encode("utf-8", "backslashreplace").decode()
    if depth < _MAX_NESTING and isinstance(value, Mapping):
        return {json_safe(str(k)): json_safe(v, depth + 1) for k, v in value.items()}
    if depth < _MAX_NESTING and isinstance(value, list | tuple):
        return [json_safe(item, depth + 1) for item in value]
    return json_safe(str(value))


def unprocessable(message: str, where: str) -> RequestValidationError:
    """A 422 of our own rules, in FastAPI's shape: ``where`` is body, query or path."""
    return RequestValidationError([{"type": "value_error", "loc": (where,), "msg": message}])


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [{"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
    return ErrorResponse(status.HTTP_422_UNPROCESSABLE_CONTENT, errors)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        exc.headers = {**(exc.headers or {}), "Allow": _allowed(request)}
    if not is_body_allowed_for_status_code(exc.status_code):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return ErrorResponse(exc.status_code, exc.detail, exc.headers)


async def _domain_error(request: Request, exc: Exception) -> Response:
    code = next(code for kind, code in DOMAIN_STATUS.items() if isinstance(exc, kind))
    headers = {"Retry-After": f"{exc.retry_after_s:.0f}"} if isinstance(exc, RateLimited) else {}
    if isinstance(exc, QuotaExceeded) and exc.retry_after_s is not None:
        headers["Retry-After"] = str(math.ceil(exc.retry_after_s))
    if code == status.HTTP_401_UNAUTHORIZED:
        headers["WWW-Authenticate"] = "Bearer"
    return ErrorResponse(code, str(exc), headers)


def _allowed(request: Request) -> str:
    """Every method of every route at this path (RFC 9110 asks Allow to list them all):
    Starlette names only the first route's when two share a path (GET and POST
    /api/evidence/holds)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    for kind in DOMAIN_STATUS:
        app.add_exception_handler(kind, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)


class ContainErrors:
    """ASGI middleware, outermost: no exception reaches the server.

    Starlette's ServerErrorMiddleware answers 500 and then re-raises, and uvicorn
    closes the connection of a request whose exception escaped, although the 500
    was complete and said nothing of closing. nginx had already put that
    connection back among its idle keep-alive connections to the API and sent the
    next request, another client's, down it: that request met a reset and got
    nginx's 502 (a POST is not retried elsewhere). Here an exception before the
    answer started becomes a JSON 500; after it, it is logged only, and the server
    keeps a complete answer's connection (or closes a cut one, which nginx sees).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("%s %s failed", scope.get("method"), scope.get("path"))
            if not started:
                headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
                with contextlib.suppress(Exception):  # the client may be gone as well
                    await ErrorResponse(500, "internal error", headers)(scope, receive, send)
