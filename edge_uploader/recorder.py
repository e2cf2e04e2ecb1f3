"""Record one camera: a supervised ffmpeg (RTSP/TCP, stream copy, clock-aligned
fragmented-MP4 segments named by their UTC start).

One thread per camera runs :meth:`CameraRecorder.run`. Each cycle probes the
camera (to learn its codec; HEVC needs the hvc1 tag), starts ffmpeg, hands every
segment ffmpeg closes to the spool, and when ffmpeg exits (camera gone, timeout,
crash) finalizes what is left and restarts with capped backoff. The probe's
RTSP timeout plus the backoff cap bound how soon recording resumes after the
camera returns (defaults: 3 s cap; live view, which shares this session through
the feed, resumes about 2 s after recording).

With a live feed (footage.live), a second output of the same ffmpeg sends the
stream to the live relay over loopback UDP: one RTSP session per camera serves both.

An outage is part of the camera's chain of custody: its start is journalled when
it begins and it becomes a ``gap`` record (from the first failure to the start of
the run that proved healthy, with its reason code) when the camera is back
(edge_uploader.journal.chain: durable across a restart, never appended twice).
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from edge_uploader.journal.chain import ChainJournal
from edge_uploader.spool import Spool
from footage.backoff import Backoff
from footage.clock import Clock
from footage.config import AudioPolicy, Camera, RecorderConfig
from footage.errors import FootageError, KeyFormatError, MediaError
from footage.guard import guarded
from footage.keys import parse_spool_name
from footage.logfiles import LogPump, spawn_logged
from footage.media.commands import RecordSpec, record_command
from footage.media.probe import probe_stream
from footage.models import MediaInfo
from footage.outages import OutageLog, Problem, classify
from footage.procs import die_with_parent, last_lines
from footage.redact import redact

log = logging.getLogger(__name__)
_SEGMENT_LIST = ".segments.csv"
_FFMPEG_LOG = ".ffmpeg.log"
_STOP_GRACE_S = 10.0
#: A run of ffmpeg this long counts as the camera being back (a camera that
#: answers the probe, then drops at once, stays one outage in the log).
_HEALTHY_S = 10.0


class RecorderState(StrEnum):
    STARTING = "starting"
    RECORDING = "recording"
    OFFLINE = "offline"
    STOPPED = "stopped"
    DISABLED = "disabled"


@dataclass(slots=True)
class RecorderStatus:
    state: RecorderState = RecorderState.STARTING
    codec: str | None = None
    last_segment_at: datetime | None = None
    last_error: str | None = None  # the tool's own words (credentials masked): for admins
    problem: Problem | None = None  # why it is offline, as a reason code
    restarts: int = 0
    segments: int = 0


@dataclass(slots=True)
class _Run:
    process: subprocess.Popen[bytes]
    list_path: Path
    log: LogPump
    began: datetime  # wall clock, when the recording began: an outage's end
    list_offset: int = 0
    started: float = field(default_factory=time.monotonic)


class CameraRecorder:
    def __init__(
        self,
        camera: Camera,
        url: str,
        spool: Spool,
        settings: RecorderConfig,
        clock: Clock,
        live_feed: str | None = None,
    ) -> None:
        self.camera = camera
        self.live_feed = live_feed
        self.url = url
        self.spool = spool
        self.settings = settings
        self.clock = clock
        self.status = RecorderStatus()
        self._backoff = Backoff(settings.backoff_initial_s, settings.backoff_max_s)
        self._ctx = {"camera": camera.id, "site": camera.site}
        summary = timedelta(seconds=settings.offline_summary_s)
        self._outages = OutageLog(log, "camera", self._ctx, summary)
        #: an outage may be open in the journal (this run's, or one from before a restart)
        self._gap_open = True

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            recorded = self._cycle(stop)
            if stop.is_set():
                break
            if recorded:
                self._backoff.reset()
            delay = self._backoff.next()
            self.status.restarts += 1
            log.debug("restarting recorder in %.0f s", delay, extra=self._ctx)
            stop.wait(delay)
        self.status.state = RecorderState.STOPPED

    def _cycle(self, stop: threading.Event) -> bool:
        """Probe, record until ffmpeg exits or ``stop``; True if anything was recorded."""
        try:
            info = probe_stream(self.url, self.settings.rtsp_timeout_s)
        except MediaError as exc:
            self._offline(last_lines(str(exc), 200), connecting=True)
            return False
        self.status.codec = info.codec
        run = self._start(info)
        before = self.status.segments
        self.status.state = RecorderState.RECORDING
        # Each start is news only outside an outage; an outage's end is logged once.
        level = logging.DEBUG if self._outages.down else logging.INFO
        log.log(level, "recording %s %dx%d", info.codec, info.width, info.height, extra=self._ctx)
        while run.process.poll() is None and not stop.wait(0.5):
            self._collect(run)
            if time.monotonic() - run.started >= _HEALTHY_S or self.status.segments > before:
                self._back(run.began)
        self._finish(run, stopping=stop.is_set())
        return self.status.segments > before

    def _start(self, info: MediaInfo) -> _Run:
        began = self.clock.now()
        out_dir = self.spool.recording_dir(self.camera.id)
        out_dir.mkdir(parents=True, exist_ok=True)
        list_path = out_dir / _SEGMENT_LIST
        list_path.unlink(missing_ok=True)
        spec = RecordSpec(
            url=self.url,
            out_dir=out_dir,
            segment_list=list_path,
            segment_seconds=self.camera.segment_seconds,
            rtsp_timeout_s=self.settings.rtsp_timeout_s,
            video_codec=info.codec,
            # no audio stream: no audio options (unused, ffmpeg warns about them each start)
            keep_audio=self.camera.audio is AudioPolicy.AAC and info.audio_codec is not None,
            live_feed=self.live_feed,
        )
        log_path = out_dir / _FFMPEG_LOG  # stderr, drained at once and the password masked
        process, pump = spawn_logged(
            guarded(record_command(spec)),  # one SIGTERM even on a kill -9 of vms
            log_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "TZ": "UTC"},  # strftime names the files in UTC
            start_new_session=True,  # a terminal's Ctrl-C must not reach ffmpeg directly
            preexec_fn=die_with_parent,
        )
        return _Run(process, list_path, pump, began)

    def _collect(self, run: _Run) -> None:
        """Finalize every segment ffmpeg has listed as closed since the last look."""
        try:
            with run.list_path.open("rb") as handle:
                handle.seek(run.list_offset)
                data = handle.read()
        except FileNotFoundError:
            return
        complete = data[: data.rfind(b"\n") + 1]
        run.list_offset += len(complete)
        for line in complete.decode(errors="replace").splitlines():
            fields = line.split(",")
            if fields[0].strip():
                path = self.spool.recording_dir(self.camera.id) / Path(fields[0].strip()).name
                self._finalize(path, self._listed_start(path.name, fields[1:]))

    def _finish(self, run: _Run, stopping: bool) -> None:
        if run.process.poll() is None:
            run.process.send_signal(signal.SIGINT)  # ffmpeg closes the segment cleanly
            try:
                run.process.wait(_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                run.process.kill()
                run.process.wait()
        run.log.join()
        stderr = run.log.tail()  # from memory: the log's disk may be full
        self._collect(run)
        for leftover in sorted(self.spool.recording_dir(self.camera.id).glob("*.mp4")):
            self._finalize(leftover)  # fMP4: plays to its last whole fragment
        if not stopping:
            self._offline(f"ffmpeg exited ({run.process.returncode}): {last_lines(stderr)}")

    def _listed_start(self, name: str, times: list[str]) -> datetime | None:
        """True start of a segment ffmpeg closed at a clock boundary.

        The file name is the wall clock when ffmpeg opened the file, which for a
        run's first segment is after RTSP probing, so it includes a few seconds
        buffered earlier. The segment ended at the next clock boundary, so its
        start is that boundary minus its duration (from the segment list).
        """
        try:
            stamp = parse_spool_name(name)
            duration = float(times[1]) - float(times[0])
        except (KeyFormatError, IndexError, ValueError):
            return None
        return aligned_start(stamp, duration, self.camera.segment_seconds)

    def _finalize(self, path: Path, start: datetime | None = None) -> None:
        if not path.exists():
            return
        now = self.clock.now()
        camera, site = self.camera.id, self.camera.site
        # cut_off: even a segment ffmpeg listed may end mid-fragment (a full disk
        # fails the segment muxer, which lists the segment as it closes it)
        target = self.spool.finalize(path, camera, site, now, start, cut_off=True)
        if target is not None:
            self.status.segments += 1
            self.status.last_segment_at = now
            log.info("segment closed %s", target.name, extra=self._ctx)

    def _offline(self, error: str, connecting: bool = False) -> None:
        error = redact(error)
        problem = classify(error, connecting)
        self.status.state = RecorderState.OFFLINE
        self.status.last_error = error
        self.status.problem = problem
        began = not self._outages.down
        now = self.clock.now()
        self._outages.failed(now, problem, error)
        if began:
            self._gap_open = True
            site, camera = self.camera.site, self.camera.id
            self._journal_gap(lambda c: c.gap_began(site, camera, now, problem.value))

    def _back(self, began: datetime) -> None:
        if self._outages.down:
            self._outages.recovered(self.clock.now())
        self.status.problem = None
        if self._gap_open:
            self._gap_open = not self._journal_gap(
                lambda c: c.gap_ended(self.camera.site, self.camera.id, began, self.clock.now())
            )

    def _journal_gap(self, write: Callable[[ChainJournal], object]) -> bool:
        """An outage's start or end in the chain's journal; False if it failed
        (logged; the end is tried again on the next look, the recording goes on)."""
        try:
            write(self.spool.journal.chain)
        except (FootageError, OSError, sqlite3.Error) as exc:
            log.warning("could not journal the camera's outage: %s", exc, extra=self._ctx)
            return False
        return True


def aligned_start(stamp: datetime, duration_s: float, segment_seconds: int) -> datetime | None:
    """Boundary after ``stamp`` minus the duration, if that is plausible (within
    one segment before the stamp); None to keep the stamp."""
    epoch = stamp.timestamp()
    boundary = (int(epoch) // segment_seconds + 1) * segment_seconds
    start = boundary - duration_s
    if not epoch - segment_seconds <= start <= epoch + 1:
        return None
    return datetime.fromtimestamp(round(start), UTC)
