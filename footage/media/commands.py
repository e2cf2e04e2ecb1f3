"""ffmpeg/ffprobe command lines as pure functions returning ``list[str]``.

Every flag traces back to a preset below. Nothing here runs a process; see
footage.media.runner for that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from footage.errors import MediaError
from footage.keys import RECORDER_FILENAME_PATTERN
from footage.media.encoders import SOFTWARE, Encoder
from footage.profiles import Profile, VideoCodec

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"

#: fragmented MP4: a crash leaves every completed fragment playable.
FRAGMENTED_MP4 = "+frag_keyframe+empty_moov+default_base_moof"
#: Each fragment goes to the file as it is made, not when ffmpeg's 256 KB write
#: buffer fills: a kill -9 (or a power cut, once the kernel has written it out)
#: loses at most the fragment being made (measured: a 200 kbit/s camera killed
#: 6 s in left 28 bytes of its segment without this, 150 KB with it).
SEGMENT_FORMAT_OPTIONS = f"movflags={FRAGMENTED_MP4}:flush_packets=1"
_BASE = ["-hide_banner", "-nostdin", "-loglevel", "warning"]
#: Recorded audio: 16 kHz is plenty for G.711's 8 kHz. The live feed's is 48 kHz
#: (FEED_AUDIO_RATE in record_command).
RECORD_AUDIO_RATE = 16_000
FEED_AUDIO_RATE = 48_000
#: Stream copy keeps the camera's own clock (RTP video: 90 kHz). Left to choose, ffmpeg
#: gave the tee muxer (the recording's, once) the codec's 1/fps time base: every
#: timestamp is rounded to a frame, and the first frame's (below) collides with the
#: second's, so ffmpeg's "+1" repair moves each frame onto the next one's time: a
#: "Non-monotonous DTS" warning per frame, for good (2.6 KB/s of log per camera).
_CAMERA_CLOCK = ["-copytb", "1"]
#: An RTSP session's first access unit reaches ffmpeg without a timestamp (ffprobe
#: shows N/A), and ffmpeg stamps it with the next frame's time. Put it one frame (its
#: duration) earlier, where it belongs; later packets are left as they are.
_FIRST_FRAME_TS = ["-bsf:v", r"setts=ts=if(eq(N\,0)*eq(PTS\,NOPTS)\,DTS-DURATION\,TS)"]


@dataclass(frozen=True, slots=True)
class RecordSpec:
    """What the recorder needs to know to record one camera."""

    url: str
    out_dir: Path
    segment_list: Path
    segment_seconds: int
    rtsp_timeout_s: float
    video_codec: str  # as probed: "h264" or "hevc"
    keep_audio: bool = True
    live_feed: str | None = None  # udp:// of the relay's feed (footage.live)


def rtsp_input(url: str, timeout_s: float) -> list[str]:
    """RTSP over TCP with an I/O timeout (µs), else a hung camera hangs ffmpeg."""
    return ["-rtsp_transport", "tcp", "-timeout", str(int(timeout_s * 1_000_000)), "-i", url]


def video_tag(codec: str) -> list[str]:
    """HEVC in MP4 must be tagged hvc1 for browsers and Apple players."""
    return ["-tag:v", "hvc1"] if codec in {"hevc", "h265"} else []


def _aac(rate: int) -> list[str]:
    return ["-c:a", "aac", "-b:a", "64k", "-ar", str(rate)]


def audio_args(keep: bool, rate: int = RECORD_AUDIO_RATE) -> list[str]:
    """Cameras send G.711, which MP4 cannot carry: make it AAC, or drop it."""
    return ["-map", "0:a:0?", *_aac(rate)] if keep else ["-an"]


def record_command(spec: RecordSpec) -> list[str]:
    """Stream copy into clock-aligned fMP4 segments. With ``live_feed``, the same
    RTSP session also feeds the live relay (MPEG-TS over loopback UDP): cameras
    allow few sessions.

    The feed is a second output of the same ffmpeg, not a slave of a tee with
    the segments: a muxer with audio and video holds each video packet until an
    audio packet of a later time has passed it (interleaving), and the segments'
    first-frame filter holds each packet until the next one arrives. The feed's
    own muxer sends video as it comes (measured with bench/live_hops.py, H.265
    720p15 with G.711: 337 -> 261 ms camera-to-feed); its audio is its own AAC
    encode at 48 kHz (1024-sample frames of 21 ms, not 64 ms: less wait for the
    relay's FLV muxer, and what WebRTC's Opus runs at). It drops the session's
    first packet instead of placing it (RTSP hands it over without a time).

    Nothing on the live side can stop recording: the feed is a tee of the UDP
    output (``onfail=ignore``) and a null output that never fails (a tee whose
    every slave failed fails ffmpeg), and UDP sends never block whether or not
    the relay listens. A segment that cannot be written (a full disk) fails
    ffmpeg, and the recorder starts it again. ``dump_extra`` repeats SPS/PPS
    (VPS) before every keyframe: RTSP cameras send them once, in the SDP, and a
    relay joining mid-stream needs them.
    """
    segment = [
        "-f", "segment", "-segment_time", str(spec.segment_seconds),
        "-segment_atclocktime", "1", "-reset_timestamps", "1", "-strftime", "1",
        "-segment_format", "mp4", "-segment_format_options", SEGMENT_FORMAT_OPTIONS,
        "-segment_list", str(spec.segment_list), "-segment_list_type", "csv",
        str(spec.out_dir / RECORDER_FILENAME_PATTERN),
    ]  # fmt: skip
    recording = [
        FFMPEG, *_BASE, "-fflags", "+genpts+discardcorrupt",
        *rtsp_input(spec.url, spec.rtsp_timeout_s), *_CAMERA_CLOCK,
        "-map", "0:v:0", "-c:v", "copy", *video_tag(spec.video_codec),
        *_FIRST_FRAME_TS, *audio_args(spec.keep_audio), *segment,
    ]  # fmt: skip
    if spec.live_feed is None:
        return recording
    if _TEE_NAME & set(spec.live_feed):
        raise MediaError(f"ffmpeg's tee muxer cannot take {spec.live_feed!r}: it has one of "
                         f"{' '.join(sorted(_TEE_NAME))}")  # fmt: skip
    feed = [
        "-map", "0:v:0", "-c:v", "copy", "-bsf:v", _FEED_VIDEO_BSF,
        *audio_args(spec.keep_audio, FEED_AUDIO_RATE),
        "-f", "tee", f"[f=mpegts:onfail=ignore:{_FEED_MPEGTS}]{spec.live_feed}|[f=null]-",
    ]  # fmt: skip
    return [*recording, *feed]


#: The live feed's MPEG-TS sends each frame as it comes (measured at 720p15 with
#: bench/live_hops.py, camera -> what the relay reads: 327 -> 261 ms for H.264, and
#: 524 -> 342 ms out of the relay for H.265 with G.711 camera audio):
#: ``flush_packets``: the frame's last datagram goes out now, not with the next
#: frame (the UDP buffer is one 1316-byte datagram); ``omit_video_pes_length=0``: a
#: frame's PES says its length (up to 64 KB), so the relay's demuxer hands the frame
#: on when it is complete, not when the next frame's PES starts;
#: ``pes_payload_size=0``: each AAC frame goes out in its own PES, not held up to
#: 0.35 s to fill 2930 bytes; the relay's FLV muxer holds video back until audio of
#: the same time arrives, so late audio made late video.
_FEED_MPEGTS = "flush_packets=1:omit_video_pes_length=0:pes_payload_size=0"
#: Characters the tee muxer's slave syntax interprets; a feed's URL never needs them.
_TEE_NAME = frozenset("\\'|[]")
#: The feed's video: the session's first packet (no timestamp) dropped, not placed
#: (setts would hold every packet for the next), and parameter sets before each
#: keyframe.
_FEED_VIDEO_BSF = r"noise=drop=eq(pts\,nopts),dump_extra=freq=keyframe"


@dataclass(frozen=True, slots=True)
class RelaySpec:
    """What the live relay needs to push one camera stream to nginx-rtmp."""

    url: str  # the camera (rtsp://) or the recorder's feed (udp://, footage.live)
    rtmp_url: str  # rtmp://127.0.0.1:<port>/live/<stream>
    rtsp_timeout_s: float
    video_codec: str  # as probed: "h264" or "hevc"
    audio_codec: str | None  # as probed; None: no audio
    fps: float
    fragment_s: float
    #: How much of the feed ffmpeg reads before it starts: it must include a
    #: keyframe (the picture size comes from its SPS), so at least one GOP.
    analyze_s: float = 2.0


def relay_command(spec: RelaySpec) -> list[str]:
    """RTSP -> RTMP for live HLS. H.264 is copied (no decode: ~1% of a core);
    browsers cannot play H.265, so it becomes H.264 with a GOP of one fragment
    (every fragment starts on a keyframe), no lookahead (zerolatency) and a decoder
    without frame threads (each would add a frame of delay). AAC
    is copied; G.711 and other camera audio become AAC, which FLV/HLS carry."""
    if spec.video_codec == "h264":
        video = ["-c:v", "copy"]
    else:
        gop = str(max(1, round(spec.fps * spec.fragment_s)))
        video = [
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
            "-pix_fmt", "yuv420p", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
        ]  # fmt: skip
    if spec.url.startswith("udp://"):  # the feed: MPEG-TS, timeout in the URL
        # MPEG-TS may add streams at any time, so ffmpeg reads all of analyzeduration
        # before it starts; what it read is kept (no "nobuffer") and sent at once,
        # so nginx can close the first fragment about a second later.
        analyze = str(int(spec.analyze_s * 1_000_000))
        source = ["-analyzeduration", analyze, "-f", "mpegts", "-i", spec.url]
    else:
        source = rtsp_input(spec.url, spec.rtsp_timeout_s)
    if spec.video_codec != "h264":
        # the decoder's frame threads hold a frame each (2 at 15 fps: ~130 ms) before
        # the encoder sees it: slices only, for live (HLS and WebRTC share this output)
        source = ["-thread_type", "slice", *source]
    if spec.audio_codec is None:
        audio = ["-an"]
    elif spec.audio_codec == "aac":
        audio = ["-map", "0:a:0", "-c:a", "copy"]
    else:
        audio = ["-map", "0:a:0", *_aac(RECORD_AUDIO_RATE)]
    return [
        FFMPEG, *_BASE, "-fflags", "+genpts", "-flags", "low_delay", *source,
        "-map", "0:v:0", *video, *audio, "-f", "flv", spec.rtmp_url,
    ]  # fmt: skip


def probe_stream_command(url: str, timeout_s: float) -> list[str]:
    """A camera (RTSP) or the recorder's live feed (``udp://``, whose URL carries
    its own timeout): a feed joined mid-stream is known at its next keyframe."""
    if url.startswith("udp://"):
        source = ["-analyzeduration", "1000000", "-f", "mpegts", url]
    else:
        source = ["-rtsp_transport", "tcp", "-timeout", str(int(timeout_s * 1_000_000)), url]
    return [FFPROBE, "-v", "error", "-show_streams", "-of", "json", *source]


def probe_file_command(path: Path) -> list[str]:
    return [FFPROBE, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)]


def packets_command(path: Path, ffmpeg_bin: str = FFMPEG) -> list[str]:
    """Probe with ffmpeg alone (the Lambda layer has no ffprobe): the ``framecrc``
    muxer prints each stream's codec and size, then one line per packet with its
    pts and duration. Stream copy, so nothing is decoded."""
    return [
        ffmpeg_bin, "-hide_banner", "-nostdin", "-v", "error", "-i", str(path),
        "-map", "0:v:0?", "-map", "0:a:0?", "-c", "copy", "-f", "framecrc", "-",
    ]  # fmt: skip


def tail_decode_command(path: Path, seconds: float) -> list[str]:
    """Decode the last ``seconds`` of the first video (and audio) stream; print each
    frame's time (``framecrc``) and any decoding error: does the file play to its
    stated end? (Audio counts: an export's sound may run on after its picture.)"""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-sseof", f"-{seconds:.3f}",
        "-i", str(path), "-map", "0:v:0", "-map", "0:a:0?", "-f", "framecrc", "-",
    ]  # fmt: skip


def remux_command(src: Path, dst: Path, video_codec: str, keep_audio: bool) -> list[str]:
    """Stream-copy any container an NVR drops into fragmented MP4 (cheap). A packet
    the demuxer knows is corrupt (cut short at the end of a file that never
    finished) is dropped, so what is stored decodes to its end."""
    return [
        FFMPEG, *_BASE, "-y", "-fflags", "+discardcorrupt", "-i", str(src),
        "-map", "0:v:0", "-c:v", "copy", *video_tag(video_codec), *audio_args(keep_audio),
        "-movflags", FRAGMENTED_MP4, "-f", "mp4", str(dst),
    ]  # fmt: skip


def concat_command(list_file: Path, dst: Path, *, faststart: bool) -> list[str]:
    """Join the files of an ffconcat list by stream copy into one MP4."""
    flags = ["-movflags", "+faststart"] if faststart else []
    return [
        FFMPEG, *_BASE, "-y", "-f", "concat", "-safe", "0", "-i", str(list_file),
        "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", *flags, "-f", "mp4", str(dst),
    ]  # fmt: skip


def ffconcat_list(inputs: Sequence[tuple[Path, float | None, float | None]]) -> str:
    """An ffconcat script: each file with its optional in/out points (seconds)."""
    lines = ["ffconcat version 1.0"]
    for path, inpoint, outpoint in inputs:
        escaped = str(path.resolve()).replace("'", "'\\''")
        lines.append(f"file '{escaped}'")
        if inpoint is not None:
            lines.append(f"inpoint {inpoint:.3f}")
        if outpoint is not None:
            lines.append(f"outpoint {outpoint:.3f}")
    return "\n".join(lines) + "\n"


def thumbnail_command(src: Path, dst: Path, at_s: float, width: int = 320) -> list[str]:
    stream = ffmpeg.input(str(src), ss=f"{at_s:.3f}").filter("scale", width, -2)
    out = stream.output(str(dst), vframes=1, **{"q:v": 5, "f": "image2"})
    args: list[str] = out.global_args(*_BASE).overwrite_output().compile(cmd=FFMPEG)
    return args


def transcode_command(
    src: Path,
    dst: Path,
    profile: Profile,
    fps: float,
    *,
    has_audio: bool,
    encoder: Encoder = SOFTWARE,
    threads: int | None = None,
) -> list[str]:
    """Re-encode video by profile into fragmented MP4 (audio to AAC), in software
    or on ``encoder``'s hardware. Copy profiles need no command."""
    if profile.codec is VideoCodec.COPY:
        raise ValueError("a copy profile is not a transcode")
    audio = ["-map", "0:a:0", "-c:a", "aac", "-b:a", "64k"] if has_audio else ["-an"]
    return [
        FFMPEG, *_BASE, "-y", *encoder.input_args(), "-i", str(src), "-map", "0:v:0",
        *encoder.filters(profile), *encoder.video_args(profile, fps, threads), *audio,
        "-movflags", FRAGMENTED_MP4, "-f", "mp4", str(dst),
    ]  # fmt: skip


def rendition_command(
    src: Path,
    dst: Path,
    profile: Profile,
    fps: float,
    offset_s: float,
    length_s: float | None,
    *,
    encoder: Encoder = SOFTWARE,
    copy: bool = False,
) -> list[str]:
    """One part of a segment, ``[offset_s, offset_s + length_s)`` of its media time
    (to its end when ``length_s`` is None), re-encoded by ``profile`` into MPEG-TS.

    The cut is frame-exact (``-ss``/``-t`` on the input decode from the keyframe
    before and drop what lies outside), so consecutive parts hold every frame once.
    ``-copyts`` with no mux delay keeps the source's own timestamps: part ``k``
    starts at the same media time as that frame in the segment, and a player sees
    a segment's parts as one continuous stream. Audio, if any, becomes AAC.

    ``copy``: the whole segment's video as it is, only into MPEG-TS (footage the
    viewer decodes, in a playlist whose other footage needs renditions: hls.js
    cannot follow a fragmented MP4 with MPEG-TS)."""
    if profile.codec is VideoCodec.COPY:
        raise ValueError("a copy profile is not a transcode")
    if copy:
        window, video = [], ["-c:v", "copy"]
    else:
        window = ["-ss", f"{offset_s:.3f}"] + (["-t", f"{length_s:.3f}"] if length_s else [])
        video = [*encoder.filters(profile), *encoder.video_args(profile, fps)]
    return [
        FFMPEG, *_BASE, "-y", *encoder.input_args(), *window, "-i", str(src),
        "-map", "0:v:0", "-map", "0:a:0?", *video, "-c:a", "aac", "-b:a", "64k",
        "-copyts", "-muxdelay", "0", "-muxpreload", "0", "-f", "mpegts", str(dst),
    ]  # fmt: skip
