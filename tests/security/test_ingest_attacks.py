"""Attacks on the index through uploads.

The attacker holds a branch's edge credentials (a stolen CABANG-01 box): they
may write anything under ``segments/CABANG-01/``, and re-send any key of their
own site. What they must never do is add, replace or spoil another site's
footage, or replace footage of their own site that is already indexed.

On-prem (a NAS folder and SQLite, the ingest service the local worker runs)
and in AWS (S3 -> SQS -> the real ingest Lambda handler -> DynamoDB, on moto).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.clock import SystemClock
from footage.config import Config
from footage.keys import build_quarantine_key, build_segment_key, variant_of
from footage.media.ops import sha256_file
from footage.models import Segment, SegmentStatus
from footage.services.ingest import IngestContext, Outcome, context_from_config, ingest_object
from footage.services.playback import playback_playlist
from footage.storage import META_SHA256, Storage
from tests.support.cloud import Cloud, serverless
from tests.support.media import make_clip

pytestmark = pytest.mark.integration
START = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
MINUTE = timedelta(minutes=1)
CONFIG = Config.model_validate({
    "sites": [{"id": "HO", "name": "Kantor Pusat"}, {"id": "CABANG-01", "name": "Cabang 01"}],
    "cameras": [{"id": "ho-lobby", "site": "HO", "name": "Lobby", "rtsp_url": "rtsp://h/1"},
                {"id": "cab-kasir", "site": "CABANG-01", "name": "Kasir", "rtsp_url": "rtsp://h/2"}],
})  # fmt: skip


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two different real recordings and a file that is not video at all."""
    tmp = tmp_path_factory.mktemp("clips")
    garbage = tmp / "garbage.mp4"
    garbage.write_bytes(b"\x00not a video" * 500)
    return {"real": make_clip(tmp / "real.mp4", 3), "fake": make_clip(tmp / "fake.mp4", 2),
            "garbage": garbage}  # fmt: skip


@pytest.fixture
def onprem(tmp_path: Path) -> Iterator[IngestContext]:
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    yield context_from_config(CONFIG, storage, catalog, SystemClock(), tmp_path / "work")
    catalog.close()


def put(storage: Storage, key: str, clip: Path, *, once: bool = True) -> str:
    storage.put_file(key, clip, {META_SHA256: sha256_file(clip)}, if_absent=once)
    return key


def indexed_ho(ctx: IngestContext, clip: Path, start: datetime = START) -> Segment:
    key = put(ctx.storage, build_segment_key("HO", "ho-lobby", start, retention_days=180), clip)
    assert ingest_object(ctx, key).outcome is Outcome.INDEXED
    row = ctx.catalog.get_segment("ho-lobby", start)
    assert row is not None and row.status is SegmentStatus.OK
    return row


def playlist(ctx: IngestContext) -> list[str]:
    text = playback_playlist(ctx.catalog, ctx.storage, "ho-lobby", START, START + 5 * MINUTE).text
    return [line.split("?")[0] for line in text.splitlines() if line.startswith("/media/")]


# -- a branch edge writing under its own prefix, naming an HO camera ----------


def test_branch_object_naming_an_ho_camera_is_refused(onprem, clips) -> None:
    ho = indexed_ho(onprem, clips["real"])
    before = playlist(onprem)
    attack = put(
        onprem.storage,
        build_segment_key("CABANG-01", "ho-lobby", START, retention_days=180),
        clips["fake"],
    )

    result = ingest_object(onprem, attack)

    assert result.outcome is Outcome.REFUSED
    assert "belongs to site HO" in result.reason
    assert onprem.catalog.get_segment("ho-lobby", START) == ho
    assert playlist(onprem) == before
    assert onprem.storage.head(attack) is None  # out of segments/, kept for the investigation
    assert onprem.storage.head(build_quarantine_key(attack)) is not None
    assert onprem.catalog.query_site("CABANG-01", START, START + MINUTE,
                                     include_quarantined=True) == []  # fmt: skip


def test_branch_garbage_at_another_minute_does_not_spoil_ho(onprem, clips) -> None:
    ho = indexed_ho(onprem, clips["real"], START + MINUTE)
    attack = build_segment_key("CABANG-01", "ho-lobby", START + MINUTE, retention_days=180)
    put(onprem.storage, attack, clips["garbage"])

    assert ingest_object(onprem, attack).outcome is Outcome.REFUSED
    assert onprem.catalog.get_segment("ho-lobby", START + MINUTE) == ho
    rows = onprem.catalog.query_camera("ho-lobby", START, START + 5 * MINUTE,
                                       include_quarantined=True)  # fmt: skip
    assert rows == [ho]


def test_an_unconfigured_camera_is_refused(onprem, clips) -> None:
    attack = put(
        onprem.storage,
        build_segment_key("CABANG-01", "new-cam", START, retention_days=180),
        clips["fake"],
    )

    result = ingest_object(onprem, attack)

    assert (result.outcome, result.reason) == (Outcome.REFUSED, "camera new-cam is not configured")
    assert onprem.catalog.cameras() == []


# -- a second object for a segment that is indexed ----------------------------


def test_other_footage_under_a_variant_is_kept_apart_never_played(onprem, clips) -> None:
    ho = indexed_ho(onprem, clips["real"])
    before = playlist(onprem)
    digest = sha256_file(clips["fake"])
    variant = build_segment_key("HO", "ho-lobby", START, variant_of(digest), retention_days=180)
    put(onprem.storage, variant, clips["fake"])

    result = ingest_object(onprem, variant)

    assert result.outcome is Outcome.CONFLICT
    assert onprem.catalog.get_segment("ho-lobby", START) == ho
    assert playlist(onprem) == before
    apart = onprem.catalog.get_segment("ho-lobby", START, variant_of(digest))
    assert apart is not None and apart.status is SegmentStatus.CONFLICT
    assert apart.sha256 == digest and apart.key == variant
    assert ho.sha256[:12] in (apart.reason or "")


def test_an_overwrite_a_store_let_through_is_kept_apart(onprem, clips) -> None:
    ho = indexed_ho(onprem, clips["real"])
    key = put(
        onprem.storage,
        build_segment_key("HO", "ho-lobby", START + MINUTE, retention_days=180),
        clips["real"],
    )
    ingest_object(onprem, key)
    bad_store_overwrite = put(onprem.storage, key, clips["fake"], once=False)

    assert ingest_object(onprem, bad_store_overwrite).outcome is Outcome.CONFLICT
    assert onprem.catalog.get_segment("ho-lobby", START) == ho
    first = onprem.catalog.get_segment("ho-lobby", START + MINUTE)
    assert first is not None and first.sha256 == sha256_file(clips["real"])


def test_garbage_variant_never_quarantines_the_indexed_segment(onprem, clips) -> None:
    ho = indexed_ho(onprem, clips["real"])
    digest = sha256_file(clips["garbage"])
    variant = build_segment_key("HO", "ho-lobby", START, variant_of(digest), retention_days=180)
    put(onprem.storage, variant, clips["garbage"])

    result = ingest_object(onprem, variant)

    assert result.outcome is Outcome.QUARANTINED
    assert onprem.catalog.get_segment("ho-lobby", START) == ho
    apart = onprem.catalog.get_segment("ho-lobby", START, variant_of(digest))
    assert apart is not None and apart.status is SegmentStatus.QUARANTINED
    assert apart.key.startswith("quarantine/") and onprem.storage.head(apart.key) is not None


def test_garbage_sent_first_gives_way_to_the_real_recording(onprem, clips) -> None:
    """A stolen key pre-sends garbage for a minute not yet recorded: the real
    segment, arriving later under its variant, still becomes the one that plays."""
    squat = put(
        onprem.storage,
        build_segment_key("HO", "ho-lobby", START, retention_days=180),
        clips["garbage"],
    )
    assert ingest_object(onprem, squat).outcome is Outcome.QUARANTINED
    real = sha256_file(clips["real"])
    variant = build_segment_key("HO", "ho-lobby", START, variant_of(real), retention_days=180)
    put(onprem.storage, variant, clips["real"])

    assert ingest_object(onprem, variant).outcome is Outcome.INDEXED

    row = onprem.catalog.get_segment("ho-lobby", START)
    assert row is not None and row.status is SegmentStatus.OK and row.sha256 == real
    assert playlist(onprem) == [f"/media/{variant}"]  # "=" of the class is a path character
    kept = onprem.catalog.get_segment("ho-lobby", START, variant_of(sha256_file(clips["garbage"])))
    assert kept is not None and kept.status is SegmentStatus.QUARANTINED


def test_the_same_footage_sent_again_is_one_row(onprem, clips) -> None:
    """An edge that crashed after its put sends the file again as a variant: dropped."""
    ho = indexed_ho(onprem, clips["real"])
    again = build_segment_key("HO", "ho-lobby", START, variant_of(ho.sha256), retention_days=180)
    put(onprem.storage, again, clips["real"])

    assert ingest_object(onprem, again).outcome is Outcome.DUPLICATE
    assert onprem.storage.head(again) is None
    assert onprem.catalog.query_camera("ho-lobby", START, START + MINUTE,
                                       include_quarantined=True) == [ho]  # fmt: skip


# -- the same attacks through S3, SQS and the ingest Lambda (DynamoDB) --------


@pytest.fixture(scope="module")
def cloud(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    cameras = {"ho-lobby": ("HO", 180), "cab-kasir": ("CABANG-01", 180)}
    with serverless(moto_server, tmp_path_factory.mktemp("cloud"), cameras) as harness:
        yield harness


def test_lambda_refuses_a_branch_object_naming_an_ho_camera(cloud, clips) -> None:
    start = START + 10 * MINUTE
    put(
        cloud.storage, build_segment_key("HO", "ho-lobby", start, retention_days=180), clips["real"]
    )
    assert cloud.pump() == []
    ho = cloud.catalog.get_segment("ho-lobby", start)
    assert ho is not None and ho.status is SegmentStatus.OK
    attack = put(
        cloud.storage,
        build_segment_key("CABANG-01", "ho-lobby", start, retention_days=180),
        clips["fake"],
    )
    later = build_segment_key("CABANG-01", "ho-lobby", start + MINUTE, retention_days=180)
    garbage = put(cloud.storage, later, clips["garbage"])

    assert cloud.pump() == []  # refused objects are done, not retried

    assert cloud.catalog.get_segment("ho-lobby", start) == ho
    assert cloud.catalog.get_segment("ho-lobby", start + MINUTE) is None
    assert cloud.storage.head(attack) is None and cloud.storage.head(garbage) is None
    assert cloud.storage.head(build_quarantine_key(attack)) is not None


def test_lambda_keeps_a_second_object_apart(cloud, clips) -> None:
    start = START + 20 * MINUTE
    put(
        cloud.storage, build_segment_key("HO", "ho-lobby", start, retention_days=180), clips["real"]
    )
    assert cloud.pump() == []
    ho = cloud.catalog.get_segment("ho-lobby", start)
    digest = sha256_file(clips["fake"])
    put(cloud.storage, build_segment_key("HO", "ho-lobby", start, variant_of(digest),
                                         retention_days=180), clips["fake"])  # fmt: skip

    assert cloud.pump() == []

    assert cloud.catalog.get_segment("ho-lobby", start) == ho
    apart = cloud.catalog.get_segment("ho-lobby", start, variant_of(digest))
    assert apart is not None and apart.status is SegmentStatus.CONFLICT
    playable = cloud.catalog.query_camera("ho-lobby", start, start + MINUTE)
    assert [s.sha256 for s in playable] == [ho.sha256 if ho else ""]
