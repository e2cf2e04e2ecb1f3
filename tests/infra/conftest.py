"""Synthesize the CDK app once per session (example config) and share its templates.

infra/cdk is not an installed package: its directory goes on sys.path here, the
same way `python app.py` sees it when the CDK CLI runs it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def outdir(deployment: Deployment) -> Path:
    return Path(deployment.app.outdir)


@pytest.fixture(scope="session")
def data_template(deployment: Deployment) -> Template:
    return Template.from_stack(deployment.data)


@pytest.fixture(scope="session")
def compute_template(deployment: Deployment) -> Template:
    return Template.from_stack(deployment.compute)
