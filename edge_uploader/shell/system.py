"""``vms up``: every on-prem component under one supervisor.

Threads: one recorder per enabled camera, the compressor, the uploader, the
ingest worker, the retention scheduler and the restore drill (where this box keeps the
index), one watcher per NVR folder, and a housekeeping loop that
enforces the spool quota and writes status.json. ``stop()`` closes the
segments being recorded (ffmpeg gets SIGINT) and lets uploads in flight finish;
anything not uploaded stays journalled on the spool for the next start.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from edge_uploader.compressor import Compressor
from edge_uploader.recorder import CameraRecorder, RecorderState
from edge_uploader.shell.bootstrap import Runtime
from edge_uploader.shell.status import (
    CameraStatus,
    SystemStatus,
    build_report,
    camera_qualities,
    edge_reports,
    read_status,
    write_status,
)
from edge_uploader.shell.watch_report import watch_folder_reports
from edge_uploader.uploader import Uploader
from edge_uploader.watcher import FolderWatcher
from edge_uploader.workers import DrillScheduler, IngestWorker, RetentionScheduler
from footage.config import Camera
from footage.config_loader import camera_url
from footage.errors import StorageError
from footage.keys import build_status_key
from footage.live import feed_output_url, read_relay_status, relay_status_path
from footage.site_status import CHECK_INTERVAL, EdgeReport, should_publish

if TYPE_CHECKING:
    from edge_uploader.shell.alert_worker import AlertWorker
    from edge_uploader.shell.children import ChildProcess

log = logging.getLogger(__name__)


class System:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.stop_event = threading.Event()
        self.recorders: dict[str, CameraRecorder] = {}
        self.uploader: Uploader | None = None
        self.compressor: Compressor | None = None
        self.ingest: IngestWorker | None = None
        self.retention: RetentionScheduler | None = None
        self.drills: DrillScheduler | None = None
        self.alerts: AlertWorker | None = None
        self._threads: list[threading.Thread] = []
        self.children: list[ChildProcess] = []
        self._started: datetime | None = None
        #: Per site, the report last written to status/<SITE>.json by this process.
        self._written: dict[str, EdgeReport] = {}

    def start(self) -> None:
        rt, config = self.rt, self.rt.config
        self._started = rt.clock.now()
        rt.catalog.initialize()
        rt.spool.prepare([c.id for c in config.cameras])
        rt.spool.reconcile(rt.camera_sites, rt.clock.now())
        for cam in config.cameras:
            if cam.enabled and not cam.nvr_only:  # an NVR-only camera: its watch folder
                self._start_recorder(cam)
        self.compressor = rt.compressor()
        self.uploader = rt.uploader()
        policy = self.uploader.policy
        self._spawn("compressor", self.compressor.run)
        calibrator = self.compressor.calibrator
        if calibrator is not None and calibrator.enabled:  # only while the encoder is idle
            self._spawn("calibration", calibrator.run)
        self._spawn("uploader", self.uploader.run)
        # With uploader.ingest: cloud, the ingest Lambda indexes and lifecycle + sweep retain.
        if policy.queue_ingest:
            self.ingest = IngestWorker(rt.journal.ingest, rt.ingest_context(), rt.clock)
            self._spawn("ingest", self.ingest.run)
            self.retention = RetentionScheduler(
                rt.retention_job(), rt.clock, config.retention.run_at
            )
            self._spawn("retention", self.retention.run)
            self._start_drills()
        for folder in config.watch_folders:
            camera = config.camera(folder.camera)
            assert camera is not None  # validated by Config
            watcher = FolderWatcher(
                folder, camera, config.site(camera.site).zone, rt.spool, rt.clock
            )
            self._spawn(f"watch-{camera.id}", watcher.run)
        self._start_alerts()
        self._spawn("housekeeping", self._housekeeping)
        log.info("started: %d cameras, storage %s", len(self.recorders), type(rt.storage).__name__)

    def _start_drills(self) -> None:
        """Restore drills where the index is kept here (with the ingest worker): a
        cloud-ingest edge's footage is drilled by the drill Lambda."""
        drills = self.rt.config.drills
        if drills.enabled:
            self.drills = DrillScheduler(self.rt.drill_job(), self.rt.clock, drills.run_at,
                                         drills.count)  # fmt: skip
            self._spawn("drills", self.drills.run)

    def _start_alerts(self) -> None:
        """Alert rules checked and messages sent here (footage.alerts; alerts.enabled)."""
        if self.rt.config.alerts.enabled:
            from edge_uploader.shell.alert_worker import build_alert_worker

            self.alerts = build_alert_worker(self.rt, os.environ)
            self._spawn("alerts", self.alerts.run)

    def stop(self, timeout_s: float = 30.0) -> None:
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout_s)
        self._write_status(running=False)
        log.info("stopped")

    def wait(self) -> None:
        while not self.stop_event.wait(1.0):
            pass

    def _start_recorder(self, camera: Camera) -> None:
        assert camera.rtsp_url is not None
        recorder = CameraRecorder(
            camera, camera_url(camera, camera.rtsp_url), self.rt.spool,
            self.rt.config.recorder, self.rt.clock, feed_output_url(self.rt.config, camera),
        )  # fmt: skip
        self.recorders[camera.id] = recorder
        self._spawn(f"rec-{camera.id}", recorder.run)

    def supervise(self, name: str, target: Callable[[threading.Event], None]) -> None:
        """Run ``target(stop_event)`` on a thread of the system (joined by stop())."""
        self._spawn(name, target)

    def supervise_child(self, child: ChildProcess) -> None:
        """Run a child process (the API, the relay) under the system; its state goes
        to the status file."""
        self.children.append(child)
        self._spawn(child.name, child.run)

    def _spawn(self, name: str, target: Callable[[threading.Event], None]) -> None:
        def guarded() -> None:
            try:
                target(self.stop_event)
            except Exception:
                log.exception("%s crashed; stopping the system", name)
                self.stop_event.set()

        thread = threading.Thread(target=guarded, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _housekeeping(self, stop: threading.Event) -> None:
        published: datetime | None = None
        while not stop.is_set():
            now = self.rt.clock.now()
            self.rt.spool.enforce_quota(now)
            self._write_status()
            if published is None or now - published >= CHECK_INTERVAL:
                self._publish(now)
                published = now
            stop.wait(2.0)

    def _publish(self, now: datetime) -> None:
        """Each site's state to ``status/<SITE>.json`` for the status page, when it
        changed or the heartbeat is due (footage.site_status.should_publish)."""
        rt = self.rt
        status = read_status(rt.paths.status_file, now)
        relay = read_relay_status(relay_status_path(rt.paths.data_dir), now)
        quality = camera_qualities(rt.config, rt.paths.data_dir, status)
        report = build_report(rt.camera_sites, status, rt.journal, now, relay, quality)
        report.watch_folders = watch_folder_reports(rt.journal.watched, rt.config.watch_folders,
                                                    rt.camera_sites)  # fmt: skip
        for edge in edge_reports(report, [s.id for s in rt.config.sites], now):
            if not should_publish(self._written.get(edge.site), edge, now):
                continue
            try:
                rt.storage.put_bytes(build_status_key(edge.site), edge.model_dump_json().encode(),
                                     content_type="application/json")  # fmt: skip
            except StorageError as exc:  # the uplink is down: the next minute tries again
                log.warning("cannot publish the site status: %s", exc, extra={"site": edge.site})
                continue
            self._written[edge.site] = edge

    def _write_status(self, running: bool = True) -> None:
        cameras = {camera.id: self._camera_status(camera) for camera in self.rt.config.cameras}
        retention, compressor = self.retention, self.compressor
        last = retention.last_report if retention else None
        status = SystemStatus(
            updated_at=self.rt.clock.now(),
            pid=os.getpid(),
            running=running,
            cameras=cameras,
            spool_full=self.rt.spool.full,
            uploaded=self.uploader.uploaded if self.uploader else 0,
            upload_error=self.uploader.last_error if self.uploader else None,
            ingest=dict(self.ingest.counts) if self.ingest else {},
            retention_next_run=retention.next_run if retention else None,
            retention_last={"segments": last.segments, "bytes": last.bytes} if last else {},
            compression={site: c.profile for site, c in compressor.controllers.items()}
            if compressor
            else {},
            encoder=compressor.stats.encoder if compressor else None,
            services={child.name: child.status for child in self.children},
        )
        write_status(self.rt.paths.status_file, status)

    def _camera_status(self, camera: Camera) -> CameraStatus:
        rec = self.recorders.get(camera.id)
        if rec is None:  # disabled, or recorded by an NVR only (judged by its folder)
            if not (camera.enabled and camera.nvr_only):
                return CameraStatus(site=camera.site, state=RecorderState.DISABLED.value)
            limits = [f.silent_after_minutes * 60 for f in self.rt.config.watch_folders
                      if f.camera == camera.id and f.silent_after_minutes]  # fmt: skip
            return CameraStatus(site=camera.site, state="nvr", watching_since=self._started,
                                silent_after_s=min(limits, default=None))  # fmt: skip
        status = rec.status
        return CameraStatus(site=camera.site, state=status.state.value, codec=status.codec,
                            last_segment_at=status.last_segment_at, last_error=status.last_error,
                            restarts=status.restarts, problem=status.problem)  # fmt: skip
