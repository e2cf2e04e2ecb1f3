#!/usr/bin/python3
"""One simulated IP camera served over RTSP by GStreamer's RTSP server.

Run by Debian's /usr/bin/python3 (not the project venv): it imports only the
standard library and `gi`. Needs gir1.2-gst-rtsp-server-1.0, python3-gi and
gstreamer1.0-plugins-{base,good,ugly,bad} plus gstreamer1.0-x (clockoverlay).

The stream looks like a CCTV camera: a moving ball with the wall clock (UTC)
burned in, H.264 or H.265 with a fixed GOP and no B-frames, optional G.711
audio. Prints `READY rtsp://<host>:<port><mount>` once listening, and exits
cleanly on SIGTERM/SIGINT.
"""

import os
import time

# clockoverlay renders local time: pin it to UTC before GLib reads the zone.
os.environ["TZ"] = "UTC"
time.tzset()

import argparse
import signal
import sys

try:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtspServer
except (ImportError, ValueError) as exc:
    sys.exit(f"gst_camera needs python3-gi and gir1.2-gst-rtsp-server-1.0 ({exc})")

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
    args = p.parse_args(argv)
    if not args.mount.startswith("/"):
        p.error("--mount must start with '/'")
    args.gop = args.gop or args.fps
    args.bitrate = args.bitrate or default_bitrate(args.width, args.height, args.fps)
    return args


def default_bitrate(width: int, height: int, fps: int) -> int:
    return max(64, round(width * height * fps * BITS_PER_PIXEL / 1000))


def video_branch(args: argparse.Namespace) -> str:
    encoder, payloader = VIDEO_ENCODERS[args.codec]
    caps = f"video/x-raw,format=I420,width={args.width},height={args.height}"
    return (
        f"videotestsrc is-live=true pattern=ball motion=wavy background-color=0xff303840"
        f" ! {caps},framerate={args.fps}/1"
        f" ! clockoverlay name=clock halignment=left valignment=top shaded-background=true"
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
    factory.connect("media-configure", lambda _f, media: configure_overlay(media, args))
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
