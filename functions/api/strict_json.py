"""Request bodies are strict JSON (RFC 8259), or a 400 before any route sees them.

Python's json module, which FastAPI parses bodies with, accepts more than JSON:
``NaN``, ``Infinity`` and ``-Infinity``; ``1e999999`` (read as infinity); lone
surrogates such as ``"\\ud800"`` (no character: UTF-8 cannot encode them);
UTF-16 and UTF-32 bodies; repeated keys (the last one wins, where other parsers
take the first). None of these can be echoed in a JSON error reply, and some
crashed it. So a JSON body of a POST, PUT or PATCH is parsed here first, strictly,
and anything that is not strict JSON is answered ``400 {"detail": "malformed JSON
body: <why>"}``; a body that passes is handed on unchanged (it is small: nginx
caps bodies at 1 MiB, API Gateway at 10 MB).
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from functions.api.errors import ErrorResponse

#: Deeper than any body of ours; json itself gives up near 1,000 levels.
MAX_DEPTH = 32
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class MalformedJSON(ValueError):
    """A request body that is not strict JSON; the message says why."""


def parse_strict_json(body: bytes) -> Any:
    """The value of a strict JSON text in UTF-8 (MalformedJSON otherwise)."""
    try:
        text = body.decode("utf-8")  # strict: no other encoding, no encoded surrogates
    except UnicodeDecodeError as exc:
        raise MalformedJSON(f"not UTF-8 (byte {exc.start})") from exc
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_finite,
                           object_pairs_hook=_unique_keys)  # fmt: skip
    except json.JSONDecodeError as exc:
        raise MalformedJSON(f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    except RecursionError as exc:
        raise MalformedJSON(f"nested deeper than {MAX_DEPTH} levels") from exc
    except MalformedJSON:
        raise
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise MalformedJSON("a number is too long") from exc
    _check_strings_and_depth(value)
    return value


def _constant(name: str) -> float:
    raise MalformedJSON(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedJSON(f"the number {text[:20]} is out of range")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise MalformedJSON("an object repeats a key")
    return value


def _check_strings_and_depth(value: Any) -> None:
    """No lone surrogate in any string or key, at most MAX_DEPTH levels (iterative:
    no recursion however deep the value)."""
    stack: list[tuple[Any, int]] = [(value, 0)]  # (item, containers around it)
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list) and depth >= MAX_DEPTH:
            raise MalformedJSON(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str) and not item.isascii():
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise MalformedJSON("a string holds a lone surrogate (\\ud800-\\udfff)") from exc
        elif isinstance(item, dict):
            stack.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list):
            stack.extend((part, depth + 1) for part in item)


def is_json(content_type: str) -> bool:
    """application/json or application/<anything>+json, as FastAPI parses them."""
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


class StrictJSONBodies:
    """ASGI middleware: reads a JSON body of a POST, PUT or PATCH in full, answers
    400 if it is not strict JSON, else replays it to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
        if not is_json(content_type):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client went away: nobody to answer
        if body:
            try:
                parse_strict_json(body)
            except MalformedJSON as exc:
                await ErrorResponse(400, f"malformed JSON body: {exc}")(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body; None when the client disconnected first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body once, then waits on the real one (disconnects)."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
