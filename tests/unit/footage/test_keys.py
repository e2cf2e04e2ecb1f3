"""The key scheme: build_* and parse_* are inverses, and parse rejects anything else."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from footage.errors import KeyFormatError
from footage.keys import (
    KeyKind,
    build_key,
    build_original_key,
    build_original_spool_name,
    build_quarantine_key,
    build_rendition_key,
    build_segment_key,
    build_spool_name,
    build_thumbnail_key,
    build_upload_key,
    format_stamp,
    original_extension,
    parse_key,
    parse_spool_name,
    validate_id,
    variant_of,
)

ZONES = [UTC, ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Europe/London")]
ZONES += [timezone(timedelta(hours=5, minutes=45)), timezone(timedelta(hours=-9, minutes=-30))]
CAMERAS = ["cam1", "lobby-east", "gate_2", "A", "Cam-01_b"]
SITES = ["HO", "CABANG-01", "site_7"]


def random_moments(seed: int, count: int) -> list[datetime]:
    rng = random.Random(seed)
    lo = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
    hi = datetime(2099, 12, 31, tzinfo=UTC).timestamp()
    moments = []
    for _ in range(count):
        utc = datetime.fromtimestamp(rng.uniform(lo, hi), UTC)
        moments.append(utc.astimezone(rng.choice(ZONES)))
    return moments


def whole_seconds_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


@pytest.mark.parametrize(
    ("kind", "seed"), [(KeyKind.SEGMENT, 1), (KeyKind.THUMBNAIL, 2), (KeyKind.QUARANTINE, 3)]
)
def test_round_trip_for_random_moments(kind: KeyKind, seed: int) -> None:
    rng = random.Random(seed)
    for moment in random_moments(seed=seed, count=300):
        site, camera = rng.choice(SITES), rng.choice(CAMERAS)
        days = rng.choice([1, 7, 30, 90, 180, 3650])
        key = build_key(kind, site, camera, moment, retention_days=days)
        parsed = parse_key(key)
        assert parsed.kind is kind
        assert (parsed.site, parsed.camera, parsed.retention_days) == (site, camera, days)
        assert parsed.start == whole_seconds_utc(moment)
        assert parsed.start.tzinfo is UTC
        assert parsed.profile is None
        rebuilt = build_key(kind, site, camera, parsed.start, retention_days=days,
                            extension=parsed.extension)  # fmt: skip
        assert rebuilt == key


def test_rendition_round_trip_keeps_profile() -> None:
    for moment in random_moments(seed=11, count=300):
        key = build_rendition_key("CABANG-01", "gate_2", moment, "h264-small")
        parsed = parse_key(key)
        assert parsed.kind is KeyKind.RENDITION
        assert parsed.profile == "h264-small"
        assert parsed.extension == "mp4"
        assert parsed.start == whole_seconds_utc(moment)
        assert parsed.retention_days is None  # renditions have their own lifecycle
        assert build_rendition_key("CABANG-01", "gate_2", parsed.start, "h264-small") == key


def test_segment_key_layout_uses_utc_date_of_start() -> None:
    # 06:30 WIB on the 26th is 23:30 UTC on the 25th: the folder follows UTC.
    start = datetime(2026, 11, 26, 6, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert build_segment_key("CABANG-01", "lobby-east", start, retention_days=30) == (
        "segments/retention=30/CABANG-01/lobby-east/2026/11/25/lobby-east_20261125T233000Z.mp4"
    )
    assert build_thumbnail_key("HO", "cam1", start, retention_days=30) == (
        "thumbnails/retention=30/HO/cam1/2026/11/25/cam1_20261125T233000Z.jpg"
    )


def test_quarantine_twin_keeps_site_camera_start_and_extension() -> None:
    start = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
    key = build_segment_key("HO", "gate_2", start, retention_days=90)
    twin = build_quarantine_key(key)
    assert twin == "quarantine/retention=90/HO/gate_2/2026/11/25/gate_2_20261125T013000Z.mp4"
    assert parse_key(twin).kind is KeyKind.QUARANTINE
    assert parse_key(twin).retention_days == 90
    legacy = "segments/HO/gate_2/2026/11/25/gate_2_20261125T013000Z.mp4"
    assert (
        build_quarantine_key(legacy)
        == "quarantine/HO/gate_2/2026/11/25/gate_2_20261125T013000Z.mp4"
    )


GOOD = "segments/HO/cam1/2026/11/25/cam1_20261125T013000Z.mp4"


@pytest.mark.parametrize(
    "key",
    [
        "clips/HO/cam1/2026/11/25/cam1_20261125T013000Z.mp4",  # wrong prefix
        "/segments/HO/cam1/2026/11/25/cam1_20261125T013000Z.mp4",
        "segments/HO/cam1/2026/11/25/cam2_20261125T013000Z.mp4",  # camera mismatch
        "segments/HO/cam1/2026/11/24/cam1_20261125T013000Z.mp4",  # folder != stamp date
        "segments/HO/cam1/2025/11/25/cam1_20261125T013000Z.mp4",
        "segments/../cam1/2026/11/25/cam1_20261125T013000Z.mp4",  # '..' site
        "segments/HO/../2026/11/25/.._20261125T013000Z.mp4",  # '..' camera
        "segments/HO/cam1/2026/13/25/cam1_20261325T013000Z.mp4",  # month 13
        "segments/HO/cam1/2026/11/25/cam1_20261125T013000.mp4",  # no Z
        "segments/HO/cam1/2026/11/25/cam1_20261125T013000Z.MP4",
        "segments/HO/cam1/2026/11/25/cam1_20261125T013000Z.mp4/extra",
        "segments/HO/cam1/2026/11/25/cam1_20261125T013000Z.mp4\n",
        "",
    ],
)
def test_parse_rejects(key: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_key(key)


def test_good_key_of_the_rejection_table_parses() -> None:
    assert parse_key(GOOD).camera == "cam1"


def test_build_rejects_naive_datetime() -> None:
    with pytest.raises(KeyFormatError, match="naive"):
        build_segment_key("HO", "cam1", datetime(2026, 11, 25, 1, 30), retention_days=30)
    with pytest.raises(KeyFormatError, match="naive"):
        build_spool_name(datetime(2026, 11, 25, 1, 30))


def test_build_rejects_profile_misuse() -> None:
    start = datetime(2026, 11, 25, tzinfo=UTC)
    with pytest.raises(KeyFormatError):
        build_key(KeyKind.SEGMENT, "HO", "cam1", start, retention_days=30, profile="h264-small")
    with pytest.raises(KeyFormatError):
        build_key(KeyKind.RENDITION, "HO", "cam1", start, retention_days=None)


@pytest.mark.parametrize("bad", ["../x", "a/b", "..", "", "x" * 65, "ü", "-cam", "cam 1", "cam1\n"])
def test_build_rejects_bad_ids(bad: str) -> None:
    start = datetime(2026, 11, 25, tzinfo=UTC)
    with pytest.raises(KeyFormatError):
        build_segment_key(bad, "cam1", start, retention_days=30)
    with pytest.raises(KeyFormatError):
        build_segment_key("HO", bad, start, retention_days=30)


@pytest.mark.parametrize("bad", ["../x", "a/b", "", "x" * 65, "ü", "_cam", "cam1\n", "cam.1"])
def test_validate_id_rejects(bad: str) -> None:
    with pytest.raises(KeyFormatError):
        validate_id(bad, "camera")


@pytest.mark.parametrize("good", ["CABANG-01", "cam_1", "A", "9", "x" * 64])
def test_validate_id_accepts(good: str) -> None:
    assert validate_id(good) == good


def test_spool_name_round_trip() -> None:
    for moment in random_moments(seed=3, count=300):
        name = build_spool_name(moment)
        assert name == f"{format_stamp(moment)}.mp4"
        assert parse_spool_name(name) == whole_seconds_utc(moment)
    assert parse_spool_name(build_spool_name(datetime(2026, 1, 2, tzinfo=UTC), "mkv")) == (
        datetime(2026, 1, 2, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    "name",
    ["clip.mp4", "20261125T013000Z", "20261125T013000Z.mp4.part", ".tmp-20261125T013000Z.mp4"],
)
def test_parse_spool_name_rejects(name: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_spool_name(name)


@pytest.mark.parametrize("kind", list(KeyKind))
def test_variant_round_trips_for_every_kind(kind: KeyKind) -> None:
    profile = "h264-small" if kind is KeyKind.RENDITION else None
    for moment in random_moments(seed=21, count=50):
        days = None if kind is KeyKind.RENDITION else 14
        key = build_key(kind, "HO", "gate_2", moment, retention_days=days, profile=profile,
                        variant="0f" * 8)  # fmt: skip
        parsed = parse_key(key)
        assert (parsed.variant, parsed.profile) == ("0f" * 8, profile)
        rebuilt = build_key(kind, "HO", "gate_2", parsed.start, retention_days=days,
                            profile=profile, extension=parsed.extension,
                            variant=parsed.variant)  # fmt: skip
        assert rebuilt == key


def test_variant_layout_and_quarantine_keeps_it() -> None:
    start = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    key = build_segment_key("HO", "lobby", start, variant_of("AB" * 32), retention_days=7)
    assert key == (
        "segments/retention=7/HO/lobby/2026/11/25/lobby_20261125T233000Z-abababababababab.mp4"
    )
    assert build_quarantine_key(key).endswith("lobby_20261125T233000Z-abababababababab.mp4")
    assert parse_key(build_segment_key("HO", "lobby", start, retention_days=7)).variant is None


@pytest.mark.parametrize(
    "bad",
    [
        "segments/HO/lobby/2026/11/25/lobby_20261125T233000Z-ABABABABABABABAB.mp4",
        "segments/HO/lobby/2026/11/25/lobby_20261125T233000Z-abab.mp4",
        "segments/HO/lobby/2026/11/25/lobby_20261125T233000Z-.mp4",
        "segments/HO/lobby/2026/11/25/lobby_20261125T233000Z-abababababababab-ab.mp4",
    ],
)
def test_malformed_variants_are_not_keys(bad: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_key(bad)


def test_variant_of_needs_a_sha256() -> None:
    with pytest.raises(KeyFormatError):
        variant_of("not-hex")
    with pytest.raises(KeyFormatError):
        build_segment_key("HO", "lobby", datetime(2026, 1, 1, tzinfo=UTC), "xyz", retention_days=1)


def test_original_round_trip_and_upload_keys() -> None:
    for moment in random_moments(seed=7, count=100):
        key = build_original_key("CABANG-01", "cam1", moment, "avi", retention_days=180)
        parsed = parse_key(key)
        assert parsed.kind is KeyKind.SEGMENT and parsed.is_original
        assert (parsed.start, parsed.extension) == (whole_seconds_utc(moment), "avi")
        assert key.startswith("segments/retention=180/CABANG-01/cam1/")  # the edge's own prefix
        name = build_original_spool_name(moment, "avi")
        assert parse_spool_name(name) == whole_seconds_utc(moment)
        assert build_upload_key("CABANG-01", "cam1", moment, name, retention_days=180) == key
        spool = build_spool_name(moment)
        assert build_upload_key("CABANG-01", "cam1", moment, spool, retention_days=180) == (
            build_segment_key("CABANG-01", "cam1", moment, retention_days=180)
        )
    start = datetime(2026, 11, 25, tzinfo=UTC)
    variant = build_original_key("HO", "cam1", start, "avi", variant="0123456789abcdef",
                                 retention_days=180)  # fmt: skip
    assert parse_key(variant).variant == "0123456789abcdef" and parse_key(variant).is_original
    assert not parse_key(build_segment_key("HO", "cam1", start, retention_days=1)).is_original
    assert [original_extension(n) for n in ("A.AVI", "x.dav", "noext", "b.tar.gz", "c.m p4")] == [
        "avi",
        "dav",
        "bin",
        "gz",
        "bin",
    ]
    with pytest.raises(KeyFormatError):
        build_key(KeyKind.THUMBNAIL, "HO", "cam1", start, retention_days=1, profile="original")
    with pytest.raises(KeyFormatError):
        build_original_key("HO", "cam1", start, "a/vi", retention_days=1)
