"""The edge's calibration loop: samples, calibrations and production spot checks.

The compressor tells it what it sees (``seen_recording``, ``seen_encode``: cheap
stream copies on the compressor's thread) and asks it which setting a camera's
level uses (``profile``). On its own thread it scores one pending spot check or
calibrates one camera that is due (footage.calibration.recalibration_due: none
yet, targets or search changed, a week old, a spot check missed, the bitrate
moved; or more samples than it was searched on), in the compressor's encode
slot (edge_uploader.calibrator), only while no footage waits. On start, a camera
whose calibration was searched otherwise drops the samples shorter than
``sample_s`` (cut before it grew): new ones replace them as recordings come.
A spot check is the first ``spot_check_s`` of an encode and of its recording, at
most one per camera per ``spot_check_every_s``; a score under its level's floor
is logged as an error, counted in the calibration (``vms status``) and makes the
camera due, and that check's recording joins the camera's samples (in place of
the oldest), so the recalibration sees the footage the samples missed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from edge_uploader.calibrator import (
    CalibrationStore,
    EncodeSlot,
    calibrate,
    cut,
    load_sample,
)
from edge_uploader.cpu_budget import CpuGovernor
from footage.calibration import Calibration, LevelChoice, recalibration_due, spot_check
from footage.clock import Clock
from footage.config import Config
from footage.errors import MediaError
from footage.media.encoders import Encoder
from footage.media.quality import read_vmaf, vmaf_command
from footage.profiles import ADAPTIVE

log = logging.getLogger(__name__)


class Calibrator:
    def __init__(
        self, store: CalibrationStore, config: Config, slot: EncodeSlot, clock: Clock,
        encoder: Callable[[], Encoder],
    ) -> None:  # fmt: skip
        """``encoder``: the compressor's (detected on first use)."""
        self.store, self.slot, self.clock, self.encoder = store, slot, clock, encoder
        self.settings = config.uploader.compression.calibration
        self.cameras = [c.id for c in config.cameras if c.edge_profile == ADAPTIVE]
        self.site_of = {c.id: c.site for c in config.cameras}
        budget = config.uploader.compression.cpu_budget_cores
        #: the encoder must keep pace with every adaptive camera within its budget
        self.cpu_limit = budget / max(1, len(self.cameras))
        self.calibrations: dict[str, Calibration] = {}
        for camera in self.cameras:
            found = store.load(camera)
            if found is not None:
                self.calibrations[camera] = found
                if self.settings.enabled and found.search != self.settings.search_key():
                    self._drop_short_samples(camera)  # the search changed: maybe sample_s
        self._checked: dict[str, datetime] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.settings.enabled and bool(self.cameras)

    def choice(self, camera: str, level: int) -> LevelChoice | None:
        """The calibrated setting of ``camera``'s ``level`` (None: not calibrated)."""
        found = self.calibrations.get(camera)
        return found.level(level) if found is not None and self.enabled else None

    # -- on the compressor's thread: cheap ---------------------------------------

    def seen_recording(self, camera: str, recording: Path) -> None:
        now = self.clock.now()
        if not self.enabled or camera not in self.cameras:
            return
        if self.store.sample_due(camera, now):
            self._quietly(lambda: self.store.keep_sample(camera, recording, now, self._copy))

    def seen_encode(self, camera: str, level: int, recording: Path, encoded: Path) -> None:
        """Keep the first seconds of an encode and its recording for a spot check."""
        now = self.clock.now()
        last = self._checked.get(camera)
        if self.choice(camera, level) is None:
            return
        if last is not None and now - last < timedelta(seconds=self.settings.spot_check_every_s):
            return
        self._checked[camera] = now
        stem = self.store.dir(camera) / f"check-{now:%Y%m%dT%H%M%SZ}-L{level}"
        seconds = self.settings.spot_check_s

        def keep() -> None:
            cut(encoded, stem.with_suffix(".enc.mp4"), seconds, self._copy)
            cut(recording, stem.with_suffix(".rec.mp4"), seconds, self._copy)

        self._quietly(keep)

    # -- its own thread ---------------------------------------------------------

    def run(self, stop: threading.Event, idle_s: float = 30.0) -> None:
        self.slot.stop = stop
        while not stop.is_set():
            try:
                worked = self.tick()
            except MediaError as exc:
                log.warning("calibration step failed: %s", exc)
                worked = 0
            if worked == 0:
                stop.wait(idle_s)

    def tick(self) -> int:
        """Score one pending spot check, else calibrate one due camera; how many."""
        if not self.enabled:
            return 0
        for camera in self.cameras:
            checks = sorted(self.store.dir(camera).glob("check-*.rec.mp4"))
            if checks:
                self.score_check(camera, checks[0])
                return 1
        for camera in self.cameras:
            reason = self.due(camera)
            if reason is not None:
                self.calibrate(camera, reason)
                return 1
        return 0

    def due(self, camera: str) -> str | None:
        paths = self.store.samples(camera)
        if not paths:
            return None  # nothing to calibrate on yet
        found = self.calibrations.get(camera)
        newest = load_sample(paths[-1]).bitrate_bps
        reason = recalibration_due(found, self.clock.now(), newest, self.settings)
        if reason is None and found is not None and found.samples < len(paths):
            reason = f"{len(paths)} samples now (day and night), {found.samples} before"
        return reason

    def calibrate(self, camera: str, reason: str) -> Calibration:
        samples = [load_sample(p) for p in self.store.samples(camera)]
        work = self.store.dir(camera) / "work"
        result = calibrate(camera, samples, self.settings, self.slot, encoder=self.encoder(),
                           cpu_limit=self.cpu_limit, work=work, now=self.clock.now(),
                           reason=reason)  # fmt: skip
        self.store.save(result)
        with self._lock:
            self.calibrations[camera] = result
        ctx = {"camera": camera, "site": self.site_of[camera], "key": "calibration"}
        log.info("calibrated (%s): %s", reason, "; ".join(
            f"L{c.level} {c.setting}" for c in result.levels), extra=ctx)  # fmt: skip
        return result

    def score_check(self, camera: str, recording: Path) -> float | None:
        """Score one kept spot-check pair, record it, and remove it; a miss's recording
        joins the camera's samples instead (footage they missed, so the recalibration
        the miss triggers sees it: else it could choose the same setting again)."""
        encoded = recording.with_name(recording.name.replace(".rec.", ".enc."))
        level = int(recording.name.split("-L")[-1].split(".")[0])
        log_path = recording.with_name("spot-vmaf.json")
        ctx = {"camera": camera, "site": self.site_of[camera], "key": recording.name}
        vmaf: float | None = None
        try:
            command = vmaf_command(encoded, recording, log_path, subsample=1,
                                   threads=self.slot.threads)  # fmt: skip
            self.slot.run(command, 300.0, yield_=True)
            vmaf = read_vmaf(log_path)
        except MediaError as exc:
            log.warning("spot check not scored: %s", exc, extra=ctx)
        finally:
            for path in (encoded, log_path):
                path.unlink(missing_ok=True)
        found = self.calibrations.get(camera)
        now = self.clock.now()
        if vmaf is None or found is None or spot_check(found, level, vmaf, now):
            recording.unlink(missing_ok=True)
            if vmaf is not None and found is not None:
                log.info("spot check of level %d: VMAF %.2f", level, vmaf, extra=ctx)
            return vmaf
        choice = found.level(level)
        floor = choice.promise if choice else 0.0
        kept = self.store.adopt_sample(camera, recording, now)
        log.error("spot check of level %d MISSED its floor: VMAF %.2f < %.1f; its recording is"
                  " now sample %s; recalibrating", level, vmaf, floor, kept.name,
                  extra=ctx)  # fmt: skip
        self.store.save(found)
        return vmaf

    def _drop_short_samples(self, camera: str) -> None:
        dropped = self.store.drop_short_samples(camera)
        if dropped:
            ctx = {"camera": camera, "site": self.site_of[camera], "key": "calibration"}
            log.info("dropped %d samples shorter than %g s: the search changed", dropped,
                     self.settings.sample_s, extra=ctx)  # fmt: skip

    def _copy(self, command: Sequence[str], timeout_s: float) -> float:
        """A stream copy: no encode, so not in the slot, but at nice 10 all the same."""
        return CpuGovernor(self.slot.governor.cores).run(command, timeout_s).cpu_s

    def _quietly(self, step: Callable[[], object]) -> None:
        try:
            step()
        except (MediaError, OSError) as exc:
            log.warning("calibration sample not kept: %s", exc)
