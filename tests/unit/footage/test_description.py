"""footage.description: the edge's description of a segment, as object metadata."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from footage.description import (
    DESCRIPTION_FIELDS,
    META_DESCRIBED,
    META_DURATION_MS,
    META_FPS,
    META_SIZE,
    DescriptionError,
    SegmentDescription,
    from_metadata,
    to_metadata,
)
from footage.storage import META_END, META_SHA256, META_SITE

START = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
DESCRIBED = SegmentDescription(
    site="HO", camera="lobby", start=START, duration_ms=60_040, codec="hevc", width=1920,
    height=1080, fps=14.985, size=31_457_280, init_size=1_184, sha256="ab" * 32,
    audio_codec="aac",
)  # fmt: skip


@pytest.mark.parametrize(
    "described", [DESCRIBED, replace(DESCRIBED, audio_codec=None, fps=15.0, sprite=True)]
)
def test_round_trip(described):
    metadata = to_metadata(described)
    assert from_metadata(metadata) == described
    assert set(metadata) - {"sprite"} == set(DESCRIPTION_FIELDS)
    assert all(name == name.lower() and value.isascii() for name, value in metadata.items())
    assert sum(len(n) + len(v) for n, v in metadata.items()) < 400  # S3 allows 2 KB


def test_values_read_as_written():
    metadata = to_metadata(DESCRIBED)
    assert metadata[META_DESCRIBED] == "1"
    assert metadata[META_END] == "20261205T093100Z"
    assert metadata[META_FPS] == "14.985"
    assert metadata[META_DURATION_MS] == "60040"


def test_undescribed_and_other_versions_are_refused():
    with pytest.raises(DescriptionError, match="not described"):
        from_metadata({META_SHA256: "ab" * 32})
    with pytest.raises(DescriptionError, match="version '2'"):
        from_metadata({**to_metadata(DESCRIBED), META_DESCRIBED: "2"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (META_SIZE, "-5"), (META_SIZE, "1e9"), (META_FPS, "nan"), (META_FPS, "15/1"),
        (META_SHA256, "AB" * 32), (META_SHA256, "ab" * 31), (META_SITE, "../HO"),
        ("start", "2026-12-05"), ("codec", "h264; rm"), (META_END, "20261205T093200Z"),
        (META_DURATION_MS, ""),
    ],
)  # fmt: skip
def test_malformed_fields_are_refused(name, value):
    with pytest.raises(DescriptionError):
        from_metadata({**to_metadata(DESCRIBED), name: value})
