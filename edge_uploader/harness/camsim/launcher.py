"""Start, pause and stop simulated RTSP cameras from the project venv.

Each camera is `gst_camera.py` run by Debian's /usr/bin/python3 (which has
`gi` and GStreamer's RTSP server) in its own process group, so the whole
camera can be stopped, or frozen with SIGSTOP to simulate a hung camera. It
dies with the thread that started it (PDEATHSIG), even on a kill -9 of its
parent, so it never holds its port for the next run.

    with SimulatedCamera(CameraSpec(port=free_port(), codec="h265")) as cam:  # harness.ports
        record(cam.url)
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Literal, Self

from footage.procs import die_with_parent

SYSTEM_PYTHON = "/usr/bin/python3"
CAMERA_SCRIPT = Path(__file__).with_name("gst_camera.py")

VideoCodec = Literal["h264", "h265"]
AudioCodec = Literal["none", "pcma", "pcmu"]


@dataclass(frozen=True, slots=True)
class CameraSpec:
    """What one simulated camera sends. `gop` is in frames; None means one second."""

    port: int
    mount: str = "/stream"
    codec: VideoCodec = "h264"
    audio: AudioCodec = "none"
    width: int = 640
    height: int = 360
    fps: int = 15
    gop: int | None = None
    label: str = ""
    bitrate_kbps: int | None = None  # None: about 4 Mbit/s at 1080p15, scaled by pixels/s
    host: str = "127.0.0.1"
    stamp: bool = False  # capture time (epoch ms) coded into each frame: see stamp.py

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104
        return f"rtsp://{host}:{self.port}{self.mount}"

    def argv(self, python: str = SYSTEM_PYTHON) -> list[str]:
        args = [python, str(CAMERA_SCRIPT), "--host", self.host, "--port", str(self.port)]
        args += ["--mount", self.mount, "--codec", self.codec, "--audio", self.audio]
        args += ["--width", str(self.width), "--height", str(self.height), "--fps", str(self.fps)]
        args += ["--gop", str(self.gop or self.fps), "--bitrate", str(self.bitrate_kbps or 0)]
        args += ["--stamp"] if self.stamp else []
        return [*args, "--label", self.label]


class CameraStartError(RuntimeError):
    """The camera process exited or did not report READY in time."""


class SimulatedCamera:
    """One camera process. Nothing starts until `start()` (or `with`)."""

    def __init__(self, spec: CameraSpec, python: str = SYSTEM_PYTHON) -> None:
        self.spec = spec
        self.python = python
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return self.spec.url

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        """The exit code once stopped (0 after a clean SIGTERM), else None."""
        return self._proc.poll() if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout_s: float = 15) -> Self:
        if self.running:
            return self
        # A file, not a pipe: it never blocks the camera. Closed in stop().
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self._proc = self._spawn(self._stderr)
            self._wait_ready(time.monotonic() + timeout_s)
        except CameraStartError as exc:
            self._terminate(timeout_s=5)
            detail = self.stderr_text()
            self.stop()
            raise CameraStartError(f"{exc}; stderr:\n{detail}" if detail else str(exc)) from None
        return self

    def stop(self, timeout_s: float = 5) -> None:
        """SIGTERM the process group (waking it if paused), SIGKILL it after `timeout_s`."""
        self._terminate(timeout_s)
        if self._proc is not None and self._proc.stdout is not None:
            self._proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def stderr_text(self) -> str:
        """What the camera wrote to stderr so far (empty once stopped)."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()

    def pause(self) -> None:
        """Freeze the camera (SIGSTOP): its sockets stay open but nothing is sent."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _spawn(self, stderr: IO[bytes]) -> subprocess.Popen[bytes]:
        try:
            return subprocess.Popen(
                self.spec.argv(self.python),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        except OSError as exc:
            raise CameraStartError(f"cannot run {self.python} {CAMERA_SCRIPT}: {exc}") from exc

    def _terminate(self, timeout_s: float) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        for signum in (signal.SIGTERM, signal.SIGCONT):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signum)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout_s)

    def _signal(self, signum: signal.Signals) -> None:
        if self._proc is None or self._proc.poll() is not None:
            raise RuntimeError(f"camera {self.url} is not running")
        os.killpg(self._proc.pid, signum)  # its own session: pgid == pid

    def _wait_ready(self, deadline: float) -> None:
        line = self._read_line(deadline)
        if not line.startswith("READY "):
            raise CameraStartError(f"camera {self.url} printed {line!r} instead of READY")

    def _read_line(self, deadline: float) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        fd, buf = self._proc.stdout.fileno(), b""
        while b"\n" not in buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CameraStartError(f"camera {self.url} was not READY in time")
            if not select.select([fd], [], [], remaining)[0]:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                raise CameraStartError(f"camera {self.url} exited ({self._exit_code()})")
            buf += chunk
        return buf.split(b"\n", 1)[0].decode(errors="replace")

    def _exit_code(self) -> str:
        assert self._proc is not None
        try:
            return f"code {self._proc.wait(timeout=5)}"
        except subprocess.TimeoutExpired:
            return "closed its stdout"
