"""On-demand renditions: the parts of a segment, their keys, what the playlist
lists for a viewer that cannot decode HEVC, and the part a URL asks for."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.errors import KeyFormatError, NoFootage
from footage.keys import (
    KeyKind,
    build_evidence_key,
    build_rendition_key,
    build_segment_key,
    parse_key,
)
from footage.media.commands import rendition_command
from footage.models import Segment, SegmentStatus
from footage.services.playback import PlaybackCodec, choose_sources, playback_playlist
from footage.services.renditions import (
    PART_SECONDS,
    RENDITION_PROFILE,
    LocalRenditions,
    RenditionJob,
    SourceCache,
    needs_rendition,
    part_key,
    plan_parts,
    rendition_url,
)
from tests.unit.fakes import FakeStorage

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
VARIANT = "0123456789abcdef"


def _row(offset: float, seconds: float, codec: str = "hevc", variant: str | None = None) -> Segment:
    start = T0 + timedelta(seconds=offset)
    key = build_segment_key("HO", "gate", start, variant, retention_days=30)
    return Segment("gate", "HO", start, start + timedelta(seconds=seconds), 9000, "0" * 64, key,
                   codec=codec, fps=15.0, init_size=900)  # fmt: skip


@pytest.fixture
def catalog(tmp_path: Path):
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    yield catalog
    catalog.close()


def test_a_segment_is_cut_into_parts_and_a_short_tail_joins_the_last_part() -> None:
    assert PART_SECONDS == 2
    assert [(p.offset_s, p.length_s, p.last) for p in plan_parts(5.5)] == [
        (0, 2, False), (2, 2, False), (4, 1.5, True),
    ]  # fmt: skip
    assert [(p.offset_s, p.length_s) for p in plan_parts(5.0)] == [(0, 2), (2, 3.0)]
    assert [(p.offset_s, p.length_s, p.last) for p in plan_parts(0.4)] == [(0, 0.4, True)]
    assert plan_parts(0) == []
    assert sum(p.length_s for p in plan_parts(59.93)) == pytest.approx(59.93)


def test_hevc_needs_a_rendition_and_h264_does_not() -> None:
    assert all(needs_rendition(c) for c in ("hevc", "HEVC", "h265", "hvc1", " hev1 "))
    assert not any(needs_rendition(c) for c in ("h264", "avc1", "", "mjpeg"))


def test_a_part_key_is_derived_from_the_segment_key_with_its_variant() -> None:
    segment = _row(0, 60, variant=VARIANT)
    key = part_key(segment.key, 3)
    parsed = parse_key(key)
    assert parsed.kind is KeyKind.RENDITION
    assert (parsed.site, parsed.camera, parsed.start, parsed.variant) == ("HO", "gate", T0, VARIANT)
    assert (parsed.profile, parsed.extension, parsed.retention_days) == ("h264-2s-0003", "ts", None)
    assert key == (
        "renditions/HO/gate/2026/12/06/gate_20261206T080000Z-0123456789abcdef.h264-2s-0003.ts"
    )
    assert part_key(build_evidence_key(segment.key), 3) == key  # held footage plays too
    with pytest.raises(KeyFormatError):
        part_key("segments/../../etc/passwd", 0)


def test_without_a_codec_the_playlist_lists_segments_and_with_h264_the_parts_of_hevc_ones() -> None:
    hevc, avc = _row(0, 5.5), _row(6, 10, codec="h264")
    stored = frozenset({part_key(hevc.key, 1)})

    assert [(s.key, s.part) for s in choose_sources([hevc, avc], None, stored)] == [
        (hevc.key, None), (avc.key, None),
    ]  # fmt: skip
    only_avc = choose_sources([avc], PlaybackCodec.H264, stored)
    assert [(s.key, s.part) for s in only_avc] == [(avc.key, None)]  # nothing to convert
    chosen = choose_sources([hevc, avc], PlaybackCodec.H264, stored)
    assert [(s.part.index, s.part.copy, s.stored) for s in chosen if s.part] == [
        (0, False, False), (1, False, True), (2, False, False),
        (0, True, False),  # H.264 beside parts: copied into MPEG-TS, not transcoded
    ]  # fmt: skip
    assert chosen[1].key == part_key(hevc.key, 1)
    assert chosen[3].key == part_key(avc.key, 0, copy=True) != part_key(avc.key, 0)
    assert chosen[3].key.endswith(".h264-copy.ts")


def test_the_h264_playlist_makes_nothing_up_front_and_keeps_each_segment_continuous(
    catalog: SqliteCatalog,
) -> None:
    storage = FakeStorage()
    hevc, avc = _row(0, 5.5), _row(6, 10, codec="h264")
    catalog.put_segment(hevc)
    catalog.put_segment(avc)
    storage.put_bytes(part_key(hevc.key, 1), b"ts")

    text = playback_playlist(catalog, storage, "gate", T0, T0 + timedelta(seconds=16),
                             PlaybackCodec.H264).text  # fmt: skip

    assert storage.put_calls == 1  # listing only: no part is made for a playlist
    body = text.split("#EXT-X-INDEPENDENT-SEGMENTS\n", 1)[1]
    assert body == (
        "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-12-06T08:00:00.000Z\n"
        "#EXTINF:2.000,\nrenditions/20261206T080000Z/0\n"
        "#EXT-X-PROGRAM-DATE-TIME:2026-12-06T08:00:02.000Z\n#EXTINF:2.000,\n"
        f"memory://{part_key(hevc.key, 1)}?expires=3600\n"
        "#EXT-X-PROGRAM-DATE-TIME:2026-12-06T08:00:04.000Z\n#EXTINF:1.500,\n"
        "renditions/20261206T080000Z/2\n"
        "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-12-06T08:00:06.000Z\n"
        "#EXTINF:10.000,\nrenditions/20261206T080006Z/0\n#EXT-X-ENDLIST\n"
    )  # no EXT-X-MAP at all: hls.js would carry it over to the MPEG-TS parts
    plain = playback_playlist(catalog, storage, "gate", T0, T0 + timedelta(seconds=16)).text
    assert "renditions/" not in plain and plain.count("#EXT-X-MAP") == 2


def test_a_part_url_makes_the_part_once_then_serves_it(catalog: SqliteCatalog) -> None:
    storage, made = FakeStorage(), []
    segment = _row(0, 5.5)
    catalog.put_segment(segment)

    def make(job: RenditionJob) -> None:
        made.append(job)
        storage.put_bytes(job.key, b"ts")

    ttl = timedelta(hours=1)
    first = rendition_url(catalog, storage, make, "gate", T0, 2, ttl)
    again = rendition_url(catalog, storage, make, "gate", T0, 2, ttl)

    assert first == again == f"memory://{part_key(segment.key, 2)}?expires=3600"
    assert [(j.segment_key, j.index, j.part.offset_s, j.part.last) for j in made] == [
        (segment.key, 2, 4, True),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "start", "index"),
    [
        (_row(0, 5), T0, 3),  # past the segment's last part
        (_row(0, 5), T0 + timedelta(seconds=1), 0),  # no segment starts there
        (_row(0, 5, codec="h264"), T0, 1),  # copied whole: one part
        (Segment("gate", "HO", T0, T0 + timedelta(seconds=10), 1, "0" * 64,
                 build_segment_key("HO", "gate", T0, retention_days=30), codec="hevc",
                 status=SegmentStatus.QUARANTINED), T0, 0),  # does not play
    ],
)  # fmt: skip
def test_a_part_that_is_not_there_is_not_found_and_nothing_is_made(
    catalog: SqliteCatalog, row: Segment, start: datetime, index: int
) -> None:
    catalog.put_segment(row)
    with pytest.raises(NoFootage):
        rendition_url(catalog, FakeStorage(), lambda job: pytest.fail("made"), "gate", start,
                      index, timedelta(hours=1))  # fmt: skip


def test_a_job_round_trips_as_an_event_and_a_malformed_one_is_refused() -> None:
    job = RenditionJob.of(_row(0, 60), 14)
    assert RenditionJob.from_event(job.to_event()) == job
    for bad in (
        {},
        {**job.to_event(), "index": "1"},
        {**job.to_event(), "index": True},
        {**job.to_event(), "fps": None},
        {**job.to_event(), "index": 30},  # a 60 s segment has parts 0-29
        {**job.to_event(), "segment_key": "exports/x"},
    ):
        with pytest.raises(ValueError):
            RenditionJob.from_event(bad)


def test_the_rendition_command_cuts_frame_exact_and_keeps_the_source_timestamps() -> None:
    args = rendition_command(Path("in.mp4"), Path("out.ts"), RENDITION_PROFILE, 15.0, 8.0, 4.0)
    assert args[args.index("-ss") + 1] == "8.000" and args[args.index("-t") + 1] == "4.000"
    assert args.index("-ss") < args.index("-i")  # input seek: decoded and cut exactly
    assert {"-copyts", "libx264", "veryfast", "mpegts"} <= set(args)
    assert args[args.index("-muxdelay") + 1] == "0"
    last = rendition_command(Path("in.mp4"), Path("out.ts"), RENDITION_PROFILE, 15.0, 56.0, None)
    assert "-t" not in last  # the last part runs to the segment's end
    copy = rendition_command(Path("in.mp4"), Path("out.ts"), RENDITION_PROFILE, 15.0, 0.0, None,
                             copy=True)  # fmt: skip
    assert copy[copy.index("-c:v") + 1] == "copy" and "-ss" not in copy and "libx264" not in copy


def test_on_prem_old_parts_expire_and_an_ingest_policys_renditions_stay(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path / "nas", b"k" * 32)
    segment = _row(0, 60)
    old, fresh = part_key(segment.key, 0), part_key(segment.key, 1)
    footage = build_rendition_key("HO", "gate", T0, "h264-balanced")  # an ingest policy's
    for key in (old, fresh, footage):
        storage.put_bytes(key, b"x")
    now = datetime.now(UTC)
    eight_days = (now - timedelta(days=8)).timestamp()
    for key in (old, footage):
        path = storage.local_path(key)
        assert path is not None
        os.utime(path, (eight_days, eight_days))
    clock = [now]
    local = LocalRenditions(storage, tmp_path / "tmp", now=lambda: clock[0])

    local.expire_daily()
    assert [storage.head(k) is not None for k in (old, fresh, footage)] == [False, True, True]
    storage.put_bytes(old, b"x")
    path = storage.local_path(old)
    assert path is not None
    os.utime(path, (eight_days, eight_days))
    clock[0] = now + timedelta(hours=23)
    local.expire_daily()  # once a day
    assert storage.head(old) is not None
    clock[0] = now + timedelta(hours=25)
    local.expire_daily()
    assert storage.head(old) is None and storage.head(footage) is not None


class _CountingStorage(FakeStorage):
    def __init__(self) -> None:
        super().__init__()
        self.downloads: list[str] = []

    def download(self, key: str, dest: Path) -> None:
        self.downloads.append(key)
        super().download(key, dest)


def test_a_warm_container_downloads_a_segment_once_for_all_its_parts(tmp_path: Path) -> None:
    storage = _CountingStorage()
    first, second = _row(0, 60).key, _row(60, 60).key
    storage.put_bytes(first, b"a" * 1000)
    storage.put_bytes(second, b"b" * 1000)
    sources = SourceCache(max_bytes=1500)
    paths = [sources.path(storage, first, tmp_path) for _ in range(3)]
    assert storage.downloads == [first] and paths[0].read_bytes() == b"a" * 1000
    assert not list((tmp_path / "sources").glob("*.part"))  # no half copy is left to reuse
    # Past the limit the oldest copy goes; the newest is never dropped for itself.
    sources.path(storage, second, tmp_path)
    assert not paths[0].exists()
    sources.path(storage, first, tmp_path)
    assert storage.downloads == [first, second, first]
