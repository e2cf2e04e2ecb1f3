"""What each operation can answer, as the published OpenAPI schema says it.

Routes list the errors of their own logic (403, 404, 410, 429, 502, 503...).
What follows from an operation's shape is added here to every operation, so a
route added later is documented the same way:

* a bearer operation (a ``security`` requirement) answers 401 with
  ``WWW-Authenticate: Bearer`` (no token, a forged, expired or revoked one), and
  503 when tokens or the footage index cannot be checked right now;
* an operation with a request body answers 400 to a body that is not strict
  JSON (functions.api.strict_json);
* every error answer has a body: 422 FastAPI's list (HTTPValidationError),
  every other error ``ErrorOut`` (functions.api.errors renders both);
* a 429 may carry Retry-After.
"""

from __future__ import annotations

from typing import Any

from fastapi.openapi.utils import (
    validation_error_definition,
    validation_error_response_definition,
)

from functions.api.schemas import ErrorOut

_REF = "#/components/schemas/"
_UNAUTHORIZED = {
    "description": "no bearer token, or a forged, expired or revoked one",
    "headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
}
_UNAVAILABLE = {"description": "tokens, the footage index or storage cannot be reached now"}
_MALFORMED = {
    "description": "the body is not strict JSON (UTF-8; no NaN or Infinity, no number out of"
    " range, no lone surrogate, no repeated key, at most 32 levels deep)"
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds", "schema": {"type": "string"}}}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (FastAPI's), with the error answers above added; idempotent."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema(ref_template=_REF + "{model}"))
    components.setdefault("ValidationError", validation_error_definition)
    components.setdefault("HTTPValidationError", validation_error_response_definition)
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            _document(operation)
    return schema


def _document(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if operation.get("security"):
        responses.setdefault("401", dict(_UNAUTHORIZED))
        responses.setdefault("503", dict(_UNAVAILABLE))
    if "requestBody" in operation:
        responses.setdefault("400", dict(_MALFORMED))
    for code, response in responses.items():
        if code.startswith(("4", "5")) and "content" not in response:
            model = "HTTPValidationError" if code == "422" else "ErrorOut"
            response["content"] = {"application/json": {"schema": {"$ref": _REF + model}}}
        if code == "429":
            response.setdefault("headers", _RETRY_AFTER)
    operation["responses"] = dict(sorted(responses.items()))
