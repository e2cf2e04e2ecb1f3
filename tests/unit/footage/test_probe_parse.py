"""parse_probe on hand-written ffprobe JSON (no ffprobe needed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from footage.errors import CorruptMedia
from footage.media.probe import parse_probe


def probe_json(
    *,
    video: dict[str, Any] | None = None,
    audio: dict[str, Any] | None = None,
    duration: str | None = "60.040000",
    tags: dict[str, str] | None = None,
) -> str:
    streams: list[dict[str, Any]] = []
    if video is not None:
        streams.append(
            {
                "index": 0,
                "codec_type": "video",
                "codec_name": "h264",
                "width": 1920,
                "height": 1080,
                "r_frame_rate": "15/1",
                "avg_frame_rate": "15/1",
                **video,
            }
        )
    if audio is not None:
        streams.append({"index": 1, "codec_type": "audio", **audio})
    fmt: dict[str, Any] = {"format_name": "mov,mp4,m4a,3gp,3g2,mj2"}
    if duration is not None:
        fmt["duration"] = duration
    if tags is not None:
        fmt["tags"] = tags
    return json.dumps({"streams": streams, "format": fmt})


def test_h264_ok() -> None:
    info = parse_probe(probe_json(video={}))
    assert info.codec == "h264"
    assert (info.width, info.height) == (1920, 1080)
    assert info.fps == 15.0
    assert info.duration_s == pytest.approx(60.04)
    assert info.audio_codec is None
    assert info.creation_time is None


def test_fps_from_avg_frame_rate_when_r_frame_rate_is_unknown() -> None:
    info = parse_probe(probe_json(video={"r_frame_rate": "0/0", "avg_frame_rate": "15/1"}))
    assert info.fps == 15.0


def test_fps_prefers_r_frame_rate() -> None:
    info = parse_probe(probe_json(video={"r_frame_rate": "25/1", "avg_frame_rate": "2997/125"}))
    assert info.fps == 25.0


def test_fps_zero_when_no_rate_is_usable() -> None:
    info = parse_probe(probe_json(video={"r_frame_rate": "90000/1", "avg_frame_rate": "0/0"}))
    assert info.fps == 0.0


def test_hevc_and_stream_duration_fallback() -> None:
    info = parse_probe(probe_json(video={"codec_name": "hevc", "duration": "30.5"}, duration=None))
    assert info.codec == "hevc"
    assert info.duration_s == 30.5


def test_no_video_stream() -> None:
    with pytest.raises(CorruptMedia) as caught:
        parse_probe(probe_json(audio={"codec_name": "pcm_alaw"}))
    assert caught.value.reason == "no video stream"


def test_unknown_video_codec_counts_as_no_video() -> None:
    with pytest.raises(CorruptMedia, match="no video stream"):
        parse_probe(probe_json(video={"codec_name": "png"}))


@pytest.mark.parametrize("duration", ["0.000000", "N/A", None])
def test_no_duration(duration: str | None) -> None:
    with pytest.raises(CorruptMedia, match="no duration"):
        parse_probe(probe_json(video={}, duration=duration))


def test_no_duration_is_fine_for_a_live_stream() -> None:
    info = parse_probe(probe_json(video={}, duration=None), need_duration=False)
    assert info.duration_s == 0.0
    assert info.codec == "h264"


def test_no_picture_size() -> None:
    with pytest.raises(CorruptMedia, match="picture size"):
        parse_probe(probe_json(video={"width": 0}))


@pytest.mark.parametrize("output", ["", "not json", "{}"])
def test_empty_or_garbage_output(output: str) -> None:
    with pytest.raises(CorruptMedia):
        parse_probe(output)


def test_audio_codec_pcm_alaw_picked_up() -> None:
    g711 = {"codec_name": "pcm_alaw", "sample_rate": "8000"}
    info = parse_probe(probe_json(video={}, audio=g711))
    assert info.audio_codec == "pcm_alaw"


def test_creation_time_parsed_as_aware() -> None:
    info = parse_probe(probe_json(video={}, tags={"creation_time": "2026-11-25T01:30:00.000000Z"}))
    assert info.creation_time == datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
    assert info.creation_time.tzinfo is not None


@pytest.mark.parametrize("value", ["2026-11-25T01:30:00", "yesterday"])
def test_naive_or_bad_creation_time_ignored(value: str) -> None:
    info = parse_probe(probe_json(video={}, tags={"creation_time": value}))
    assert info.creation_time is None
