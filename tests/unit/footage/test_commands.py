"""ffmpeg command lines: every flag is its own list element, traced to a preset."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from footage.errors import MediaError
from footage.keys import RECORDER_FILENAME_PATTERN
from footage.media.commands import (
    FRAGMENTED_MP4,
    SEGMENT_FORMAT_OPTIONS,
    RecordSpec,
    RelaySpec,
    probe_file_command,
    probe_stream_command,
    record_command,
    relay_command,
    remux_command,
)

URL = "rtsp://10.0.0.5:554/Streaming/Channels/101"


def spec(tmp: Path, **changes: object) -> RecordSpec:
    values: dict[str, object] = {
        "url": URL,
        "out_dir": tmp / "rec" / "cam1",
        "segment_list": tmp / "rec" / "cam1.csv",
        "segment_seconds": 60,
        "rtsp_timeout_s": 5.0,
        "video_codec": "h264",
        "keep_audio": True,
    }
    values.update(changes)
    return RecordSpec(**values)  # type: ignore[arg-type]


def has_pair(cmd: list[str], flag: str, value: str) -> bool:
    return any(a == flag and b == value for a, b in itertools.pairwise(cmd))


def test_rtsp_input_over_tcp_with_timeout_in_microseconds(tmp_path: Path) -> None:
    cmd = record_command(spec(tmp_path))
    assert cmd[0] == "ffmpeg"
    assert has_pair(cmd, "-rtsp_transport", "tcp")
    assert has_pair(cmd, "-timeout", "5000000")
    assert has_pair(cmd, "-i", URL)
    assert cmd.index("-rtsp_transport") < cmd.index("-i")
    assert cmd.index("-timeout") < cmd.index("-i")


def test_timeout_follows_config(tmp_path: Path) -> None:
    assert has_pair(record_command(spec(tmp_path, rtsp_timeout_s=2.5)), "-timeout", "2500000")


def test_video_is_copied(tmp_path: Path) -> None:
    cmd = record_command(spec(tmp_path))
    assert has_pair(cmd, "-map", "0:v:0")
    assert has_pair(cmd, "-c:v", "copy")
    assert "-tag:v" not in cmd


def test_segment_muxer_flags(tmp_path: Path) -> None:
    s = spec(tmp_path, segment_seconds=120)
    cmd = record_command(s)
    assert has_pair(cmd, "-f", "segment")
    assert has_pair(cmd, "-segment_time", "120")
    assert has_pair(cmd, "-segment_atclocktime", "1")
    assert has_pair(cmd, "-reset_timestamps", "1")
    assert has_pair(cmd, "-strftime", "1")
    assert has_pair(cmd, "-segment_format", "mp4")
    assert has_pair(cmd, "-segment_list", str(s.segment_list))
    assert has_pair(cmd, "-segment_list_type", "csv")
    assert cmd[-1] == str(s.out_dir / RECORDER_FILENAME_PATTERN)


def test_fragmented_mp4_movflags(tmp_path: Path) -> None:
    assert FRAGMENTED_MP4 == "+frag_keyframe+empty_moov+default_base_moof"
    cmd = record_command(spec(tmp_path))
    assert f"movflags={FRAGMENTED_MP4}:flush_packets=1" == SEGMENT_FORMAT_OPTIONS
    assert has_pair(cmd, "-segment_format_options", SEGMENT_FORMAT_OPTIONS)


@pytest.mark.parametrize(("codec", "tagged"), [("hevc", True), ("h265", True), ("h264", False)])
def test_hvc1_tag_only_for_hevc(tmp_path: Path, codec: str, tagged: bool) -> None:
    cmd = record_command(spec(tmp_path, video_codec=codec))
    assert has_pair(cmd, "-tag:v", "hvc1") is tagged


def test_audio_kept_as_aac(tmp_path: Path) -> None:
    cmd = record_command(spec(tmp_path, keep_audio=True))
    assert has_pair(cmd, "-map", "0:a:0?")
    assert has_pair(cmd, "-c:a", "aac")
    assert "-an" not in cmd


def test_audio_dropped(tmp_path: Path) -> None:
    cmd = record_command(spec(tmp_path, keep_audio=False))
    assert "-an" in cmd
    assert "-c:a" not in cmd
    assert "0:a:0?" not in cmd


@pytest.mark.parametrize("keep_audio", [True, False])
@pytest.mark.parametrize("codec", ["h264", "hevc"])
def test_every_flag_is_its_own_element(tmp_path: Path, codec: str, keep_audio: bool) -> None:
    cmd = record_command(spec(tmp_path, video_codec=codec, keep_audio=keep_audio))
    assert all(isinstance(arg, str) and arg for arg in cmd)
    assert not [arg for arg in cmd if " " in arg]


def test_probe_commands_are_lists_with_timeout(tmp_path: Path) -> None:
    stream = probe_stream_command(URL, 5.0)
    assert stream[0] == "ffprobe"
    assert has_pair(stream, "-timeout", "5000000")
    assert has_pair(stream, "-rtsp_transport", "tcp")
    assert stream[-1] == URL
    file_cmd = probe_file_command(tmp_path / "a.mp4")
    assert "-show_format" in file_cmd
    assert file_cmd[-1] == str(tmp_path / "a.mp4")


def test_remux_copies_video_into_fragmented_mp4(tmp_path: Path) -> None:
    cmd = remux_command(tmp_path / "in.dav", tmp_path / "out.mp4", "hevc", keep_audio=False)
    assert has_pair(cmd, "-c:v", "copy")
    assert has_pair(cmd, "-tag:v", "hvc1")
    assert has_pair(cmd, "-movflags", FRAGMENTED_MP4)
    assert "-an" in cmd
    assert cmd[-1] == str(tmp_path / "out.mp4")


def _relay(video: str, audio: str | None) -> list[str]:
    return relay_command(RelaySpec("rtsp://10.0.0.9/ch1", "rtmp://127.0.0.1:19350/live/cam",
                                   5.0, video, audio, 15.0, 1.0))  # fmt: skip


def _after(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def test_relay_copies_h264_and_aac() -> None:
    args = _relay("h264", "aac")
    assert _after(args, "-c:v") == "copy" and _after(args, "-c:a") == "copy"
    assert _after(args, "-rtsp_transport") == "tcp" and _after(args, "-timeout") == "5000000"
    assert args[-3:] == ["-f", "flv", "rtmp://127.0.0.1:19350/live/cam"]


def test_relay_makes_hevc_h264_with_a_keyframe_per_fragment_and_g711_aac() -> None:
    args = _relay("hevc", "pcm_alaw")
    assert _after(args, "-c:v") == "libx264" and _after(args, "-tune") == "zerolatency"
    assert _after(args, "-g") == "15" and _after(args, "-keyint_min") == "15"
    assert _after(args, "-c:a") == "aac"
    # no frame-threaded decode (a frame of delay per thread), given before the input
    assert args.index("-thread_type") < args.index("-i") and _after(args, "-thread_type") == "slice"
    assert "-thread_type" not in _relay("h264", "aac")


def test_relay_without_audio_drops_it() -> None:
    args = _relay("h264", None)
    assert "-an" in args and "-c:a" not in args


def test_relay_from_the_recorders_feed_reads_mpegts_without_rtsp_options() -> None:
    feed = "udp://127.0.0.1:19400?timeout=5000000"
    args = relay_command(RelaySpec(feed, "rtmp://127.0.0.1:19350/live/cam", 5.0, "h264", "aac",
                                   15.0, 1.0))  # fmt: skip
    assert _after(args, "-f") == "mpegts" and _after(args, "-i") == feed
    assert "-rtsp_transport" not in args and "-timeout" not in args
    probe = probe_stream_command(feed, 5.0)
    assert probe[-3:] == ["-f", "mpegts", feed] and "-rtsp_transport" not in probe


def _outputs(cmd: list[str]) -> list[list[str]]:
    """The command's output files, each with its options: after the input, every
    option but ``-an`` takes one value, and an output ends at its file name."""
    outputs: list[list[str]] = []
    current: list[str] = []
    args = iter(cmd[cmd.index("-i") + 2 :])
    for arg in args:
        if arg == "-an":
            current.append(arg)
        elif arg.startswith("-"):
            current += [arg, next(args)]
        else:
            outputs.append([*current, arg])
            current = []
    assert not current, current
    return outputs


def test_recording_with_a_live_feed_sends_it_as_an_output_of_its_own(tmp_path: Path) -> None:
    feed = "udp://127.0.0.1:19400?pkt_size=1316"
    cmd = record_command(spec(tmp_path, live_feed=feed, video_codec="hevc"))
    recording, live = _outputs(cmd)
    # the segments exactly as without a feed (no tee: nothing on the feed side holds them)
    plain = record_command(spec(tmp_path, video_codec="hevc"))
    assert cmd[: len(plain)] == plain and _outputs(plain) == [recording]
    assert has_pair(recording, "-f", "segment") and recording[-1] == str(
        tmp_path / "rec" / "cam1" / RECORDER_FILENAME_PATTERN
    )
    # the feed: its own muxer, so neither the segments' interleaving of audio with
    # video nor their first-frame filter (which holds each packet for the next)
    # delays its video; the first packet (no timestamp) is dropped, and parameter
    # sets go before every keyframe for a relay that joins mid-stream
    assert has_pair(live, "-map", "0:v:0") and has_pair(live, "-c:v", "copy")
    assert has_pair(live, "-bsf:v", r"noise=drop=eq(pts\,nopts),dump_extra=freq=keyframe")
    assert "setts" not in " ".join(live) and "-tag:v" not in live
    # audio: its own AAC encode at 48 kHz (21 ms frames)
    assert has_pair(live, "-map", "0:a:0?") and has_pair(live, "-c:a", "aac")
    assert has_pair(live, "-ar", "48000") and has_pair(recording, "-ar", "16000")
    # it can never stop recording (a null slave keeps the tee alive if UDP fails),
    # and each frame (video PES with its length) and each audio frame goes at once
    assert live[-3:-1] == ["-f", "tee"]
    assert live[-1] == (f"[f=mpegts:onfail=ignore:flush_packets=1:omit_video_pes_length=0:"
                        f"pes_payload_size=0]{feed}|[f=null]-")  # fmt: skip


def test_a_feed_without_audio_has_none(tmp_path: Path) -> None:
    cmd = record_command(spec(tmp_path, live_feed="udp://127.0.0.1:1", keep_audio=False))
    recording, live = _outputs(cmd)
    assert "-an" in recording and "-an" in live and "-c:a" not in cmd


@pytest.mark.parametrize("odd", ["udp://127.0.0.1:1?a=|", "udp://127.0.0.1:1?[x]"])
def test_tee_refuses_a_feed_it_would_misparse(tmp_path: Path, odd: str) -> None:
    with pytest.raises(MediaError, match="tee"):
        record_command(spec(tmp_path, live_feed=odd))


def test_recording_paths_need_no_tee_escaping(tmp_path: Path) -> None:
    s = spec(tmp_path, out_dir=tmp_path / "cam|1", segment_list=tmp_path / "a:b.csv",
             live_feed="udp://127.0.0.1:1")  # fmt: skip
    cmd = record_command(s)
    assert has_pair(cmd, "-segment_list", str(tmp_path / "a:b.csv"))
    assert str(tmp_path / "cam|1" / RECORDER_FILENAME_PATTERN) in cmd


@pytest.mark.parametrize("feed", [None, "udp://127.0.0.1:19400?pkt_size=1316"])
def test_recording_keeps_the_camera_clock_and_places_the_first_frame(
    tmp_path: Path, feed: str | None
) -> None:
    """Stream copy in the camera's time base (not 1/fps, which ffmpeg picks for the
    tee), and the first frame, which RTSP hands over without a timestamp, one frame
    before the second: without both, ffmpeg warns for every frame."""
    cmd = record_command(spec(tmp_path, live_feed=feed))
    out = cmd.index("-f")  # output options come before the muxer
    assert has_pair(cmd, "-copytb", "1") and cmd.index("-copytb") < out
    assert cmd.index("-i") < cmd.index("-bsf:v") < out
    setts = _after(cmd, "-bsf:v")
    assert setts == r"setts=ts=if(eq(N\,0)*eq(PTS\,NOPTS)\,DTS-DURATION\,TS)"
