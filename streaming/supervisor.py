"""``python -m streaming run``: nginx and every camera's relay under one supervisor.

* nginx runs in the foreground (``daemon off``) as our child, with the config
  streaming.nginx renders, and is restarted with backoff if it dies; the relays
  reconnect on their own (their push fails, they restart). It runs in
  ``<data-dir>/relay``, which marks it as this installation's (nginx rewrites
  its environment): before each start, any nginx of ours still running (the
  workers of a master killed with -9, a previous relay's) is stopped, and a
  stale pid file removed.
* One :class:`~streaming.relay.StreamRelay` thread per stream: each camera's
  main stream, plus its sub-stream when one is configured (grid tiles).
* The WHEP service (streaming.whep, WebRTC live view) in a thread of its own,
  when ``relay.webrtc.enabled``; its sessions count as viewers like HLS ones.
* Every 250 ms the live log tells which streams are watched; a stream is wanted
  while it was watched within ``relay.idle_timeout_s`` (or is ``live: always``).
* Every second the state goes to ``<data-dir>/relay/status.json`` for ``vms
  status`` and ``/api/status``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from footage.backoff import Backoff
from footage.clock import Clock
from footage.config import Config
from footage.config_loader import camera_url
from footage.errors import ConfigError
from footage.installation import clear, installation_id
from footage.keys import build_stream_name
from footage.live import (
    RelayStatus,
    feed_input_url,
    relay_status_path,
    write_relay_status,
)
from footage.procs import die_with_parent, last_lines, read_tail, stop_process
from streaming.demand import Demand, LiveLog
from streaming.nginx import RTMP_APP, RelayPaths, render
from streaming.nginx_logs import NginxLogs, before_start
from streaming.relay import RelaySettings, Source, StreamRelay
from streaming.webrtc_thread import WebRtcThread

log = logging.getLogger(__name__)
_POLL_S = 0.25
_STATUS_EVERY_S = 1.0


def sources(config: Config) -> list[Source]:
    """Every stream the site can relay. A recorded camera's main stream comes from
    the recorder's feed (one RTSP session per camera); the rest from RTSP."""
    found = []
    for camera in config.cameras:
        if camera.rtsp_url is None:  # NVR-only: no stream to relay
            continue
        feed = camera.enabled
        main = feed_input_url(config, camera, config.recorder.rtsp_timeout_s) if feed else None
        url = main or camera_url(camera, camera.rtsp_url)
        found.append(Source(build_stream_name(camera.id), camera, False, url, feed))
        if camera.sub_rtsp_url:
            sub_url = camera_url(camera, camera.sub_rtsp_url)
            found.append(Source(build_stream_name(camera.id, True), camera, True, sub_url, False))
    return found


class Nginx:
    def __init__(self, paths: RelayPaths, installation: str) -> None:
        self.paths = paths
        self.installation = installation
        self.command = paths.command("-g", "daemon off;")
        self.running = False
        self.restarts = 0

    def check(self) -> None:
        """``nginx -t``: a config nginx rejects is a ConfigError with its message."""
        done = subprocess.run(self.paths.command("-t"), capture_output=True, text=True,
                              check=False)  # fmt: skip
        if done.returncode != 0:
            raise ConfigError([("relay", f"nginx rejects the relay config: {done.stderr.strip()}")])

    def run(self, stop: threading.Event) -> None:
        backoff = Backoff(0.5, 10.0)
        while not stop.is_set():
            self.clear_stale()
            with before_start(self.paths).open("ab") as errors:  # capped (nginx_logs)
                proc = subprocess.Popen(self.command, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=errors,
                                        cwd=self.paths.root, start_new_session=True,
                                        preexec_fn=die_with_parent)  # fmt: skip
            self.running = True
            started = time.monotonic()
            while proc.poll() is None and not stop.wait(0.25):
                pass
            self.running = False
            if stop.is_set():
                stop_process(proc)  # SIGTERM: nginx's fast shutdown
                return
            # A master that died hard (OOM, kill -9) leaves its workers holding the
            # ports, and a new master could not bind: end the whole process group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            if time.monotonic() - started > 30:
                backoff.reset()
            self.restarts += 1
            delay = backoff.next()
            error = last_lines(read_tail(self.paths.logs / "error.log"))
            log.warning("nginx exited (%s): %s; restarting in %.1f s", proc.returncode, error,
                        delay)  # fmt: skip
            stop.wait(delay)

    def clear_stale(self) -> None:
        """Stop every nginx of this installation (none of ours runs now) and remove
        its pid file, which a kill -9 leaves behind."""
        stale = clear(self.installation, program="nginx")
        if stale:
            log.warning("stopped %d nginx processes left running: %s", len(stale),
                        ", ".join(str(m.pid) for m in stale))  # fmt: skip
        self.paths.pid.unlink(missing_ok=True)


class RelaySupervisor:
    def __init__(
        self,
        config: Config,
        data_dir: Path,
        keys: Mapping[str, bytes],
        clock: Clock,
        *,
        host: str = "127.0.0.1",
        run_as: str | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.paths = RelayPaths(data_dir / "relay")
        self.status_path = relay_status_path(data_dir)
        self.nginx = Nginx(self.paths, installation_id(data_dir))
        self.demand = Demand()
        self._conf = render(config, self.paths, keys, host, run_as)
        relay = config.relay
        settings = RelaySettings(
            rtmp_base=f"rtmp://127.0.0.1:{relay.rtmp_port}/{RTMP_APP}",
            hls_root=self.paths.hls,
            logs=self.paths.logs,
            timeout_s=config.recorder.rtsp_timeout_s,
            fragment_s=relay.fragment_s,
        )
        self.relays = [
            StreamRelay(source, settings, self._wanted(source), clock) for source in sources(config)
        ]
        self._log = LiveLog(self.paths.live_log)
        self._nginx_logs = NginxLogs(self.paths)
        #: WebRTC viewers, (stream, address, monotonic) from the WHEP thread
        self.webrtc_seen: queue.SimpleQueue[tuple[str, str, float]] = queue.SimpleQueue()
        self.webrtc = (
            WebRtcThread(config, self.relays, keys, settings.rtmp_base, self._webrtc_seen, clock)
            if config.relay.webrtc.enabled
            else None
        )

    def _webrtc_seen(self, stream: str, address: str, at: float) -> None:
        self.webrtc_seen.put((stream, address, at))

    def _wanted(self, source: Source) -> Callable[[], bool]:
        always, stream = source.always, source.stream
        idle_s = self.config.relay.idle_timeout_s

        def wanted() -> bool:
            return always or self.demand.wanted(stream, time.monotonic(), idle_s)

        return wanted

    def prepare(self) -> None:
        """Write nginx.conf (0600: it holds the sites' live keys) and have nginx check it."""
        self.paths.prepare()
        self.paths.live_log.unlink(missing_ok=True)  # demand from a previous run is stale
        fd = os.open(self.paths.conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self._conf)
        self.nginx.check()

    def run(self, stop: threading.Event) -> None:
        self.prepare()
        threads = [threading.Thread(target=self.nginx.run, args=(stop,), name="nginx")]
        threads += [
            threading.Thread(target=r.run, args=(stop,), name=f"relay-{r.source.stream}")
            for r in self.relays
        ]
        if self.webrtc is not None:
            threads.append(threading.Thread(target=self.webrtc.run, args=(stop,), name="whep"))
        for thread in threads:
            thread.start()
        log.info("relay: %d streams, nginx on port %d", len(self.relays),
                 self.config.relay.http_port)  # fmt: skip
        written = 0.0
        try:
            while not stop.wait(_POLL_S):
                now = time.monotonic()
                for stream, address in self._log.read():
                    self.demand.seen(stream, address, now)
                while not self.webrtc_seen.empty():
                    self.demand.seen(*self.webrtc_seen.get_nowait())
                self._nginx_logs.tick(now)
                if now - written >= _STATUS_EVERY_S:
                    self.write_status()
                    written = now
        finally:
            stop.set()  # each relay thread stops its own ffmpeg, all at once
            for thread in threads:
                thread.join(15)
            self.status_path.unlink(missing_ok=True)

    def write_status(self) -> None:
        now = time.monotonic()
        streams = {
            r.source.stream: r.status.model_copy(
                update={"viewers": self.demand.viewers(r.source.stream, now)}
            )
            for r in self.relays
        }
        status = RelayStatus(
            updated_at=self.clock.now(), pid=os.getpid(),
            nginx="running" if self.nginx.running else "restarting",
            nginx_restarts=self.nginx.restarts, streams=streams,
        )  # fmt: skip
        write_relay_status(self.status_path, status)
