"""Edge compression: re-encode spooled footage before it crosses a slow uplink.

Each camera has an ``edge_profile``: ``copy`` (as recorded), a profile name, or
``adaptive`` (edge_uploader.adaptive picks a level per site). Footage of a
camera whose profile is not ``copy`` right now is *held*: the compressor
publishes that in its plan (``publish``), its rows are WAITING, and the
uploader leaves them alone until the compressor has made them READY, unless
the link would idle (edge_uploader.lifecycle.send_as_recorded). Evidence is
never held and never re-encoded: it goes up as the camera recorded it.

One encode at a time, box-wide, under the CPU governor (edge_uploader.cpu_budget)
on the first working hardware encoder (footage.media.encoders). A crash loses
nothing: the output is written as ``.part``, probed, synced and renamed; the
journal then points at it, and only then is the recording deleted
(``Spool.reconcile`` finishes or discards whatever a crash interrupted).
Footage that cannot be encoded (corrupt, a full disk, an encoder error), or
whose encode would not save at least 5 %, goes up as recorded.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from edge_uploader.adaptive import AdaptiveController, Decision, Window, moving_average
from edge_uploader.budget import LinkMeters
from edge_uploader.calibrator import EncodeSlot
from edge_uploader.cpu_budget import CpuGovernor, threads_for
from edge_uploader.journal import Journal
from edge_uploader.lifecycle import (
    COPY,
    CompressionPlan,
    SegmentRow,
    SitePlan,
    worth_sending_encoded,
)
from edge_uploader.spool import Spool
from footage.clock import Clock
from footage.config import CompressionConfig, Config, HardwareChoice
from footage.durable import fsync_dir
from footage.errors import MediaError
from footage.media.commands import transcode_command
from footage.media.encoders import SOFTWARE, Accel, Encoder, detect_encoder
from footage.media.probe import probe_file
from footage.profiles import ADAPTIVE, Profile, VideoCodec

if TYPE_CHECKING:
    from edge_uploader.calibration_worker import Calibrator

log = logging.getLogger(__name__)


@dataclass(slots=True)
class CompressorStats:
    encoded: int = 0
    sent_as_recorded: int = 0  # encodes that failed or did not pay
    cpu_s: float = 0.0
    busy_s: float = 0.0  # wall time spent encoding
    encode_s: float | None = None  # wall time per encode (moving average)
    encoder: str = "software"
    last_error: str | None = None
    decisions: list[Decision] = field(default_factory=list)


class Compressor:
    def __init__(
        self,
        journal: Journal,
        spool: Spool,
        clock: Clock,
        config: Config,
        *,
        oldest_first: bool = True,
        link_hints: Mapping[str, float] | None = None,
        encoder: Encoder | None = None,
        meters: LinkMeters | None = None,
    ) -> None:
        self.journal = journal
        self.spool = spool
        self.clock = clock
        self.settings: CompressionConfig = config.uploader.compression
        self.profiles: dict[str, Profile] = config.all_profiles
        self.oldest_first = oldest_first
        self.site_of = {c.id: c.site for c in config.cameras}
        self.policy = {c.id: c.edge_profile for c in config.cameras}
        ladder = tuple(self.settings.ladder)
        #: per site, its cameras with ``edge_profile: adaptive`` (one controller each site)
        self.adaptive: dict[str, list[str]] = {}
        for c in config.cameras:
            if c.edge_profile == ADAPTIVE:
                self.adaptive.setdefault(c.site, []).append(c.id)
        self.controllers = {
            site: AdaptiveController(ladder, self.settings) for site in sorted(self.adaptive)
        }
        for site, rate in (link_hints or {}).items():
            if site in self.controllers:
                self.controllers[site].link_bps = rate
        self.governor = CpuGovernor(self.settings.cpu_budget_cores)
        self.threads = threads_for(self.settings.cpu_budget_cores)
        #: one encode at a time, box-wide: calibration trials take turns in it
        self.slot = EncodeSlot(self.governor, self.threads, threading.Lock(), self._waiting)
        #: per-camera settings for the adaptive levels (vms up sets it)
        self.calibrator: Calibrator | None = None
        self._encoder = encoder
        self.meters = meters if meters is not None else LinkMeters()  # the uploader's
        self.stats = CompressorStats()
        self._lock = threading.Lock()
        self._window_start = clock.now()
        self._busy_at_window = 0.0
        self._meter_at_window: dict[str, tuple[int, float]] = {}
        self._published: CompressionPlan | None = None

    # -- what to do with each camera's footage now -----------------------------

    def profile_for(self, camera: str) -> str:
        wanted = self.policy.get(camera, COPY)
        if wanted != ADAPTIVE:
            return wanted
        return self.controllers[self.site_of[camera]].profile

    def hold(self) -> frozenset[str]:
        """Cameras whose undecided footage waits for the compressor."""
        return frozenset(c for c in self.policy if self.profile_for(c) != COPY)

    def plan(self) -> CompressionPlan:
        """What it does now, as the uploader and the spool need to know it."""
        sites = tuple(
            SitePlan(site, tuple(self.adaptive[site]), controller.overflowing, controller.link_bps)
            for site, controller in self.controllers.items()
        )
        return CompressionPlan(self.hold(), sites, self.stats.encode_s)

    def publish(self) -> bool:
        """Put the plan in the journal if it changed (new footage of a held camera
        is WAITING from then on); True if it did. Called before the uploader starts
        (edge_uploader.shell.bootstrap), and by the loop as the plan changes."""
        plan = self.plan()
        if plan == self._published:
            return False
        self.journal.plan.publish(plan)
        self._published = plan
        return True

    @property
    def encoder(self) -> Encoder:
        """Detected on first use: a few test frames per hardware candidate."""
        if self._encoder is None:
            wanted = None if self.settings.hardware is HardwareChoice.AUTO else Accel(
                self.settings.hardware.value
            )  # fmt: skip
            encoder, skipped = detect_encoder(VideoCodec.H264, wanted, self.settings.vaapi_device)
            for reason in skipped:
                log.info("hardware encoder not used: %s", reason)
            log.info("edge compression encodes with %s", encoder.accel)
            self._encoder = encoder
            self.stats.encoder = encoder.accel.value
        return self._encoder

    # -- the loop ---------------------------------------------------------------

    def run(self, stop: threading.Event, idle_s: float = 0.5) -> None:
        while not stop.is_set():
            if self.tick() == 0:
                stop.wait(idle_s)

    def tick(self) -> int:
        """Adapt if a period has passed, then settle one segment; return how many."""
        self.adapt()
        self.publish()
        items = self.journal.uploads.waiting(1, self.oldest_first)
        if not items:
            return 0
        self.compress_one(items[0])
        self.publish()  # its encode time is news for the uploader
        return 1

    def adapt(self) -> list[Decision]:
        """Feed each adaptive site's controller once per ``check_interval_s``."""
        now = self.clock.now()
        seconds = (now - self._window_start).total_seconds()
        if not self.controllers or seconds < self.settings.check_interval_s:
            return []
        busy = (self.stats.busy_s - self._busy_at_window) / seconds
        made = []
        for site, controller in self.controllers.items():
            cameras = self.adaptive[site]
            pending, undecided, _ = self.journal.stats.compression_backlog(cameras)
            meter = self.meters[site]
            sent0, sending0 = self._meter_at_window.get(site, (0, 0.0))
            sent, sending = meter.sent, meter.sending_s
            self._meter_at_window[site] = (sent, sending)
            window = Window(
                seconds, pending, sent - sent0, sending - sending0,
                self.journal.stats.recorded_since(self._window_start, cameras), undecided,
                min(1.0, busy),
            )  # fmt: skip
            decision = controller.observe(window, now)
            if decision is not None:
                made.append(decision)
                self.stats.decisions.append(decision)
                log.warning("compression level %d (%s): %s", decision.level, decision.profile,
                            decision.reason, extra={"site": site})  # fmt: skip
        self._window_start, self._busy_at_window = now, self.stats.busy_s
        return made

    def _waiting(self) -> bool:
        return bool(self.journal.uploads.waiting(1, self.oldest_first))

    def _profile(self, item: SegmentRow, name: str, level: int | None) -> Profile | None:
        """The level's setting calibrated on this camera, else the ladder's profile;
        None: the camera's calibration found nothing that keeps the level's floor."""
        if self.calibrator is None or level is None:
            return self.profiles[name]
        self.calibrator.seen_recording(item.camera, item.path)  # a sample, when due
        if level == 0:
            return self.profiles[name]
        choice = self.calibrator.choice(item.camera, level)
        return self.profiles[name] if choice is None else choice.profile

    def compress_one(self, item: SegmentRow) -> None:
        """WAITING -> ENCODING -> READY: compressed, or as recorded."""
        name = self.profile_for(item.camera)
        ctx = {"camera": item.camera, "site": item.site, "key": item.path.name}
        uploads = self.journal.uploads
        level = self._level(item.site, name)
        profile = self._profile(item, name, level)
        if profile is None or profile.codec is VideoCodec.COPY:
            uploads.as_recorded(item.path)
            return
        if not uploads.claim_encode(item.path, name):
            return  # the uploader took it first
        out = self.spool.compressed_dir(item.camera) / f"{item.path.stem}.{name}.mp4"
        part = out.with_name(out.name + ".part")
        try:
            size = self._encode(item.path, part, profile)
        except (MediaError, OSError) as exc:
            part.unlink(missing_ok=True)
            self._as_recorded(item, f"cannot compress, sent as recorded: {exc}", ctx)
            return
        controller = self.controllers.get(item.site)
        if controller is not None and level is not None:
            controller.learn_ratio(level, item.size, size)
        if not worth_sending_encoded(item.size, size):
            part.unlink(missing_ok=True)
            self._as_recorded(item, f"{name} saves under 5 %: sent as recorded", ctx, error=False)
            return
        self._keep_encode(item, part, out, name, size, ctx, level)

    def _keep_encode(
        self, item: SegmentRow, part: Path, out: Path, name: str, size: int, ctx: dict[str, str],
        level: int | None = None,
    ) -> None:  # fmt: skip
        """The encode in place and journalled; only then the recording goes (its
        first seconds kept first when a spot check of the level is due)."""
        os.replace(part, out)
        fsync_dir(out.parent)
        if not self.journal.uploads.mark_compressed(item.path, out, name, size):
            out.unlink(missing_ok=True)  # no longer ours (a restart elsewhere took it back)
            log.warning("encode no longer wanted: discarded", extra=ctx)
            return
        if self.calibrator is not None and level:
            self.calibrator.seen_encode(item.camera, level, item.path, out)
        item.path.unlink(missing_ok=True)
        with self._lock:
            self.stats.encoded += 1
        log.info("compressed %d -> %d bytes with %s", item.size, size, name, extra=ctx)

    def _encode(self, src: Path, part: Path, profile: Profile) -> int:
        """Encode ``src`` into ``part`` (synced); return its size."""
        info = probe_file(src)
        part.parent.mkdir(parents=True, exist_ok=True)
        timeout = 120.0 + info.duration_s * 40 / self.settings.cpu_budget_cores
        encoder = self.encoder
        command = transcode_command(
            src, part, profile, info.fps, has_audio=info.audio_codec is not None,
            encoder=encoder, threads=self.threads if encoder is SOFTWARE else None,
        )  # fmt: skip
        started = time.monotonic()
        try:
            with self.slot.lock:
                stats = self.governor.run(command, timeout)
        except MediaError:
            if encoder.accel is Accel.SOFTWARE:
                raise
            log.error("%s encoder failed: falling back to software for good", encoder.accel)
            self._encoder, self.stats.encoder = SOFTWARE, SOFTWARE.accel.value
            return self._encode(src, part, profile)
        finally:
            with self._lock:
                took = time.monotonic() - started
                self.stats.busy_s += took
                self.stats.encode_s = moving_average(self.stats.encode_s, took)
        with self._lock:
            self.stats.cpu_s += stats.cpu_s
        result = probe_file(part)
        if abs(result.duration_s - info.duration_s) > max(1.0, 0.02 * info.duration_s):
            raise MediaError(
                f"encoded {result.duration_s:.1f} s of {info.duration_s:.1f} s: not complete"
            )
        with part.open("rb") as handle:
            os.fsync(handle.fileno())
        return part.stat().st_size

    def _as_recorded(self, item: SegmentRow, why: str, ctx: dict[str, str], *,
                     error: bool = True) -> None:  # fmt: skip
        self.journal.uploads.as_recorded(item.path)
        with self._lock:
            self.stats.sent_as_recorded += 1
            if error:
                self.stats.last_error = why
        log.warning(why, extra=ctx)

    def _level(self, site: str, name: str) -> int | None:
        controller = self.controllers.get(site)
        if controller is None or name not in controller.ladder:
            return None
        return controller.ladder.index(name)


def link_hints(config: Config) -> dict[str, float]:
    """Each site's cap in bytes/s: the link's rate until one is measured."""
    return {s.id: s.upload.max_kbps * 125.0 for s in config.sites if s.upload.max_kbps}
