"""Encoder choice and the ffmpeg arguments each engine gets for a profile."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from footage.errors import MediaError
from footage.media.commands import transcode_command
from footage.media.encoders import SOFTWARE, Accel, Encoder, detect_encoder, probe_command
from footage.profiles import BUILTIN_PROFILES, Profile, VideoCodec

H264 = Profile(codec=VideoCodec.H264, crf=27, preset="veryfast", gop_seconds=4, max_rate_kbps=900)
H265 = Profile(codec=VideoCodec.H265, crf=30, preset="fast", denoise=True)


def after(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


class FakeFfmpeg:
    """Answers an encoder trial as a machine with only the ``working`` engines would."""

    def __init__(self, *working: str) -> None:
        self.working = set(working)
        self.tried: list[str] = []

    def __call__(self, args: Sequence[str], timeout_s: float) -> str:
        name = after(list(args), "-c:v")
        self.tried.append(name)
        if name not in self.working:
            raise MediaError(f"ffmpeg failed: Cannot load {name}\nNo device available")
        return ""


def test_software_args_follow_the_profile_and_the_cpu_budget() -> None:
    args = SOFTWARE.video_args(H264, fps=15, threads=1)
    assert after(args, "-c:v") == "libx264"
    assert after(args, "-crf") == "27" and after(args, "-preset") == "veryfast"
    assert after(args, "-g") == "60"  # 4 s at 15 fps
    assert after(args, "-threads") == "1"
    assert after(args, "-maxrate") == "900k" and after(args, "-bufsize") == "1800k"
    hevc = SOFTWARE.video_args(H265, fps=25, threads=2)
    assert after(hevc, "-c:v") == "libx265" and after(hevc, "-tag:v") == "hvc1"
    assert after(hevc, "-x265-params") == "log-level=error:pools=2"
    assert SOFTWARE.filters(H265) == ["-vf", "hqdn3d=1.5:1.5:6:6,format=yuv420p"]
    assert "-tune" not in args and "-tune" not in hevc  # x264/x265's psychovisual defaults


@pytest.mark.parametrize("profile", [H264, H265])
def test_psy_off_is_the_encoders_psnr_tune_in_software_only(profile: Profile) -> None:
    flat = profile.model_copy(update={"psy": False})
    assert after(SOFTWARE.video_args(flat, fps=15, threads=1), "-tune") == "psnr"
    for accel in (Accel.NVENC, Accel.QSV, Accel.VAAPI):  # no such knob: the same encode
        hardware = Encoder(accel, Path("/dev/dri/renderD128"))
        assert hardware.video_args(flat, fps=15) == hardware.video_args(profile, fps=15)


@pytest.mark.parametrize(
    ("accel", "name", "quality"),
    [
        (Accel.NVENC, "h264_nvenc", ["-cq", "27"]),
        (Accel.QSV, "h264_qsv", ["-global_quality", "27"]),
        (Accel.VAAPI, "h264_vaapi", ["-qp", "27"]),
    ],
)
def test_hardware_args_map_quality_onto_each_engine(
    accel: Accel, name: str, quality: list[str]
) -> None:
    encoder = Encoder(accel, Path("/dev/dri/renderD129"))
    args = encoder.video_args(H264, fps=15, threads=1)
    assert after(args, "-c:v") == name
    assert after(args, quality[0]) == quality[1]
    assert "-threads" not in args and "-crf" not in args
    command = transcode_command(Path("in.mp4"), Path("out.mp4"), H264, 15, has_audio=False,
                                encoder=encoder)  # fmt: skip
    if accel is Accel.VAAPI:  # the device is opened before the input, frames uploaded
        assert command.index("-vaapi_device") < command.index("-i")
        assert after(command, "-vaapi_device") == "/dev/dri/renderD129"
        assert after(command, "-vf").endswith("format=nv12,hwupload")
    else:
        assert "-vaapi_device" not in command


def test_detection_takes_the_first_engine_that_really_encodes(tmp_path: Path) -> None:
    device = tmp_path / "renderD128"
    device.touch()
    ffmpeg = FakeFfmpeg("h264_vaapi", "h264_qsv")
    encoder, skipped = detect_encoder(VideoCodec.H264, device=device, run=ffmpeg)
    assert encoder == Encoder(Accel.QSV, device)
    assert ffmpeg.tried == ["h264_nvenc", "h264_qsv"]  # NVENC listed by ffmpeg, but no card
    assert skipped == ["nvenc: No device available"]


def test_detection_falls_back_to_software_and_says_why(tmp_path: Path) -> None:
    ffmpeg = FakeFfmpeg("h264_vaapi")  # the driver works, but there is no render node
    encoder, skipped = detect_encoder(VideoCodec.H264, device=tmp_path / "none", run=ffmpeg)
    assert encoder is SOFTWARE
    assert skipped[-1] == f"vaapi: no {tmp_path / 'none'}"
    assert "h264_vaapi" not in ffmpeg.tried


def test_a_named_engine_is_the_only_one_tried() -> None:
    ffmpeg = FakeFfmpeg("h264_qsv", "hevc_nvenc")
    encoder, _ = detect_encoder(VideoCodec.H265, Accel.NVENC, run=ffmpeg)
    assert encoder.accel is Accel.NVENC and ffmpeg.tried == ["hevc_nvenc"]
    ffmpeg = FakeFfmpeg("h264_qsv")
    assert detect_encoder(VideoCodec.H264, Accel.SOFTWARE, run=ffmpeg) == (SOFTWARE, [])
    assert ffmpeg.tried == []


def test_probe_command_encodes_a_few_frames_to_nowhere() -> None:
    command = probe_command(Encoder(Accel.NVENC), VideoCodec.H264)
    assert after(command, "-f") == "lavfi" and after(command, "-frames:v") == "5"
    assert command[-3:] == ["-f", "null", "-"]


def test_copy_has_no_encoder() -> None:
    with pytest.raises(ValueError, match="copy"):
        SOFTWARE.name(BUILTIN_PROFILES["copy"].codec)
    assert detect_encoder(VideoCodec.COPY, run=FakeFfmpeg()) == (SOFTWARE, [])
