"""The API Lambda: an HTTP API (payload v2) event through Mangum into FastAPI."""

from __future__ import annotations

import copy
import importlib
import json
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from functions.local import LocalContext

EVENT = json.loads(
    (Path(__file__).parents[2] / "events" / "apigw_http_get_health.json").read_text()
)


@pytest.fixture
def api(tmp_path, monkeypatch):
    config = tmp_path / "config.yaml"
    config.write_text("sites: [{id: HO, name: Kantor Pusat}]\n")
    for name, value in {"VMS_BUCKET": "footage", "VMS_TABLE": "footage",
                        "VMS_CONFIG_PATH": str(config), "AWS_DEFAULT_REGION": "ap-southeast-3",
                        "POWERTOOLS_SERVICE_NAME": "cctv-vms",
                        "VMS_COGNITO_USER_POOL_ID": "ap-southeast-3_Example",
                        "VMS_COGNITO_CLIENT_ID": "viewer-client", "VMS_EXPORT_FUNCTION": "export",
                        }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    sys.modules.pop("functions.api.handler", None)
    return importlib.import_module("functions.api.handler")


def test_health_answers_through_mangum(api):
    response = api.handler(copy.deepcopy(EVENT), LocalContext("api"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok", "service": "cctv-vms"}


def test_unknown_route_is_a_404(api):
    event = copy.deepcopy(EVENT)
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/nope"
    assert api.handler(event, LocalContext("api"))["statusCode"] == 404


def test_missing_environment_fails_the_cold_start(monkeypatch):
    monkeypatch.delenv("VMS_BUCKET", raising=False)
    monkeypatch.delenv("VMS_TABLE", raising=False)
    sys.modules.pop("functions.api.handler", None)
    with pytest.raises(ValidationError, match="bucket"):
        importlib.import_module("functions.api.handler")
