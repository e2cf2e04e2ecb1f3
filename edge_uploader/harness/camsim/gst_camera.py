#!/usr/bin/python3
"""One simulated IP camera served over RTSP by GStreamer's RTSP server.

Run by Debian's /usr/bin/python3 (not the project venv): it imports only the
standard library and `gi`. Needs gir1.2-gst-rtsp-server-1.0, python3-gi and
gstreamer1.0-plugins-{base,good,ugly,bad} plus gstreamer1.0-x (clockoverlay).

The stream looks like a CCTV camera: a moving ball with the wall clock (UTC)
burned in, H.264 or H.265 with a fixed GOP and no B-frames, optional G.711
audio. Prints `READY rtsp://<host>:<port><mount>` once listening, and exits
cleanly on SIGTERM/SIGINT.

With `--stamp`, every raw frame also gets its capture time (Unix epoch ms, taken as it
reaches the encoder) written into its luma as the machine-readable code of stamp.py, so
tests and benchmarks can measure live latency exactly, without OCR.
"""

import os
import time

# clockoverlay renders local time: pin it to UTC before GLib reads the zone.
os.environ["TZ"] = "UTC"
time.tzset()

import argparse
import ctypes
import signal
import sys
from pathlib import Path

try:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    gi.require_version("GstVideo", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer, GstVideo
except (ImportError, ValueError) as exc:
    sys.exit(f"gst_camera needs python3-gi and gir1.2-gst-rtsp-server-1.0 ({exc})")

# stamp.py (standard library only) sits next to this script; this interpreter is not the
# project venv, so it is imported as a top-level module from this directory.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import stamp

CLOCK_FORMAT = "%Y-%m-%d %H:%M:%S"

# codec -> (encoder, RTP payloader). x264's nal-hrd=cbr pads with filler NAL units, so
# H.264 keeps the set bitrate like a camera in CBR mode; x265 has no filler and
# undershoots on this simple scene.
VIDEO_ENCODERS = {
    "h264": (
        "x264enc tune=zerolatency speed-preset=ultrafast bframes=0 option-string=nal-hrd=cbr",
        "rtph264pay",
    ),
    "h265": ("x265enc tune=zerolatency speed-preset=ultrafast", "rtph265pay"),
}
BITS_PER_PIXEL = 0.13  # default bitrate: about 4 Mbit/s at 1080p15, like a real camera
# audio -> (G.711 encoder, RTP payloader)
AUDIO_ENCODERS = {
    "pcma": ("alawenc", "rtppcmapay"),
    "pcmu": ("mulawenc", "rtppcmupay"),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mount", default="/stream")
    p.add_argument("--codec", choices=sorted(VIDEO_ENCODERS), default="h264")
    p.add_argument("--audio", choices=["none", *sorted(AUDIO_ENCODERS)], default="none")
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--gop", type=int, default=None, help="keyframe interval, frames (default fps)")
    p.add_argument("--label", default="", help="text burned in before the clock")
    p.add_argument("--bitrate", type=int, default=0, help="video kbit/s (default by size)")
    p.add_argument("--stamp", action="store_true", help="write the capture time into each frame")
    args = p.parse_args(argv)
    if not args.mount.startswith("/"):
        p.error("--mount must start with '/'")
    if args.stamp and (args.width < stamp.BLOCK_WIDTH or args.height < stamp.BLOCK_HEIGHT):
        p.error(f"--stamp needs a frame of at least {stamp.BLOCK_WIDTH}x{stamp.BLOCK_HEIGHT}")
    args.gop = args.gop or args.fps
    args.bitrate = args.bitrate or default_bitrate(args.width, args.height, args.fps)
    return args


def default_bitrate(width: int, height: int, fps: int) -> int:
    return max(64, round(width * height * fps * BITS_PER_PIXEL / 1000))


def raw_caps(args: argparse.Namespace) -> str:
    return f"video/x-raw,format=I420,width={args.width},height={args.height}"


def video_branch(args: argparse.Namespace) -> str:
    encoder, payloader = VIDEO_ENCODERS[args.codec]
    stamper = " ! identity name=stamp" if args.stamp else ""  # FrameStamper probes its src pad
    return (
        f"videotestsrc is-live=true pattern=ball motion=wavy background-color=0xff303840"
        f" ! {raw_caps(args)},framerate={args.fps}/1"
        f" ! clockoverlay name=clock halignment=left valignment=top shaded-background=true"
        f"{stamper}"
        f" ! {encoder} key-int-max={args.gop} bitrate={args.bitrate}"
        f" ! {payloader} name=pay0 pt=96 config-interval=1"
    )


def audio_branch(args: argparse.Namespace) -> str:
    if args.audio == "none":
        return ""
    encoder, payloader = AUDIO_ENCODERS[args.audio]
    return (
        " audiotestsrc is-live=true wave=sine freq=440 volume=0.2 samplesperbuffer=320"
        " ! audio/x-raw,rate=8000,channels=1"
        f" ! {encoder} ! {payloader} name=pay1"
    )


def launch_line(args: argparse.Namespace) -> str:
    return f"( {video_branch(args)}{audio_branch(args)} )"


def configure_overlay(media: GstRtspServer.RTSPMedia, args: argparse.Namespace) -> None:
    """Set the overlay text here rather than in the launch line: no quoting of the label."""
    clock = media.get_element().get_by_name("clock")
    clock.set_property("time-format", CLOCK_FORMAT)
    clock.set_property("text", args.label)
    clock.set_property("font-desc", f"Sans {max(8, args.height // 40)}")


class _MapInfo(ctypes.Structure):
    """GstMapInfo."""

    _fields_ = [
        ("memory", ctypes.c_void_p),
        ("flags", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("size", ctypes.c_size_t),
        ("maxsize", ctypes.c_size_t),
        ("user_data", ctypes.c_void_p * 4),
        ("_gst_reserved", ctypes.c_void_p * 4),
    ]


class _PadProbeInfo(ctypes.Structure):
    """The leading, public fields of GstPadProbeInfo."""

    _fields_ = [("type", ctypes.c_int), ("id", ctypes.c_ulong), ("data", ctypes.c_void_p)]


_PROBE_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_PadProbeInfo), ctypes.c_void_p
)


def _gst_library() -> ctypes.CDLL:
    lib = ctypes.CDLL("libgstreamer-1.0.so.0")
    lib.gst_pad_add_probe.restype = ctypes.c_ulong
    lib.gst_pad_add_probe.argtypes = [
        ctypes.c_void_p, ctypes.c_int, _PROBE_CALLBACK, ctypes.c_void_p, ctypes.c_void_p
    ]  # fmt: skip
    lib.gst_mini_object_is_writable.restype = ctypes.c_int
    lib.gst_mini_object_is_writable.argtypes = [ctypes.c_void_p]
    lib.gst_mini_object_make_writable.restype = ctypes.c_void_p
    lib.gst_mini_object_make_writable.argtypes = [ctypes.c_void_p]
    lib.gst_buffer_map.restype = ctypes.c_int
    lib.gst_buffer_map.argtypes = [ctypes.c_void_p, ctypes.POINTER(_MapInfo), ctypes.c_int]
    lib.gst_buffer_unmap.restype = None
    lib.gst_buffer_unmap.argtypes = [ctypes.c_void_p, ctypes.POINTER(_MapInfo)]
    return lib


def _gpointer(obj: Gst.Object) -> int:
    """The C pointer of a PyGObject object (its `__gpointer__` capsule)."""
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    pointer: int = get(obj.__gpointer__, None)
    return pointer


class FrameStamper:
    """Writes each raw frame's capture time into its luma plane, just before the encoder.

    The probe runs through ctypes on the raw GstPad/GstBuffer pointers, not as a PyGObject
    pad probe: without gst-python's overrides (not installed) PyGObject maps buffers only
    as a read-only copy, and its wrapper of the probed buffer holds extra references, so
    the buffer is never writable there. Here the buffer arrives with its single reference
    and is mapped writable in place (made writable first, i.e. copied, if it is shared).
    """

    def __init__(self, pad: Gst.Pad, caps: str) -> None:
        info = GstVideo.VideoInfo.new_from_caps(Gst.Caps.from_string(caps))
        self.width, self.height = info.width, info.height
        self.stride, self.offset, self.size = info.stride[0], info.offset[0], info.size
        self.lib = _gst_library()
        self.ok, self.write = int(Gst.PadProbeReturn.OK), int(Gst.MapFlags.WRITE)  # per frame
        self.warned = False
        self.callback = _PROBE_CALLBACK(self._probe)  # kept alive as long as the probe
        mask = int(Gst.PadProbeType.BUFFER)
        self.lib.gst_pad_add_probe(_gpointer(pad), mask, self.callback, None, None)

    def _probe(self, _pad: int, info: "ctypes._Pointer[_PadProbeInfo]", _data: int) -> int:
        ms = time.time_ns() // 1_000_000  # first: the capture time, before any work
        try:
            self._stamp(info.contents, ms)
        except Exception as exc:  # never drop the frame (a ctypes callback returns 0: DROP)
            self._warn(f"cannot stamp a frame: {exc!r}")
        return self.ok

    def _stamp(self, info: _PadProbeInfo, ms: int) -> None:
        lib, buffer = self.lib, info.data
        if not lib.gst_mini_object_is_writable(buffer):
            buffer = info.data = lib.gst_mini_object_make_writable(buffer)
        mapped = _MapInfo()
        if not lib.gst_buffer_map(buffer, ctypes.byref(mapped), self.write):
            self._warn("cannot map a frame writable")
            return
        try:
            if mapped.size < self.size:
                self._warn(f"frame of {mapped.size} bytes, expected {self.size}: not stamped")
                return
            luma = (ctypes.c_ubyte * (self.stride * self.height)).from_address(
                mapped.data + self.offset
            )
            stamp.encode(memoryview(luma).cast("B"), self.width, self.height, ms, self.stride)
        finally:
            lib.gst_buffer_unmap(buffer, ctypes.byref(mapped))

    def _warn(self, message: str) -> None:
        if not self.warned:  # once: at 15 fps a repeated warning would flood the log
            self.warned = True
            print(f"gst_camera: {message}", file=sys.stderr, flush=True)


def attach_stamper(media: GstRtspServer.RTSPMedia, args: argparse.Namespace) -> FrameStamper:
    pad = media.get_element().get_by_name("stamp").get_static_pad("src")
    return FrameStamper(pad, raw_caps(args))


def missing_elements(launch: str) -> list[str]:
    """GStreamer elements named in the launch line that are not installed."""
    tokens = set(launch.split()) - {"(", ")", "!"}
    names = {t for t in tokens if "=" not in t and "/" not in t}  # not properties or caps
    return sorted(n for n in names if Gst.ElementFactory.find(n) is None)


def build_server(args: argparse.Namespace) -> GstRtspServer.RTSPServer:
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(args))
    factory.set_shared(True)  # recorder and live relay share one encoder
    # Makes the media unseekable. Otherwise each PLAY (ffmpeg sends Range: npt=0-) seeks the
    # shared pipeline to 0 and the clients already playing see their timestamps jump back.
    factory.set_publish_clock_mode(GstRtspServer.RTSPPublishClockMode.CLOCK_AND_OFFSET)
    stampers: list[FrameStamper] = []  # their ctypes callbacks must outlive the media

    def configure(_factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia) -> None:
        configure_overlay(media, args)
        if args.stamp:
            stampers.append(attach_stamper(media, args))

    factory.connect("media-configure", configure)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    server.get_mount_points().add_factory(args.mount, factory)
    return server


def attach(server: GstRtspServer.RTSPServer) -> None:
    """Bind and listen; raises GLib.Error (e.g. address already in use) on failure."""
    source = server.create_source(None)
    source.attach(None)


def stop_on_signals(loop: GLib.MainLoop) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, lambda: loop.quit() or False)


def public_url(args: argparse.Namespace) -> str:
    host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host  # noqa: S104
    return f"rtsp://{host}:{args.port}{args.mount}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    Gst.init(None)
    missing = missing_elements(launch_line(args))
    if missing:
        print(f"missing GStreamer elements: {', '.join(missing)}", file=sys.stderr)
        return 3
    server = build_server(args)
    try:
        attach(server)
    except GLib.Error as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.message}", file=sys.stderr)
        return 2
    loop = GLib.MainLoop()
    stop_on_signals(loop)
    print(f"READY {public_url(args)}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
