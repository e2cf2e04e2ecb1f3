"""CPU cost of the recorder: one 1080p15 camera, stream copy into 10 s segments.

Method
------
1. Start a simulated RTSP camera (GStreamer, `edge_uploader.harness.camsim`) sending
   1920x1080 at 15 fps, about 4 Mbit/s, H.264 or H.265 (``--codec``).
2. Run the project's real recorder command, `footage.media.commands.record_command`
   (RTSP over TCP, ``-c:v copy``, segment muxer, fragmented MP4, 10 s segments),
   with TZ=UTC, writing into a temporary folder.
3. After a warm-up (default 5 s, which covers the RTSP handshake and the first
   segment's open), read utime+stime of the ffmpeg process from /proc/<pid>/stat
   (clock ticks, os.sysconf("SC_CLK_TCK")) and the bytes in the output folder;
   read them again at the end. CPU % of one core = delta CPU-s / delta wall-s.
4. The camera's own CPU (it encodes 1080p in software) is read the same way and
   printed separately: it is NOT part of the recorder's cost.

The measured bitrate is bytes written / time over the same window, i.e. what
the camera really sends (the simulator is CBR for H.264; x265 undershoots).

Target: <= 2 % of one core per 1080p camera (stream copy).

    uv run python bench/recorder_cpu.py --seconds 60 --codec h264
    uv run python bench/recorder_cpu.py --smoke   # 640x360, 5 s, 2 s segments

It exits 1 when the recorder wrote nothing or closed no segment.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from edge_uploader.harness.camsim.launcher import CameraSpec, SimulatedCamera
from edge_uploader.harness.ports import free_port
from footage.media.commands import RecordSpec, record_command

CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGET_PCT = 2.0
PROBED_CODEC = {"h264": "h264", "h265": "hevc"}  # what ffprobe would report


@dataclass(frozen=True)
class Sample:
    wall: float
    recorder_cpu: float
    camera_cpu: float
    out_bytes: int


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=60, help="recording time (default 60)")
    p.add_argument("--warmup", type=float, default=5, help="startup excluded (default 5 s)")
    p.add_argument("--codec", choices=sorted(PROBED_CODEC), default="h264")
    p.add_argument(
        "--audio",
        choices=["none", "pcma"],
        default="none",
        help="pcma: camera sends G.711, recorder transcodes it to AAC",
    )
    p.add_argument("--bitrate-kbps", type=int, default=4000)
    p.add_argument("--segment-seconds", type=int, default=10)
    p.add_argument("--size", default="1920x1080", help="the camera's WxH")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench works")
    args = p.parse_args()
    if args.smoke:
        args.seconds, args.warmup, args.segment_seconds = 5, 2, 2
        args.size, args.bitrate_kbps = "640x360", 1000
    args.width, args.height = (int(n) for n in args.size.split("x"))
    if args.seconds <= args.warmup + 1:
        p.error("--seconds must exceed --warmup by more than 1 s")
    return args


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "; fields[0] is state
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def count_listed(seg_list: Path) -> int:
    """Segments ffmpeg has closed: one line each in its CSV segment list."""
    if not seg_list.exists():
        return 0
    return len([ln for ln in seg_list.read_text().splitlines() if ln.strip()])


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.mp4"))


def sample(recorder: subprocess.Popen[bytes], camera_pid: int, out_dir: Path) -> Sample:
    return Sample(
        wall=time.monotonic(),
        recorder_cpu=cpu_seconds(recorder.pid),
        camera_cpu=cpu_seconds(camera_pid),
        out_bytes=folder_bytes(out_dir),
    )


def start_recorder(spec: RecordSpec, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as errors:
        return subprocess.Popen(
            record_command(spec),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env={**os.environ, "TZ": "UTC"},
            start_new_session=True,
        )


def stop_recorder(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)  # ffmpeg closes the open segment cleanly
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def wait_and_report(
    proc: subprocess.Popen[bytes], until: float, camera_pid: int, out_dir: Path
) -> None:
    """Sleep until ``until`` (monotonic), printing progress every 10 s."""
    while (left := until - time.monotonic()) > 0:
        time.sleep(min(10.0, left))
        if proc.poll() is not None:
            raise RuntimeError(f"recorder exited early with code {proc.returncode}")
        s = sample(proc, camera_pid, out_dir)
        mb, cpu = s.out_bytes / 1e6, s.recorder_cpu
        print(f"  ... {mb:7.1f} MB written, recorder {cpu:.2f} CPU-s", flush=True)


def measure(args: argparse.Namespace, cam: SimulatedCamera, work: Path) -> None:
    out_dir, seg_list = work / "spool", work / "segments.csv"
    out_dir.mkdir()
    spec = RecordSpec(
        url=cam.url, out_dir=out_dir, segment_list=seg_list,
        segment_seconds=args.segment_seconds, rtsp_timeout_s=10,
        video_codec=PROBED_CODEC[args.codec], keep_audio=args.audio != "none",
    )  # fmt: skip
    assert cam.pid is not None
    print("recorder:", " ".join(record_command(spec)), flush=True)
    proc = start_recorder(spec, work / "ffmpeg.log")
    started = time.monotonic()
    try:
        wait_and_report(proc, started + args.warmup, cam.pid, out_dir)
        first = sample(proc, cam.pid, out_dir)
        print(f"warm-up done ({args.warmup:.0f} s); measuring...", flush=True)
        wait_and_report(proc, started + args.seconds, cam.pid, out_dir)
        last = sample(proc, cam.pid, out_dir)
        rss = rss_mb(proc.pid)
        closed_in_run = count_listed(seg_list)
    finally:
        stop_recorder(proc)
    log = (work / "ffmpeg.log").read_text(errors="replace").strip()
    report(args, first, last, rss, closed_in_run, count_listed(seg_list), log)


def report(
    args: argparse.Namespace,
    first: Sample,
    last: Sample,
    rss: float,
    closed_in_run: int,
    closed_after_stop: int,
    log: str,
) -> None:
    window = last.wall - first.wall
    rec_pct = 100 * (last.recorder_cpu - first.recorder_cpu) / window
    cam_pct = 100 * (last.camera_cpu - first.camera_cpu) / window
    kbps = 8 * (last.out_bytes - first.out_bytes) / window / 1000
    verdict = "OK" if rec_pct <= TARGET_PCT else "OVER TARGET"
    print(f"\n== recorder CPU, {args.codec} {args.size}@15 copy, audio={args.audio} ==")
    print(f"window                 : {window:.1f} s (first {args.warmup:.0f} s excluded)")
    print(
        f"recorder ffmpeg CPU    : {rec_pct:.2f} % of one core  "
        f"(target <= {TARGET_PCT:.0f} %: {verdict})"
    )
    print(f"recorder ffmpeg RSS    : {rss:.1f} MB")
    print(f"input bitrate          : {kbps:.0f} kbit/s ({kbps / 8:.0f} kB/s written)")
    print(
        f"segments               : {closed_in_run} closed while recording, "
        f"{closed_after_stop} after SIGINT closed the open one ({args.segment_seconds} s each)"
    )
    print(f"camera simulator CPU   : {cam_pct:.1f} % of one core (NOT counted above)")
    if log:
        print("ffmpeg stderr (tail):\n" + log[-1500:])
    if last.out_bytes <= first.out_bytes or closed_after_stop < 1:
        sys.exit("the recorder wrote no footage or closed no segment")


def main() -> int:
    args = parse_args()
    spec = CameraSpec(
        port=free_port(), codec=args.codec, audio=args.audio, width=args.width,
        height=args.height, fps=15, bitrate_kbps=args.bitrate_kbps,
    )  # fmt: skip
    print(
        f"camera: {spec.codec} {spec.width}x{spec.height}@{spec.fps} "
        f"{spec.bitrate_kbps} kbit/s, audio {spec.audio}; {args.seconds:.0f} s",
        flush=True,
    )
    cam = SimulatedCamera(spec)
    with tempfile.TemporaryDirectory(prefix="bench-recorder-") as tmp:
        try:
            cam.start(timeout_s=20)
            measure(args, cam, Path(tmp))
        finally:
            with contextlib.suppress(Exception):
                cam.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
