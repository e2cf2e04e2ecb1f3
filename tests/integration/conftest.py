"""Fixtures of the integration tests (the servers every suite shares are in tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.shaped import LINK_MBIT, ShapedLink, moto_in, shaped_link


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
