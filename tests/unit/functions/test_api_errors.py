"""Error answers: strict JSON bodies, JSON-safe error replies, and no exception
that reaches the server (which would close a keep-alive connection nginx reuses)."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from edge_uploader.harness.ports import free_port
from functions.api.app import create_app
from functions.api.errors import ErrorResponse
from functions.api.strict_json import MalformedJSON, parse_strict_json
from tests.unit.functions.api_support import Api, login, running_api

#: Bodies Python's json module takes and strict JSON does not, with why.
NOT_STRICT = {
    "nan": (b'{"username": NaN, "password": "x"}', "NaN is not a JSON value"),
    "infinity": (b'{"username": Infinity, "password": "x"}', "Infinity is not a JSON value"),
    "minus-infinity": (b'{"username": -Infinity, "password": "x"}', "-Infinity is not"),
    "huge-float": (b'{"username": 1e999999, "password": "x"}', "1e999999 is out of range"),
    "lone-surrogate": (b'{"username": "\\ud800", "password": "x"}', "lone surrogate"),
    "lone-low-surrogate-key": (b'{"\\udc00": 1}', "lone surrogate"),
    "encoded-surrogate": (b'{"username": "\xed\xa0\x80", "password": "x"}', "not UTF-8"),
    "utf-16": ('{"username": "x"}'.encode("utf-16"), "not UTF-8"),
    "latin-1": ('{"username": "José"}'.encode("latin-1"), "not UTF-8"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 32 levels"),
    "deep-unclosed": (b"[" * 100_000, "nested deeper than 32 levels"),
    "33-levels": (b"[" * 33 + b"]" * 33, "nested deeper than 32 levels"),
    "repeated-key": (b'{"username": "a", "username": "admin"}', "repeats a key"),
    "long-integer": (b'{"n": 1' + b"0" * 5000 + b"}", "a number is too long"),
    "syntax": (b'{"username": ', "Expecting value (line 1, column 14)"),
    "bom": (b'\xef\xbb\xbf{"username": "x"}', "BOM"),
}


@pytest.mark.parametrize(("body", "why"), NOT_STRICT.values(), ids=NOT_STRICT.keys())
def test_what_python_accepts_but_json_does_not_is_malformed(body: bytes, why: str) -> None:
    with pytest.raises(MalformedJSON, match=why.replace("(", r"\(").replace(")", r"\)")):
        parse_strict_json(body)


def test_strict_json_keeps_what_json_allows() -> None:
    body = '{"a": [1, -0.5, 1e300, 12345678901234567890, true, null, "😀\\ud83d\\ude00é"]}'
    assert parse_strict_json(body.encode()) == {
        "a": [1, -0.5, 1e300, 12345678901234567890, True, None, "😀😀é"]
    }
    assert parse_strict_json(b"[" * 32 + b"]" * 32) is not None


def test_error_replies_are_json_whatever_they_carry() -> None:
    detail = {"nan": float("nan"), "inf": float("-inf"), "text": "a\ud800b", 7: 10**400,
              "deep": [[[[[[[[[["x"]]]]]]]]]]}  # fmt: skip
    body = json.loads(ErrorResponse(400, detail).body.decode("utf-8", "strict"))
    assert body["detail"]["nan"] == "nan" and body["detail"]["inf"] == "-inf"
    assert body["detail"]["text"] == "a\\ud800b"
    assert body["detail"]["7"] == "<a very large number>"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with running_api(Path(tmp_path_factory.mktemp("errors"))) as running:
        yield running


@pytest.fixture(scope="module")
def admin(api: Api) -> dict[str, str]:
    return login(api.client, "admin")


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/exports"])
@pytest.mark.parametrize(("body", "why"), NOT_STRICT.values(), ids=NOT_STRICT.keys())
def test_a_body_that_is_not_strict_json_is_a_400_with_a_json_detail(
    api: Api, admin: dict[str, str], path: str, body: bytes, why: str
) -> None:
    headers = {"Content-Type": "application/json", **admin}
    response = api.client.post(path, content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    detail = json.loads(response.content.decode("utf-8", "strict"))["detail"]
    assert detail.startswith("malformed JSON body: ") and why in detail


def test_our_own_422s_are_fastapis_list_and_echo_no_value(api: Api, admin: dict[str, str]) -> None:
    backwards = {"camera": "cab-kasir", "start": "2026-11-25T01:00Z", "end": "2026-11-25T00:00Z"}
    ours = api.client.post("/api/exports", json=backwards, headers=admin)
    assert ours.status_code == 422
    assert ours.json() == {"detail": [{"type": "value_error", "loc": ["body"],
                                       "msg": "end must be after start"}]}  # fmt: skip
    long_password = {"username": "admin", "password": "p" * 1025}
    schema = api.client.post("/api/auth/login", json=long_password)
    assert schema.status_code == 422
    assert [set(e) for e in schema.json()["detail"]] == [{"type", "loc", "msg"}]
    assert "p" * 1025 not in schema.text


def _app_with_a_crash() -> FastAPI:
    app = create_app()

    async def crash() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/crash", crash)
    return app


def test_an_unhandled_error_is_a_json_500_and_never_reaches_the_server() -> None:
    with TestClient(_app_with_a_crash(), raise_server_exceptions=True) as client:
        response = client.get("/api/crash")  # raised here if it escaped the app
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error"}
    assert response.headers["x-content-type-options"] == "nosniff"


def test_after_an_unhandled_error_uvicorn_keeps_the_keep_alive_connection() -> None:
    """The root of the 502s behind nginx: an exception that reached uvicorn made it
    close the connection after a complete 500, a connection nginx reused at once."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(_app_with_a_crash(), port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(1000):
            if server.started:
                break
            thread.join(0.01)
        answers = _on_one_connection(port, ["/api/crash", "/api/health"] * 2)
    finally:
        server.should_exit = True
        thread.join(10)
    crash = (500, '{"detail":"internal error"}')
    health = (200, '{"status":"ok","service":"cctv-vms"}')
    assert answers == [crash, health, crash, health]


def _on_one_connection(port: int, paths: list[str]) -> list[tuple[int, str]]:
    """(status, body) of each GET, all on one keep-alive connection, until it breaks."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    answers: list[tuple[int, str]] = []
    try:
        for path in paths:
            connection.request("GET", path)
            response = connection.getresponse()
            answers.append((response.status, response.read().decode()))
    except (http.client.HTTPException, OSError) as exc:
        answers.append((0, f"the server closed the connection: {exc!r}"))
    finally:
        connection.close()
    return answers
