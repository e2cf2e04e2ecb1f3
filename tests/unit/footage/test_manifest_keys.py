"""Manifest keys and chain object names (footage.keys): build/parse round trips."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from footage.errors import KeyFormatError
from footage.keys import (
    build_evidence_key,
    build_manifest_day_prefix,
    build_manifest_key,
    build_manifest_site_prefix,
    build_segment_key,
    chain_object_name,
    parse_manifest_key,
)

AT = datetime(2026, 12, 5, 10, 20, 7, tzinfo=UTC)


@pytest.mark.parametrize("ext", ["json", "sig", "tsr"])
def test_manifest_key_round_trips(ext: str) -> None:
    key = build_manifest_key("ho", AT, retention_days=90, extension=ext)
    assert key == f"manifests/retention=90/ho/2026/12/05/ho_20261205T102007Z.{ext}"
    parsed = parse_manifest_key(key)
    assert (parsed.site, parsed.issued_at, parsed.retention_days, parsed.extension) == (
        "ho", AT, 90, ext)  # fmt: skip
    assert key.startswith(build_manifest_day_prefix("ho", date(2026, 12, 5), retention_days=90))
    assert key.startswith(build_manifest_site_prefix("ho", 90))


def test_manifest_key_is_utc() -> None:
    local = AT.astimezone(timezone(timedelta(hours=7)))
    assert build_manifest_key("ho", local, retention_days=1) == build_manifest_key(
        "ho", AT, retention_days=1
    )


@pytest.mark.parametrize(
    "key",
    [
        "manifests/retention=90/ho/2026/12/05/gate_20261205T102007Z.json",  # another site's name
        "manifests/retention=90/ho/2026/12/06/ho_20261205T102007Z.json",  # wrong day folder
        "manifests/retention=0/ho/2026/12/05/ho_20261205T102007Z.json",  # no such class
        "manifests/ho/2026/12/05/ho_20261205T102007Z.json",  # no class
        "manifests/retention=90/ho/2026/12/05/ho_20261205T102007Z.mp4",
        "segments/retention=90/ho/lobby/2026/12/05/lobby_20261205T102007Z.mp4",
    ],
)
def test_other_keys_are_not_manifests(key: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_manifest_key(key)


def test_bad_parts_are_refused() -> None:
    with pytest.raises(KeyFormatError):
        build_manifest_key("ho/x", AT, retention_days=90)
    with pytest.raises(KeyFormatError):
        build_manifest_key("ho", AT, retention_days=90, extension="txt")
    with pytest.raises(KeyFormatError):
        build_manifest_key("ho", AT.replace(tzinfo=None), retention_days=90)


def test_chain_object_name_drops_class_and_evidence_prefix() -> None:
    key = build_segment_key("ho", "lobby", AT, retention_days=30)
    name = "segments/ho/lobby/2026/12/05/lobby_20261205T102007Z.mp4"
    assert chain_object_name(key) == name
    assert chain_object_name(build_evidence_key(key)) == name
    variant = build_segment_key("ho", "lobby", AT, "0123456789abcdef", retention_days=30)
    assert chain_object_name(variant) == name.replace("Z.mp4", "Z-0123456789abcdef.mp4")
    with pytest.raises(KeyFormatError):
        chain_object_name("thumbnails/retention=30/ho/lobby/2026/12/05/lobby_20261205T102007Z.jpg")


def test_the_bucket_announces_manifest_signatures_or_every_segment() -> None:
    from footage.keys import announcement_filter

    prefix, suffix = announcement_filter(segment_events=False)
    sig = build_manifest_key("ho", AT, retention_days=90, extension="sig")
    segment = build_segment_key("ho", "lobby", AT, retention_days=90)
    announced = sig.startswith(prefix) and sig.endswith(suffix)
    assert announced and not segment.startswith(prefix)
    assert not build_manifest_key("ho", AT, retention_days=90).endswith(suffix)  # the .json
    prefix, suffix = announcement_filter(segment_events=True)
    assert segment.startswith(prefix) and suffix == "" and not sig.startswith(prefix)
