"""Live view hop by hop: where a stamped frame's time goes before the WHEP source.

One simulated camera (``--stamp``: each frame carries its capture time), the
recorder's command with its loopback feed (footage.media.commands.record_command)
and the relay's command (relay_command) as ``vms up`` runs them, except that the
relay's FLV goes to a TCP socket this bench reads instead of nginx-rtmp. Each hop
is read with PyAV as the WHEP source reads nginx (``nobuffer``); a packet's delay
is its arrival time minus the capture time stamped in its frame:

* ``camera``: a second RTSP session straight to the camera (its own delay);
* ``feed``: the recorder's MPEG-TS over UDP (run 1: this bench listens, no relay);
* ``relay``: the relay ffmpeg's output (run 2: copy for H.264, the transcode for
  H.265), what nginx-rtmp hands the WHEP source.

    uv run python bench/live_hops.py --codec h265 --audio pcma [--width 1920 --height 1080]
    uv run python bench/live_hops.py --smoke   # H.265 + G.711, 640x360, 3 s windows

Options for experiments: --feed-extra (more options of the feed's tee slave),
--record-out (more output options of the recorder's feed output),
--relay-in / --relay-out (more input / output options of the relay ffmpeg).

Also prints the relay ffmpeg's CPU (share of one core) over the window.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import av

from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.harness.camsim.stamp import decode
from edge_uploader.harness.ports import free_port
from footage.media.commands import RecordSpec, RelaySpec, record_command, relay_command

TICK = os.sysconf("SC_CLK_TCK")


def read_hop(url: str, options: dict[str, str], seconds: float, out: list[float]) -> None:
    """Append (arrival - capture) of each video packet of ``url`` for ``seconds``."""
    deadline = time.monotonic() + seconds + 20
    while time.monotonic() < deadline:
        try:
            container = av.open(url, options=options, timeout=10)
            break
        except (av.FFmpegError, OSError):
            time.sleep(0.1)
    else:
        raise SystemExit(f"cannot open {url}")
    with container:
        video = container.streams.video[0]
        video.thread_type = "SLICE"  # a frame out per packet in: no decoder delay here
        end = time.monotonic() + seconds
        for packet in container.demux(video):
            arrived = time.time()
            if packet.size == 0:
                continue
            for frame in packet.decode():
                ms = decode(gray_bytes(frame), frame.width, frame.height)
                if ms is not None:
                    out.append(arrived - ms / 1000)
            if time.monotonic() > end:
                return


def gray_bytes(frame: av.VideoFrame) -> bytes:
    """The frame's luma, tightly packed (what stamp.decode reads)."""
    plane = frame.reformat(format="gray").planes[0]
    data, width = bytes(plane), frame.width
    if plane.line_size == width:
        return data
    return b"".join(data[r * plane.line_size : r * plane.line_size + width]
                    for r in range(frame.height))  # fmt: skip


def cpu_share(pid: int, wall: float, before: int) -> float:
    return (ticks(pid) - before) / TICK / wall * 100


def ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: no frames timed"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (f"{name}: {len(values)} frames, median {statistics.median(values) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms")  # fmt: skip


def relay_args(args: argparse.Namespace, feed_in: str, codec: str, out: int) -> list[str]:
    """The relay's command as streaming.relay runs it, its FLV to a TCP socket."""
    command = relay_command(RelaySpec(
        feed_in, "rtmp://unused", 5.0, codec,
        None if args.audio == "none" else "aac", 15.0, 1.0,  # the feed carries AAC
    ))  # fmt: skip
    command[-1] = f"tcp://127.0.0.1:{out}?listen=1"
    at = command.index("-i")
    command[at:at] = args.relay_in.split()
    at = command.index("-f", at + 2)
    command[at:at] = args.relay_out.split()
    return command


def run(args: argparse.Namespace, camera: SimulatedCamera, tmp: Path, relay: bool) -> bool:
    """One run; False if a hop had no frame timed."""
    feed = free_port()
    spec = RecordSpec(camera.url, tmp, tmp / "segments.csv", 60, 5.0, "hevc" if
                      args.codec == "h265" else "h264", True,
                      f"udp://127.0.0.1:{feed}?pkt_size=1316")  # fmt: skip
    feed_in = (f"udp://127.0.0.1:{feed}?timeout=5000000&buffer_size=4194304"
               f"&fifo_size=1000000&overrun_nonfatal=1")  # fmt: skip
    hops: dict[str, list[float]] = {"camera": [], "feed" if not relay else "relay": []}
    procs = []
    if relay:
        out = free_port()
        command = relay_args(args, feed_in, spec.video_codec, out)
        print("relay command:", " ".join(command))
        procs.append(subprocess.Popen(command))
        target, options = f"tcp://127.0.0.1:{out}", {"f": "flv", "fflags": "nobuffer"}
    else:
        target, options = feed_in, {"fflags": "nobuffer", "analyzeduration": "500000"}
    threads = [threading.Thread(target=read_hop, args=(
        target, options, args.seconds, hops["relay" if relay else "feed"]))]  # fmt: skip
    threads[0].start()
    time.sleep(0.5)
    recorder = record_command(spec)
    if args.feed_extra:
        recorder[-1] = recorder[-1].replace("[f=mpegts:", f"[f=mpegts:{args.feed_extra}:")
    at = len(recorder) - 3  # the feed output's, before its "-f tee <slaves>"
    recorder[at:at] = args.record_out.split()
    procs.append(subprocess.Popen(recorder))
    threads.append(threading.Thread(target=read_hop, args=(
        camera.url, {"rtsp_transport": "tcp", "fflags": "nobuffer"}, args.seconds,
        hops["camera"])))  # fmt: skip
    threads[1].start()
    time.sleep(args.seconds / 3)
    before, started = ticks(procs[0].pid), time.monotonic()
    for thread in threads:
        thread.join()
    cpu = cpu_share(procs[0].pid, time.monotonic() - started, before)
    for proc in procs:
        proc.terminate()
        proc.wait(10)
    for name, values in hops.items():
        print(summary(name, values[len(values) // 4 :]))  # the first quarter: start-up
    print(f"CPU {'relay' if relay else 'recorder'} ffmpeg: {cpu:.1f}% of a core")
    return all(len(values) >= 4 for values in hops.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codec", choices=["h264", "h265"], default="h265")
    parser.add_argument("--audio", choices=["none", "pcma", "pcmu"], default="none")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--hop", choices=["feed", "relay", "both"], default="both")
    parser.add_argument("--feed-extra", default="", help="options for the feed's tee slave")
    parser.add_argument("--record-out", default="", help="feed output: more options")
    parser.add_argument("--relay-in", default="", help="relay ffmpeg: more input options")
    parser.add_argument("--relay-out", default="", help="relay ffmpeg: more output options")
    parser.add_argument("--smoke", action="store_true", help="640x360, 3 s: the bench works")
    args = parser.parse_args()
    if args.smoke:
        args.width, args.height, args.seconds, args.audio = 640, 360, 3.0, "pcma"
    spec = CameraSpec(port=free_port(), codec=args.codec, audio=args.audio, width=args.width,
                      height=args.height, stamp=True)  # fmt: skip
    print(f"{args.codec} {args.width}x{args.height} audio {args.audio}, load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-hops-") as name, SimulatedCamera(spec) as cam:
        runs = [False, True] if args.hop == "both" else [args.hop == "relay"]
        timed = [run(args, cam, Path(name), relay) for relay in runs]
    if not all(timed):
        sys.exit("a hop had no frame timed")


if __name__ == "__main__":
    main()
