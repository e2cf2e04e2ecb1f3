"""Every route of the API, called by a branch viewer with HO's ids.

The attacker is ``budi``, a viewer of branch CABANG-01 with a valid token. He
reads the OpenAPI schema (``/api/openapi.json`` is public) and calls every
operation in it with HO's ids: camera ``ho-lobby``, site ``HO``, an export the
admin made of HO footage, an HO segment key. Each must answer 403 or 404;
the routes that list what the caller may see (sites, cameras, status, me)
answer 200 without any HO item. An anonymous caller gets 401 (403 on /media).

The requests are built from the schema itself (path and query parameters,
JSON bodies), so a route added later is swept with no change here; if it
answers HO's data, or anything but 403/404, this test fails until it checks
access (or is listed below, with what it may answer).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from footage.keys import build_segment_key, format_stamp
from functions.api.app import create_app
from functions.api.deps import Context, CurrentPrincipal
from tests.unit.functions.api_support import NOW, Api, login, running_api

#: Routes that list what the caller may see: 200, with none of HO's items.
LISTS = {("GET", "/api/me"), ("GET", "/api/sites"), ("GET", "/api/cameras"),
         ("GET", "/api/status")}  # fmt: skip
#: Routes of the caller's own things, or that this API does not offer, and what
#: they may answer (never HO's data): the caller's web push subscriptions (this
#: API has no web push channel: 503; a sweep body is no push service's: 422; a
#: subscription id of none of theirs: 404); the recipients the caller may share
#: with (none configured here); sharing, which this API does not send (503).
OWN = {("GET", "/api/push/key"): {200, 503}, ("GET", "/api/push/subscriptions"): {200, 503},
       ("POST", "/api/push/subscriptions"): {422, 503},
       ("DELETE", "/api/push/subscriptions/{subscription_id}"): {404, 503},
       ("GET", "/api/share/recipients"): {200},
       ("POST", "/api/shares"): {403, 404, 503}}  # fmt: skip
#: Routes anyone may call, and what they may answer (never HO's data).
PUBLIC = {("GET", "/api/health"): {200}, ("POST", "/api/auth/login"): {401, 429}}
DENIED = {403, 404}
HO_RANGE = (NOW - timedelta(minutes=10), NOW)
HO_SEGMENT = build_segment_key("HO", "ho-lobby", NOW - timedelta(minutes=10), retention_days=180)


@dataclass(frozen=True)
class HoIds:
    """What the attacker puts wherever the schema asks for an id."""

    export_id: str
    camera: str = "ho-lobby"
    site: str = "HO"
    key: str = HO_SEGMENT
    username: str = "admin"

    def markers(self) -> set[str]:
        """Strings that only HO's data contains."""
        return {self.export_id, self.camera, self.key, "/HO/", "Kantor Pusat", "Lobby"}


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # as in the schema
    url: str
    json: Any = None


# -- requests from the schema ---------------------------------------------------


def _calls(schema: dict[str, Any], ids: HoIds) -> Iterator[Call]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            url, query = path, {}
            for param in operation.get("parameters", []):
                name, where = param["name"], param["in"]
                if not (param.get("required") or _id_like(name)):
                    continue
                value = _value(name, param["schema"], schema, ids)
                if where == "path":
                    url = url.replace(f"{{{name}}}", str(value))
                elif where == "query":
                    query[name] = value
            if query:
                url += "?" + "&".join(f"{k}={_quoted(v)}" for k, v in query.items())
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            json = _value("body", body["schema"], schema, ids) if body else None
            yield Call(method.upper(), path, url, json)


def _id_like(name: str) -> bool:
    return any(word in name for word in ("camera", "site", "export", "key", "user"))


def _value(name: str, spec: dict[str, Any], schema: dict[str, Any], ids: HoIds) -> Any:
    """A valid value for a parameter or property, HO's id wherever one fits."""
    spec = _resolved(spec, schema)
    if "anyOf" in spec:
        spec = next(s for s in spec["anyOf"] if s.get("type") != "null")
    if spec.get("type") == "object":
        wanted = set(spec.get("required", [])) | {p for p in spec["properties"] if _id_like(p)}
        return {p: _value(p, spec["properties"][p], schema, ids) for p in sorted(wanted)}
    if spec.get("type") == "array":
        return [_value(name, spec["items"], schema, ids)]
    return _scalar(name, spec, ids)


def _scalar(name: str, spec: dict[str, Any], ids: HoIds) -> Any:
    by_name = {"camera": ids.camera, "site": ids.site, "export": ids.export_id,
               "key": ids.key, "user": ids.username}  # fmt: skip
    for word, value in by_name.items():
        if word in name:
            return value
    if name == "segment_id":  # a segment of HO's range, by its start (footage.keys stamp)
        return format_stamp(HO_RANGE[0])
    if name == "recipient":  # a configured alert recipient's name: HO's IT desk
        return "it-ho"
    if name in ("share_id", "subscription_id"):  # well formed, of nothing of budi's
        return "0" * 32
    if spec.get("format") == "date-time":
        return (HO_RANGE[1] if name == "end" else HO_RANGE[0]).isoformat()
    if "enum" in spec:
        return spec["enum"][0]
    if spec.get("type") in ("integer", "number"):
        return spec.get("minimum", 1)
    if spec.get("type") == "boolean":
        return True
    return "HO-sweep-value"


def _resolved(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in spec:
        spec = schema["components"]["schemas"][spec["$ref"].rsplit("/", 1)[1]]
    return spec


def _quoted(value: Any) -> str:
    return quote(str(value), safe="")


# -- the sweep --------------------------------------------------------------------


def sweep(
    client: TestClient,
    headers: dict[str, str],
    ids: HoIds,
    lists: set[tuple[str, str]] = LISTS,
) -> tuple[list[Call], list[str]]:
    """Call every operation; return the calls and what each did wrong."""
    schema = client.app.openapi()  # type: ignore[attr-defined]
    calls, findings = list(_calls(schema, ids)), []
    for call in calls:
        answer = client.request(call.method, call.url, json=call.json, headers=headers)
        route = (call.method, call.path)
        leaked = _leaks(answer.content, ids)
        if route in lists:
            expected, check_body = {200}, True
        elif route in PUBLIC:
            expected, check_body = PUBLIC[route], True
        elif route in OWN:
            expected, check_body = OWN[route], True
        else:
            expected, check_body = DENIED, False
        what = f"{call.method} {call.url} ->"
        if answer.status_code not in expected:
            findings.append(f"{what} {answer.status_code}: {answer.text[:200]}")
        elif check_body and leaked:
            findings.append(f"{what} HO data {sorted(leaked)}")
    return calls, findings


def _leaks(body: bytes, ids: HoIds) -> set[str]:
    text = body.decode(errors="replace")
    found = {m for m in ids.markers() if m in text}
    if '"HO"' in text:  # the HO site id as a JSON value
        found.add('"HO"')
    return found


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path) as running:
        yield running


@pytest.fixture
def ids(api: Api) -> HoIds:
    body = {"camera": "ho-lobby", "start": HO_RANGE[0].isoformat(), "end": HO_RANGE[1].isoformat()}
    made = api.client.post("/api/exports", json=body, headers=login(api.client, "admin"))
    assert made.status_code == 202, made.text
    return HoIds(export_id=made.json()["id"])


def test_every_route_denies_a_branch_viewer_hos_ids(api: Api, ids: HoIds) -> None:
    calls, findings = sweep(api.client, login(api.client, "budi"), ids)
    assert findings == []
    swept = {(c.method, c.path) for c in calls}
    assert swept >= LISTS | set(PUBLIC)  # the tables name real routes
    assert {("GET", "/api/footage"), ("POST", "/api/exports"), ("GET", "/media/{key}"),
            ("GET", "/api/exports/{export_id}"), ("GET", "/api/audit")} <= swept  # fmt: skip
    export = next(c for c in calls if c.path == "/api/exports" and c.method == "POST")
    assert export.json == {"camera": "ho-lobby", "start": HO_RANGE[0].isoformat(),
                           "end": HO_RANGE[1].isoformat()}  # fmt: skip


def test_the_lists_show_the_admin_hos_items(api: Api, ids: HoIds) -> None:
    """The leak check itself works: the same lists, asked by the admin, hold HO."""
    admin = login(api.client, "admin")
    for method, path in LISTS:
        answer = api.client.request(method, path, headers=admin)
        assert answer.status_code == 200 and _leaks(answer.content, ids), path


def test_every_route_but_the_public_ones_needs_a_token(api: Api, ids: HoIds) -> None:
    for call in _calls(api.client.app.openapi(), ids):  # type: ignore[attr-defined]
        answer = api.client.request(call.method, call.url, json=call.json)
        route = (call.method, call.path)
        expected = PUBLIC.get(route, {403} if call.path.startswith("/media/") else {401})
        assert answer.status_code in expected, (call, answer.status_code)


def test_the_sweep_catches_a_route_that_leaks(api: Api, ids: HoIds) -> None:
    """Add two careless routes (no visible_camera, no can_see) to the real app:
    the sweep must report both."""
    leaky = APIRouter()

    @leaky.get("/api/cameras/{camera_id}/motion")
    def motion(camera_id: str, context: Context, _: CurrentPrincipal) -> dict[str, str]:
        camera = context.config.camera(camera_id)
        return {"camera": camera_id, "site": camera.site if camera else ""}

    @leaky.get("/api/sites/all")
    def all_sites(context: Context, _: CurrentPrincipal) -> list[str]:
        return [site.id for site in context.config.sites]

    app = create_app(api.client.app.state.context)  # type: ignore[attr-defined]
    app.include_router(leaky)
    with TestClient(app) as client:
        _, findings = sweep(client, login(client, "budi"), ids,
                            lists=LISTS | {("GET", "/api/sites/all")})  # fmt: skip
    assert len(findings) == 2
    assert findings[0].startswith("GET /api/cameras/ho-lobby/motion -> 200")
    assert findings[1].startswith("GET /api/sites/all -> HO data")
