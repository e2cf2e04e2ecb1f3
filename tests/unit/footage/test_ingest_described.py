"""footage.services.ingest_described: when a HEAD is enough to index a segment.

Each case forges one thing an attacker holding an edge could forge, and the
object must then take the FFmpeg path (a reason, not a description)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from footage.description import SegmentDescription, to_metadata
from footage.keys import parse_key, sprite_tile
from footage.models import ObjectInfo
from footage.profiles import BUILTIN_PROFILES
from footage.services.ingest_described import described_row, trusted_description
from footage.services.ingest_types import CameraPolicy
from footage.storage import META_ORIGIN, META_SUPERSEDES, ORIGIN_NVR
from footage.thumbnails import tile_reference

START = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
SHA = "cd" * 32
POLICY = CameraPolicy(30, site="HO", segment_seconds=60)
KEY = "segments/HO/lobby/2026/12/05/lobby_20261205T093000Z.mp4"  # parses with or without a class
DESCRIBED = SegmentDescription(
    site="HO", camera="lobby", start=START, duration_ms=60_500, codec="h264", width=1280,
    height=720, fps=15.0, size=7_500_000, init_size=900, sha256=SHA,
)  # fmt: skip


def _head(described: SegmentDescription = DESCRIBED, **changes: object) -> ObjectInfo:
    head = ObjectInfo(KEY, DESCRIBED.size, to_metadata(described), '"etag"', stored_sha256=SHA)
    return replace(head, **changes)  # type: ignore[arg-type]


def test_a_consistent_description_is_trusted_and_makes_the_row():
    described = trusted_description(POLICY, parse_key(KEY), _head())
    assert described == DESCRIBED
    row = described_row(POLICY, parse_key(KEY), _head(), replace(DESCRIBED, sprite=True))
    assert (row.key, row.sha256, row.size_bytes, row.init_size) == (KEY, SHA, 7_500_000, 900)
    assert row.end == START + timedelta(seconds=60.5) and row.codec == "h264"
    assert row.expires_at == row.end + timedelta(days=30) and row.source_etag == '"etag"'
    tile = sprite_tile("HO", "lobby", START, retention_days=30)  # the sprite its edge sends
    assert row.thumbnail_key == tile_reference(tile) and row.sprite_key == tile.key
    assert row.all_keys == (KEY,)  # the sprite is its window's, not this row's
    bare = described_row(replace(POLICY, thumbnails=False), parse_key(KEY), _head(), DESCRIBED)
    assert bare.thumbnail_key is None
    unsent = described_row(POLICY, parse_key(KEY), _head(), DESCRIBED)  # no sprite promised
    assert unsent.thumbnail_key is None


@pytest.mark.parametrize(
    ("head", "why"),
    [
        (_head(metadata={}), "not described"),
        (_head(replace(DESCRIBED, site="CABANG-01")), "not the key's"),
        (_head(replace(DESCRIBED, camera="gudang")), "not the key's"),
        (_head(replace(DESCRIBED, start=START + timedelta(minutes=1))), "not the key's"),
        (_head(replace(DESCRIBED, size=1_000)), "claims 1000 bytes"),
        (_head(stored_sha256=None), "does not vouch"),
        (_head(stored_sha256="ef" * 32), "not the stored bytes'"),
        (_head(replace(DESCRIBED, codec="mpeg4")), "codec mpeg4"),
        (_head(replace(DESCRIBED, duration_ms=3_600_000)), "duration of 3600.000 s"),
        (_head(replace(DESCRIBED, duration_ms=0)), "duration of 0.000 s"),
        (_head(replace(DESCRIBED, width=0)), "picture of 0x720"),
        (_head(replace(DESCRIBED, fps=0.0)), "frames per second"),
        (_head(replace(DESCRIBED, init_size=DESCRIBED.size)), "init section"),
        (_head(replace(DESCRIBED, init_size=10)), "init section"),
    ],
)  # fmt: skip
def test_a_forged_or_inconsistent_description_goes_to_ffmpeg(head, why):
    reason = trusted_description(POLICY, parse_key(KEY), head)
    assert isinstance(reason, str) and why in reason


@pytest.mark.parametrize("extra", [{META_ORIGIN: ORIGIN_NVR}, {META_SUPERSEDES: SHA}])
def test_nvr_files_and_new_versions_are_probed(extra):
    head = _head(metadata={**to_metadata(DESCRIBED), **extra})
    assert isinstance(trusted_description(POLICY, parse_key(KEY), head), str)


def test_a_transcoding_policy_is_probed():
    policy = replace(POLICY, profile_name="h265-small", profile=BUILTIN_PROFILES["h265-small"])
    assert "transcodes" in str(trusted_description(policy, parse_key(KEY), _head()))


def test_the_slack_follows_the_cameras_segment_length():
    long = _head(replace(DESCRIBED, duration_ms=150_000))
    assert isinstance(trusted_description(POLICY, parse_key(KEY), long), str)
    longer = replace(POLICY, segment_seconds=120)
    assert trusted_description(longer, parse_key(KEY), long) == replace(
        DESCRIBED, duration_ms=150_000
    )
