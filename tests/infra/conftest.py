"""Synthesize the CDK app once per session (example config) and share its templates.

infra/cdk is not an installed package: its directory goes on sys.path here, the
same way `python app.py` sees it when the CDK CLI runs it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

CDK_DIR = Path(__file__).resolve().parents[2] / "infra" / "cdk"
sys.path.append(str(CDK_DIR))  # appended: infra/cdk/app.py must not shadow anything
# jsii prints a banner on every start under Node 20; it is noise in test output.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

from aws_cdk.assertions import Template  # noqa: E402
from cctv_infra.application import Deployment, build_app  # noqa: E402
from cctv_infra.settings import DEFAULT_CONFIG  # noqa: E402


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Both stacks, synthesized (which also runs the cdk-nag aspect) into a temp dir."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    result = build_app(DEFAULT_CONFIG, outdir=str(outdir))
    result.app.synth()
    yield result


#: aws.waf_rate_limit of the WAF variant (the default is 2000).
WAF_RATE_LIMIT = 1500


@pytest.fixture(scope="session")
def waf_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The example config with aws.waf on: a third stack in us-east-1. A few seconds
    after the first synthesis (assets are fingerprinted once per process)."""
    folder = tmp_path_factory.mktemp("waf")
    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw["aws"] |= {"waf": True, "waf_rate_limit": WAF_RATE_LIMIT}
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    result = build_app(config, outdir=str(folder / "cdk.out"))
    result.app.synth()
    yield result


@pytest.fixture(scope="session")
def outdir(deployment: Deployment) -> Path:
    return Path(deployment.app.outdir)


@pytest.fixture(scope="session")
def data_template(deployment: Deployment) -> Template:
    return Template.from_stack(deployment.data)


@pytest.fixture(scope="session")
def compute_template(deployment: Deployment) -> Template:
    return Template.from_stack(deployment.compute)


@pytest.fixture(scope="session")
def site_templates(deployment: Deployment) -> dict[str, Template]:
    """The template of each site's nested Sites<n> stack (group, edge user, alarm), by site."""
    found: dict[str, Template] = {}
    for nested in deployment.compute.sites:
        template = Template.from_stack(nested)
        found |= {site: template for site in nested.edge.users}
    return found


@pytest.fixture(scope="session")
def live_key_secrets(deployment: Deployment) -> dict[str, dict[str, Any]]:
    """Every site's live key secret (AWS::SecretsManager::Secret bodies), from the
    data stack's nested LiveKeys<n> stacks."""
    found: dict[str, dict[str, Any]] = {}
    for nested in deployment.data.live_key_stacks:
        found |= Template.from_stack(nested).find_resources("AWS::SecretsManager::Secret")
    return found
