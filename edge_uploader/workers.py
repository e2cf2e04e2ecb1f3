"""On-prem background loops around footage services: the ingest worker (the
local twin of the AWS ingest Lambda), the daily retention scheduler and the daily
restore drill."""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, time, timedelta

from edge_uploader.journal.ingest import IngestQueue
from footage.backoff import jittered_delay
from footage.clock import Clock
from footage.drills import DrillRun
from footage.errors import FootageError
from footage.retention import next_daily_run
from footage.services.drill import DrillJob, run_drill
from footage.services.ingest import IngestContext, Outcome, ingest_object
from footage.services.retention import RetentionJob, RetentionReport, run_retention

log = logging.getLogger(__name__)


class IngestWorker:
    def __init__(self, queue: IngestQueue, ctx: IngestContext, clock: Clock) -> None:
        self.queue = queue
        self.ctx = ctx
        self.clock = clock
        self.rng = random.Random()
        self.counts: dict[str, int] = {o.value: 0 for o in Outcome}

    def tick(self) -> int:
        keys = self.queue.due(self.clock.now(), 16)
        for key in keys:
            self._one(key)
        return len(keys)

    def run(self, stop: threading.Event, idle_s: float = 1.0) -> None:
        while not stop.is_set():
            if self.tick() == 0:
                stop.wait(idle_s)

    def _one(self, key: str) -> None:
        try:
            result = ingest_object(self.ctx, key)
        except FootageError as exc:  # storage/index down, ffmpeg timeout: retry later
            delay = jittered_delay(3, 5.0, 300.0, self.rng)
            self.queue.retry(key, str(exc), self.clock.now() + timedelta(seconds=delay))
            log.warning("ingest failed, will retry: %s", exc, extra={"key": key})
            return
        self.counts[result.outcome.value] += 1
        self.queue.finish(key, f"{result.outcome}: {result.reason}".strip(": "))
        if result.outcome is Outcome.SKIPPED:
            log.warning("ingest skipped: %s", result.reason, extra={"key": key})


class RetentionScheduler:
    """Runs the retention sweep daily at ``run_at`` (UTC); the first run is at start."""

    def __init__(self, job: RetentionJob, clock: Clock, run_at: time) -> None:
        self.job = job
        self.clock = clock
        self.run_at = run_at
        self.next_run: datetime | None = None
        self.last_report: RetentionReport | None = None

    def tick(self) -> RetentionReport | None:
        now = self.clock.now()
        if self.next_run is not None and now < self.next_run:
            return None
        try:
            self.last_report = run_retention(self.job, now)
        except FootageError as exc:
            log.error("retention run failed, retrying in 10 min: %s", exc)
            self.next_run = now + timedelta(minutes=10)
            return None
        self.next_run = next_daily_run(now, self.run_at)
        return self.last_report

    def run(self, stop: threading.Event, poll_s: float = 30.0) -> None:
        while not stop.is_set():
            self.tick()
            stop.wait(poll_s)


class DrillScheduler:
    """Runs the restore drill daily at ``run_at`` (UTC). The first run is due a day
    after the last one recorded (at once if there is none, or a run was missed while
    the box was down), so a restart does not fetch the sample again."""

    def __init__(self, job: DrillJob, clock: Clock, run_at: time, count: int) -> None:
        self.job = job
        self.clock = clock
        self.run_at = run_at
        self.count = count
        self.next_run: datetime | None = None
        self.last_run: DrillRun | None = None

    def tick(self) -> DrillRun | None:
        now = self.clock.now()
        try:
            if self.next_run is None:
                self.next_run = self._first_run(now)
            if now < self.next_run:
                return None
            self.last_run = run_drill(self.job, now, self.count)
        except FootageError as exc:
            log.error("restore drill failed to run, retrying in 10 min: %s", exc)
            self.next_run = now + timedelta(minutes=10)
            return None
        self.next_run = next_daily_run(now, self.run_at)
        return self.last_run

    def _first_run(self, now: datetime) -> datetime:
        recent = self.job.drills.runs_since(now - timedelta(days=1))
        return next_daily_run(recent[0].at, self.run_at) if recent else now

    def run(self, stop: threading.Event, poll_s: float = 30.0) -> None:
        while not stop.is_set():
            self.tick()
            stop.wait(poll_s)
