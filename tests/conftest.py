"""Fixtures every suite may use: real local servers started as subprocesses."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support import servers
from tests.support.shaped import LINK_MBIT, ShapedLink, moto_in, shaped_link


@pytest.fixture(scope="session")
def fake_aws_env() -> Iterator[None]:
    """Fake AWS credentials and region for the whole session, restored afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        for name in servers.CLEARED_AWS_ENV:
            patch.delenv(name, raising=False)
        for name, value in servers.FAKE_AWS_ENV.items():
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="session")
def moto_server(fake_aws_env: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Endpoint URL of a moto server (S3, DynamoDB, SQS...) on a free loopback port."""
    with servers.moto_server(tmp_path_factory.mktemp("moto")) as url:
        yield url


@pytest.fixture(scope="session")
def gcs_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Endpoint URL of gcp-storage-emulator (in memory) on a free loopback port."""
    with servers.gcs_emulator(tmp_path_factory.mktemp("gcs-emulator")) as url:
        yield url


@pytest.fixture(scope="module")
def link() -> Iterator[ShapedLink]:
    """A branch uplink: a namespace behind a veth pair shaped to LINK_MBIT (needs root)."""
    assert os.geteuid() == 0, "shaping a link (ip netns, tc) needs root, as in CI"
    with shaped_link(LINK_MBIT) as shaped:
        yield shaped


@pytest.fixture(scope="module")
def shaped_endpoint(
    link: ShapedLink, fake_aws_env: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A moto server behind the shaped link."""
    with moto_in(link, tmp_path_factory.mktemp("moto")) as url:
        yield url
