"""Playback playlists and clip exports over real ingested footage (real ffmpeg)."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.clock import SystemClock
from footage.coverage import GapReason
from footage.errors import ExportNotFound, NoFootage
from footage.keys import build_export_key, build_segment_key
from footage.media.ops import sha256_file
from footage.media.probe import probe_file
from footage.services import exports
from footage.services.exports import ExportStatus, ExportStore, create_export, run_export
from footage.services.footage_query import camera_coverage
from footage.services.ingest import CameraPolicy, IngestContext, ingest_object
from footage.services.playback import playback_playlist
from footage.storage import Storage
from tests.support.media import make_clip

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
#: Four 10 s segments; nothing was recorded from +30 s to +40 s.
OFFSETS = (0, 10, 20, 40)
REGION = "ap-southeast-3"


def _ingest(storage: Storage, tmp_path: Path) -> SqliteCatalog:
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    ctx = IngestContext(
        storage,
        catalog,
        SystemClock(),
        {"cam-1": CameraPolicy(30, thumbnails=False, site="HO")},
        tmp_path,
    )
    clip = make_clip(tmp_path / "clip.mp4", seconds=10, audio=True)
    for offset in OFFSETS:
        key = build_segment_key("HO", "cam-1", T0 + timedelta(seconds=offset), retention_days=180)
        storage.put_file(key, clip, {"sha256": sha256_file(clip)})
        ingest_object(ctx, key)
    return catalog


@pytest.fixture
def nas(tmp_path: Path) -> Iterator[tuple[Storage, SqliteCatalog]]:
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    yield storage, _ingest(storage, tmp_path)


def test_playlist_from_s3_plays_every_frame_in_ffmpeg(moto_server: str, tmp_path: Path) -> None:
    from footage.adapters.s3 import S3Storage, make_s3_client

    client = make_s3_client(moto_server, REGION)
    bucket = f"play-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    storage = S3Storage(client, bucket)
    catalog = _ingest(storage, tmp_path)

    playlist = playback_playlist(catalog, storage, "cam-1", T0, T0 + timedelta(minutes=1))

    assert playlist.segments == 4
    assert [((g.start - T0).total_seconds(), (g.end - T0).total_seconds())
            for g in playlist.gaps] == [(pytest.approx(30, abs=0.1), 40),
                                        (pytest.approx(50, abs=0.1), 60)]  # fmt: skip
    text = playlist.text
    assert text.count("#EXT-X-DISCONTINUITY\n") == 4
    assert "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T02:00:40.000Z" in text
    assert text.count("#EXT-X-MAP:URI=") == 4 and text.endswith("#EXT-X-ENDLIST\n")
    m3u8 = tmp_path / "play.m3u8"
    m3u8.write_text(text)
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-protocol_whitelist", "file,http,tcp", "-i", str(m3u8),
         "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    frames = [line for line in done.stdout.splitlines() if line and not line.startswith("#")]
    assert len(frames) == 4 * 10 * 15  # every frame of the four segments, via byte ranges


def test_playlist_without_footage_is_no_footage(nas: tuple[Storage, SqliteCatalog]) -> None:
    storage, catalog = nas
    with pytest.raises(NoFootage):
        playback_playlist(catalog, storage, "cam-1", T0 - timedelta(hours=2), T0)
    with pytest.raises(ValueError, match="7 days"):
        playback_playlist(catalog, storage, "cam-1", T0, T0 + timedelta(days=8))


def test_export_trims_joins_and_continues_after_a_pause(
    nas: tuple[Storage, SqliteCatalog], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage, catalog = nas
    monkeypatch.setattr(exports, "PART_SPAN", timedelta(seconds=15))  # 3 parts
    store = ExportStore(storage)
    start, end = T0 + timedelta(seconds=5.5), T0 + timedelta(seconds=45)
    job = create_export(store, catalog, "cam-1", "HO", start, end, "admin", T0)
    assert (job.status, job.parts_total, job.segments_total) == (ExportStatus.QUEUED, 3, 4)

    now = lambda: T0  # noqa: E731
    calls = 0
    while job.status is not ExportStatus.DONE:  # a worker that must stop after every part
        job = run_export(store, catalog, job.id, tmp_path / "work", now, should_pause=lambda: True)
        calls += 1
        assert job.status is not ExportStatus.FAILED, job.error
        assert 0 <= job.progress <= 1
    assert calls == 4  # three parts, then the join

    url = store.download_url(job)
    assert url is not None and job.file_name in url
    result = storage.local_path(build_export_key(job.id, job.file_name or ""))
    assert result is not None
    info = probe_file(result)
    # 5.5..30 s and 40..45 s were recorded: 29.5 s. Stream copy starts at the keyframe
    # at or before 5.5 s (one per second): never late, at most a second early.
    assert 29.5 - 0.1 <= info.duration_s <= 29.5 + 1.0, info.duration_s
    assert info.audio_codec == "aac" and job.size_bytes == result.stat().st_size
    assert sorted(o.key for o in storage.list("exports/")) == sorted(  # the parts are gone
        build_export_key(job.id, name or "") for name in ("job.json", job.file_name, job.sidecar)
    )
    assert store.load(job.id).status is ExportStatus.DONE


def test_export_checks_its_range(nas: tuple[Storage, SqliteCatalog]) -> None:
    storage, catalog = nas
    store = ExportStore(storage)
    with pytest.raises(ValueError, match="2 hours"):
        create_export(store, catalog, "cam-1", "HO", T0, T0 + timedelta(hours=3), "a", T0)
    with pytest.raises(ValueError, match="after start"):
        create_export(store, catalog, "cam-1", "HO", T0, T0, "a", T0)
    with pytest.raises(NoFootage):
        create_export(store, catalog, "cam-1", "HO", T0 - timedelta(hours=1), T0, "a", T0)
    with pytest.raises(ExportNotFound):
        store.load(uuid.uuid4().hex)
    with pytest.raises(ExportNotFound):
        store.load("../../etc/passwd")


def test_export_of_deleted_footage_fails_with_a_reason(
    nas: tuple[Storage, SqliteCatalog], tmp_path: Path
) -> None:
    storage, catalog = nas
    store = ExportStore(storage)
    job = create_export(store, catalog, "cam-1", "HO", T0, T0 + timedelta(seconds=20), "a", T0)
    storage.delete(build_segment_key("HO", "cam-1", T0 + timedelta(seconds=10), retention_days=180))

    job = run_export(store, catalog, job.id, tmp_path / "work", lambda: T0)

    assert job.status is ExportStatus.FAILED and job.error and "no longer stored" in job.error
    assert store.download_url(job) is None


def test_an_export_across_a_hole_says_what_is_missing_before_and_after(tmp_path: Path) -> None:
    """90 s asked for, 40 s of it never recorded (a file there was unreadable): the
    coverage says so before, the job and its sidecar after, and the clip is ~50 s."""
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    policies = {"cam-1": CameraPolicy(30, thumbnails=False, site="HO")}
    ctx = IngestContext(storage, catalog, SystemClock(), policies, tmp_path)
    clip = make_clip(tmp_path / "clip.mp4", seconds=10)
    for offset in (0, 10, 20, 70, 80):
        key = build_segment_key("HO", "cam-1", T0 + timedelta(seconds=offset), retention_days=180)
        storage.put_file(key, clip, {"sha256": sha256_file(clip)})
        ingest_object(ctx, key)
    broken = build_segment_key("HO", "cam-1", T0 + timedelta(seconds=30), retention_days=180)
    storage.put_bytes(broken, b"\0" * 5000)
    ingest_object(ctx, broken)  # quarantined: indexed with its reason, not played
    start, end = T0, T0 + timedelta(seconds=90)

    before = camera_coverage(catalog, "cam-1", start, end)
    assert (before.covered_s, before.missing_s) == (50.0, 40.0)
    [hole] = before.missing
    assert (hole.start, hole.end, hole.reason) == (
        T0 + timedelta(seconds=30),
        T0 + timedelta(seconds=70),
        GapReason.UNPLAYABLE,
    )

    store = ExportStore(storage)
    job = create_export(store, catalog, "cam-1", "HO", start, end, "admin", T0,
                        timezone="Asia/Jakarta")  # fmt: skip
    assert [(g.start, g.end) for g in job.missing] == [(hole.start, hole.end)]
    job = run_export(store, catalog, job.id, tmp_path / "work", lambda: T0)
    assert job.status is ExportStatus.DONE, job.error
    assert job.download_name == "cam-1_2026-11-25_09-00-00_WIB_to_09-01-30_WIB.mp4"
    assert [(g.start, g.end, g.reason) for g in job.missing] == [
        (hole.start, hole.end, GapReason.UNPLAYABLE)
    ]
    mp4 = storage.local_path(build_export_key(job.id, job.file_name or ""))
    assert mp4 is not None and 50 - 0.1 <= probe_file(mp4).duration_s <= 50 + 1.0

    url = store.sidecar_url(job)
    assert url is not None and "cam-1_2026-11-25_09-00-00_WIB_to_09-01-30_WIB.json" in url
    sidecar = json.loads(storage.read_range(build_export_key(job.id, job.sidecar or "")))
    assert (sidecar["camera"], sidecar["timezone"], sidecar["missing_s"]) == (
        "cam-1", "Asia/Jakarta", 40.0)  # fmt: skip
    assert sidecar["requested"]["start_local"] == "2026-11-25 09:00:00 WIB"
    assert [(m["start"], m["end_local"], m["reason"]) for m in sidecar["missing"]] == [
        ("2026-11-25T02:00:30Z", "2026-11-25 09:01:10 WIB", "unplayable")
    ]
    assert sidecar["missing"][0]["detail"]  # the quarantined file's own reason
    assert [c["seconds"] for c in sidecar["covered"]] == [30.0, 20.0]
    assert len(sidecar["segments"]) == 5 and sidecar["file"]["sha256"] == sha256_file(mp4)
    assert all(len(s["sha256"]) == 64 for s in sidecar["segments"])
