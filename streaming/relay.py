"""One live stream: the ffmpeg that pushes a camera to nginx-rtmp, supervised.

A thread per stream runs :meth:`StreamRelay.run`. While the stream is wanted
(watched lately, or ``live: always``) it keeps one ffmpeg running: probe the
source (once; the answer is kept while runs succeed), start ffmpeg, and when it
exits (camera or recorder gone, nginx restarted) restart it with backoff. When
the stream is no longer wanted, ffmpeg is stopped and the stream's HLS folder
removed, so the next viewer never gets a stale playlist.

Sources (footage.live): a recorded camera's main stream comes from the
recorder's loopback feed, so the camera serves one RTSP session, not two. The
relay only listens there, so it retries within a second. Sub-streams and
cameras that are not recorded are pulled over RTSP, with a longer backoff so a
dead camera is not hammered.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from footage.backoff import Backoff
from footage.clock import Clock
from footage.config import Camera, LiveMode
from footage.errors import MediaError
from footage.live import PLAYLIST, StreamState, StreamStatus
from footage.media.commands import RelaySpec, relay_command
from footage.media.probe import probe_stream
from footage.models import MediaInfo
from footage.outages import OutageLog, classify
from footage.procs import (
    LogPump,
    die_with_parent,
    last_lines,
    read_tail,
    spawn_logged,
    stop_process,
)
from footage.redact import redact

log = logging.getLogger(__name__)
#: Seconds of a healthy run after which the backoff starts again from the bottom.
_HEALTHY_S = 10.0
_TICK_S = 0.2
_PRIME_RETRY_S = 10.0
#: ffmpeg's first read of a feed: one GOP of the usual 1-2 s; doubled (to 8 s) for a
#: camera with longer GOPs, whose first keyframe that read missed.
_ANALYZE_S = 2.0
_ANALYZE_MAX_S = 8.0


@dataclass(frozen=True, slots=True)
class Source:
    stream: str
    camera: Camera
    sub: bool
    url: str  # udp:// feed or rtsp:// with credentials: never logged
    feed: bool

    @property
    def kind(self) -> str:
        return "feed" if self.feed else "rtsp"

    @property
    def always(self) -> bool:
        """``live: always`` keeps the main stream relaying; a sub-stream (its own RTSP
        session to the camera) still only runs while a grid shows it."""
        return self.camera.live is LiveMode.ALWAYS and not self.sub


@dataclass(frozen=True, slots=True)
class RelaySettings:
    rtmp_base: str  # rtmp://127.0.0.1:<port>/live
    hls_root: Path
    logs: Path
    timeout_s: float  # RTSP I/O timeout, and how long a silent feed is waited for
    fragment_s: float


class StreamRelay:
    def __init__(
        self,
        source: Source,
        settings: RelaySettings,
        wanted: Callable[[], bool],
        clock: Clock,
    ) -> None:
        self.source = source
        self.settings = settings
        self.wanted = wanted
        self.clock = clock
        self.info: MediaInfo | None = None
        self.status = StreamStatus(
            camera=source.camera.id, site=source.camera.site, sub=source.sub,
            always=source.always, source=source.kind, since=clock.now(),
        )  # fmt: skip
        self._backoff = Backoff(0.5, 1.0) if source.feed else Backoff(1.0, 10.0)
        self._ctx = {"camera": source.camera.id, "site": source.camera.site}
        # a feed retries every second while its camera is down: log changes, not retries
        self._outages = OutageLog(log, f"live relay {source.stream}", self._ctx,
                                  timedelta(minutes=10))  # fmt: skip
        self._next_prime = 0.0
        self._analyze_s = _ANALYZE_S
        self._pump: LogPump | None = None

    @property
    def hls_dir(self) -> Path:
        return self.settings.hls_root / self.source.stream

    @property
    def log_path(self) -> Path:
        return self.settings.logs / f"{self.source.stream}.ffmpeg.log"

    def run(self, stop: threading.Event) -> None:
        self._clear_hls()
        while not stop.is_set():
            if not self.wanted():
                self._set(StreamState.IDLE)
                self._outages.reset()  # nobody watches: no outage to report
                self._prime()
                stop.wait(_TICK_S)
                continue
            healthy = self._cycle(stop)
            if stop.is_set() or not self.wanted():
                continue
            if healthy:
                self._backoff.reset()
            delay = self._backoff.next()
            self.status.restarts += 1
            log.debug("restarting live relay %s in %.1f s", self.source.stream, delay,
                      extra=self._ctx)  # fmt: skip
            stop.wait(delay)
        self._set(StreamState.IDLE)

    def _cycle(self, stop: threading.Event) -> bool:
        """Run ffmpeg while wanted; True if the run was healthy (for the backoff)."""
        if self.status.state is StreamState.IDLE:
            self._set(StreamState.STARTING)  # after a failure it stays RETRYING until live
        try:
            info = self.info or probe_stream(self.source.url, self.settings.timeout_s)
        except MediaError as exc:
            self._failed(f"no video from the {self.source.kind}: {last_lines(str(exc))}")
            return False
        self.info = info
        started = time.monotonic()
        process = self._start(info)
        playlist = self.hls_dir / PLAYLIST
        while process.poll() is None and not stop.is_set() and self.wanted():
            if self.status.state is not StreamState.LIVE and _fresh(playlist, started):
                self._set(StreamState.LIVE)
                self.status.last_error = None
                self._outages.recovered(self.clock.now())
                log.info("live %s (%s, %s)", self.source.stream, info.codec, self.source.kind,
                         extra=self._ctx)  # fmt: skip
            stop.wait(_TICK_S)
        ran_s = time.monotonic() - started
        if process.poll() is None:  # nobody watches any more, or shutting down
            stop_process(process, timeout_s=5.0)
            self._clear_hls()
            log.info("stopped live relay %s after %.0f s", self.source.stream, ran_s,
                     extra=self._ctx)  # fmt: skip
            return True
        if ran_s < self.settings.timeout_s and self.status.state is not StreamState.LIVE:
            self._analyze_s = min(self._analyze_s * 2, _ANALYZE_MAX_S)
        if ran_s < self.settings.timeout_s:
            # Not the source going quiet (that takes the timeout): ffmpeg may have been
            # wrong about the stream (the camera changed codec or audio), so probe again.
            # Otherwise keep it: a restarted ffmpeg is already listening when the
            # recorder's feed returns, a second sooner than probe + start.
            self.info = None
        if self._pump is not None:
            self._pump.join()
        self._failed(
            f"ffmpeg exited ({process.returncode}): {last_lines(read_tail(self.log_path))}"
        )
        return ran_s >= _HEALTHY_S

    def _prime(self) -> None:
        """Learn an idle feed's codec ahead of demand, so a viewer waits for one
        ffmpeg start, not two. Only feeds: listening to loopback costs the camera
        nothing, where probing it over RTSP would open a session."""
        if not self.source.feed or self.info is not None or time.monotonic() < self._next_prime:
            return
        try:
            self.info = probe_stream(self.source.url, self.settings.timeout_s)
        except MediaError:
            self._next_prime = time.monotonic() + _PRIME_RETRY_S  # the recorder is not feeding

    def _start(self, info: MediaInfo) -> subprocess.Popen[bytes]:
        spec = RelaySpec(
            url=self.source.url,
            rtmp_url=f"{self.settings.rtmp_base}/{self.source.stream}",
            rtsp_timeout_s=self.settings.timeout_s,
            video_codec=info.codec,
            audio_codec=info.audio_codec,
            fps=info.fps or 15.0,
            fragment_s=self.settings.fragment_s,
            analyze_s=self._analyze_s,
        )
        process, self._pump = spawn_logged(  # stderr, drained at once and the password masked
            relay_command(spec), self.log_path, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent,
        )  # fmt: skip
        return process

    def _failed(self, reason: str) -> None:
        reason = redact(reason)
        self.status.last_error = reason
        self._set(StreamState.RETRYING)
        self._outages.failed(self.clock.now(), classify(reason), reason)

    def _set(self, state: StreamState) -> None:
        if state is not self.status.state:
            self.status.state = state
            self.status.since = self.clock.now()

    def _clear_hls(self) -> None:
        shutil.rmtree(self.hls_dir, ignore_errors=True)


def _fresh(playlist: Path, since: float) -> bool:
    """The playlist exists and was written by this run (monotonic vs. mtime: both
    compared as 'age', so a wall-clock step does not matter much)."""
    try:
        age = time.time() - playlist.stat().st_mtime
    except FileNotFoundError:
        return False
    return age < time.monotonic() - since
