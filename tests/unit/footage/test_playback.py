"""The playback playlist: only footage that plays is listed; every gap says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.coverage import Gap, GapReason
from footage.keys import build_segment_key
from footage.models import Segment, SegmentStatus
from footage.services.playback import playback_playlist, render_playlist
from tests.unit.fakes import FakeStorage

T0 = datetime(2026, 12, 5, 22, 40, tzinfo=UTC)


def _row(offset: int, seconds: int, status: SegmentStatus = SegmentStatus.OK,
         reason: str | None = None) -> Segment:  # fmt: skip
    start = T0 + timedelta(seconds=offset)
    return Segment("lobby", "HO", start, start + timedelta(seconds=seconds), 1000, "0" * 64,
                   build_segment_key("HO", "lobby", start, retention_days=180), codec="h264",
                   status=status, reason=reason, init_size=100)  # fmt: skip


@pytest.fixture
def catalog(tmp_path: Path):
    catalog = SqliteCatalog(tmp_path / "index.sqlite3")
    catalog.initialize()
    yield catalog
    catalog.close()


def test_segments_that_do_not_play_are_left_out_and_their_time_is_a_gap_with_a_reason(
    catalog: SqliteCatalog,
) -> None:
    storage = FakeStorage()
    catalog.put_segment(_row(0, 60))
    catalog.put_segment(_row(60, 0, SegmentStatus.QUARANTINED, "unreadable: moov atom not found"))
    catalog.put_segment(_row(120, 60))
    catalog.put_segment(_row(180, 0))  # indexed OK, but empty
    catalog.put_segment(_row(240, 60))

    playlist = playback_playlist(catalog, storage, "lobby", T0, T0 + timedelta(minutes=6))

    assert playlist.segments == 3
    assert [(g.start - T0, g.end - T0, g.reason, g.detail) for g in playlist.gaps] == [
        (timedelta(seconds=60), timedelta(seconds=120), GapReason.UNPLAYABLE,
         "unreadable: moov atom not found"),
        (timedelta(seconds=180), timedelta(seconds=240), GapReason.UNPLAYABLE, None),
        (timedelta(seconds=300), timedelta(seconds=360), GapReason.NO_RECORDING, None),
    ]  # fmt: skip
    assert playlist.text.count("#EXT-X-DISCONTINUITY") == 3
    assert "## gap 2026-12-05T22:41:00.000Z/2026-12-05T22:42:00.000Z unplayable\n" in playlist.text
    assert "moov" not in playlist.text  # a row's reason never reaches the playlist


def test_the_playlist_is_rendered_exactly() -> None:
    segment = _row(0, 10)
    gap = Gap(T0 + timedelta(seconds=10), T0 + timedelta(seconds=50), GapReason.OVERLAP, "x\n#")
    text = render_playlist([segment], ["https://s/a.mp4"], [100], [gap])
    assert text == (
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        "## gap 2026-12-05T22:40:10.000Z/2026-12-05T22:40:50.000Z overlap\n"
        "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-12-05T22:40:00.000Z\n"
        '#EXT-X-MAP:URI="https://s/a.mp4",BYTERANGE="100@0"\n#EXTINF:10.000,\n'
        "#EXT-X-BYTERANGE:900@100\nhttps://s/a.mp4\n#EXT-X-ENDLIST\n"
    )
