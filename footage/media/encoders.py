"""Video encoders: software (x264/x265) or a GPU's (VAAPI, Quick Sync, NVENC).

A profile (footage.profiles) says *what* to make: codec, quality, rate cap,
GOP. This module says *how* on the hardware at hand. ``ffmpeg -encoders``
lists what the build knows, not what the machine can do (Debian's ffmpeg lists
NVENC on a box with no NVIDIA card), so each candidate is proven by encoding a
few frames; the first that works is used, software last. Quality maps onto
each encoder's own constant-quality knob (CRF, CQ, global_quality, QP): they
are close, not equal, so a hardware profile is re-measured with bench/edge_profiles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from footage.errors import MediaError
from footage.media.runner import run_tool
from footage.profiles import Profile, VideoCodec

DEFAULT_VAAPI_DEVICE = Path("/dev/dri/renderD128")


class Accel(StrEnum):
    SOFTWARE = "software"
    VAAPI = "vaapi"
    QSV = "qsv"
    NVENC = "nvenc"


#: Tried in this order: NVENC and Quick Sync are the faster engines where both exist.
HARDWARE_ORDER = (Accel.NVENC, Accel.QSV, Accel.VAAPI)

_NAMES = {
    Accel.SOFTWARE: {VideoCodec.H264: "libx264", VideoCodec.H265: "libx265"},
    Accel.VAAPI: {VideoCodec.H264: "h264_vaapi", VideoCodec.H265: "hevc_vaapi"},
    Accel.QSV: {VideoCodec.H264: "h264_qsv", VideoCodec.H265: "hevc_qsv"},
    Accel.NVENC: {VideoCodec.H264: "h264_nvenc", VideoCodec.H265: "hevc_nvenc"},
}

#: x264/x265 presets mapped onto NVENC's p1 (fastest) .. p7 and QSV's names.
_NVENC_PRESETS = {
    "ultrafast": "p1", "superfast": "p2", "veryfast": "p3", "faster": "p4",
    "fast": "p4", "medium": "p5", "slow": "p6", "slower": "p7", "veryslow": "p7",
}  # fmt: skip
_QSV_PRESETS = {"ultrafast": "veryfast", "superfast": "veryfast", "placebo": "veryslow"}


@dataclass(frozen=True, slots=True)
class Encoder:
    """One way to encode: which engine, and for VAAPI which device node."""

    accel: Accel = Accel.SOFTWARE
    device: Path = DEFAULT_VAAPI_DEVICE

    def name(self, codec: VideoCodec) -> str:
        if codec is VideoCodec.COPY:
            raise ValueError("a copy profile has no encoder")
        return _NAMES[self.accel][codec]

    def input_args(self) -> list[str]:
        """Global options that go before ``-i``."""
        if self.accel is Accel.VAAPI:
            return ["-vaapi_device", str(self.device)]
        return []

    def filters(self, profile: Profile) -> list[str]:
        """The video filter chain: denoise on the CPU, then upload for VAAPI."""
        chain = ["hqdn3d=1.5:1.5:6:6"] if profile.denoise else []
        if self.accel is Accel.VAAPI:
            chain += ["format=nv12", "hwupload"]
        elif self.accel is Accel.QSV:
            chain.append("format=nv12")  # h264_qsv takes NV12 frames from system memory
        else:
            chain.append("format=yuv420p")
        return ["-vf", ",".join(chain)]

    def video_args(self, profile: Profile, fps: float, threads: int | None = None) -> list[str]:
        """``-c:v`` and its options for ``profile`` at ``fps`` (GOP in frames)."""
        gop = str(max(1, round(max(fps, 1.0) * profile.gop_seconds)))
        args = ["-c:v", self.name(profile.codec), "-g", gop]
        if self.accel is Accel.SOFTWARE:
            args += ["-preset", profile.preset, "-crf", f"{profile.crf:g}"]
            if not profile.psy:  # no AQ or psy-rd: bits go where the picture differs
                args += ["-tune", "psnr"]
            if threads is not None:  # the edge's CPU budget: fewer threads, fewer cores
                args += ["-threads", str(threads)]
            if profile.codec is VideoCodec.H265:
                pools = f":pools={threads}" if threads is not None else ""
                args += ["-x265-params", f"log-level=error{pools}"]
        elif self.accel is Accel.NVENC:
            preset = _NVENC_PRESETS.get(profile.preset, "p4")
            args += ["-preset", preset, "-rc", "vbr", "-cq", f"{profile.crf:g}", "-b:v", "0"]
        elif self.accel is Accel.QSV:
            preset = _QSV_PRESETS.get(profile.preset, profile.preset)
            args += ["-preset", preset, "-global_quality", str(round(profile.crf))]
        else:  # VAAPI: constant QP is the mode every driver implements
            args += ["-rc_mode", "CQP", "-qp", str(round(profile.crf))]
        if profile.max_rate_kbps:
            rate = profile.max_rate_kbps
            args += ["-maxrate", f"{rate}k", "-bufsize", f"{2 * rate}k"]
        if profile.codec is VideoCodec.H265:
            args += ["-tag:v", "hvc1"]
        return args


SOFTWARE = Encoder()


def probe_command(encoder: Encoder, codec: VideoCodec, ffmpeg_bin: str = "ffmpeg") -> list[str]:
    """Encode 5 frames of a test pattern with ``encoder`` and throw them away."""
    trial = Profile(codec=codec, crf=30, preset="veryfast")
    return [
        ffmpeg_bin, "-hide_banner", "-nostdin", "-v", "error", *encoder.input_args(),
        "-f", "lavfi", "-i", "color=c=gray:s=320x240:r=5", "-frames:v", "5",
        *encoder.filters(trial), *encoder.video_args(trial, 5.0), "-f", "null", "-",
    ]  # fmt: skip


Runner = Callable[[Sequence[str], float], str]


def detect_encoder(
    codec: VideoCodec,
    wanted: Accel | None = None,
    device: Path = DEFAULT_VAAPI_DEVICE,
    run: Runner = run_tool,
) -> tuple[Encoder, list[str]]:
    """The first hardware encoder that really encodes ``codec`` here, else software.

    ``wanted`` tries only that engine (then software). Returns the encoder and,
    for the log and ``vms status``, why each hardware candidate was passed over.
    """
    if codec is VideoCodec.COPY:
        return SOFTWARE, []
    if wanted is None:
        candidates = list(HARDWARE_ORDER)
    else:
        candidates = [] if wanted is Accel.SOFTWARE else [wanted]
    skipped: list[str] = []
    for accel in candidates:
        encoder = Encoder(accel, device)
        if accel is Accel.VAAPI and not device.exists():
            skipped.append(f"{accel}: no {device}")
            continue
        try:
            run(probe_command(encoder, codec), 20.0)
        except MediaError as exc:
            skipped.append(f"{accel}: {str(exc).splitlines()[-1][:160]}")
            continue
        return encoder, skipped
    return SOFTWARE, skipped
