"""parse_framecrc on recorded ffmpeg output (pure: no ffmpeg runs here)."""

from __future__ import annotations

import pytest

from footage.errors import CorruptMedia
from footage.media.packets import parse_framecrc
from footage.media.probe import VIDEO_CODECS

HEADER = """#extradata 0:       40, 0x1dcc0cf7
#software: Lavf59.27.100
#tb 0: 1/15360
#media_type 0: video
#codec_id 0: h264
#dimensions 0: 1920x1080
#sar 0: 1/1
#tb 1: 1/8000
#media_type 1: audio
#codec_id 1: pcm_alaw
#sample_rate 1: 8000
"""


def _packets(frames: int, first_pts: int = 0) -> str:
    lines = [f"0, {first_pts + i * 1024}, {first_pts + i * 1024}, 1024, 9000, 0x1, F=0x0"
             for i in range(frames)]  # fmt: skip
    lines.append("1, 0, 0, 8000, 8000, 0x2")
    return "\n".join(lines)


def test_video_span_rate_size_and_audio():
    info = parse_framecrc(HEADER + _packets(900, first_pts=2048), VIDEO_CODECS)
    assert (info.codec, info.width, info.height, info.audio_codec) == (
        "h264", 1920, 1080, "pcm_alaw",
    )  # fmt: skip
    assert info.duration_s == pytest.approx(60.0)
    assert info.fps == 15.0


def test_coarse_time_base_uses_the_mean_rate():
    header = "#tb 0: 1/1000\n#media_type 0: video\n#codec_id 0: hevc\n#dimensions 0: 640x360\n"
    packets = "\n".join(f"0, {round(i * 1000 / 15)}, {round(i * 1000 / 15)}, 67, 10, 0x0"
                        for i in range(60))  # fmt: skip
    info = parse_framecrc(header + packets, VIDEO_CODECS)
    assert info.fps == 15.0
    assert info.duration_s == pytest.approx(4.0, abs=0.002)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no video stream"),
        (HEADER.replace("h264", "png"), "no video stream"),
        (HEADER, "no complete frames"),
        (HEADER.replace("1920x1080", "0x0") + _packets(3), "no picture size"),
        (HEADER + "0, 1, banana, 3, 4, 0x5", "unexpected ffmpeg packet line"),
    ],
)
def test_unusable_output_is_corrupt(text, reason):
    with pytest.raises(CorruptMedia, match=reason):
        parse_framecrc(text, VIDEO_CODECS)
