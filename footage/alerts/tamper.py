"""Camera tampering, scored on one small grey frame per check (pure).

The edge probes the first frame of each camera's newest segment (a fragmented
MP4 it is writing anyway) scaled to PROBE_W x PROBE_H grey: a keyframe decode,
a few milliseconds. From that frame and the previous ones:

- black: dark and flat (a cut video cable, a lens painted black);
- covered: flat but not dark (a hand, tape, a bag; fog or spray);
- frozen: the picture did not change at all across probes a segment apart (a
  hung encoder still sending the same frame; a live scene always has noise);
- moved: the scene no longer looks like its reference (a camera turned away):
  low correlation of the frame's structure with the reference frame.

A look lasts until a check no longer sees it; the rule then needs it to last
the site's threshold (``camera_offline_minutes``) before it opens an alert.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

PROBE_W = 64
PROBE_H = 36
FRAME_BYTES = PROBE_W * PROBE_H

BLACK_MEAN = 20.0  # 0..255 luma: darker than this on average ...
FLAT_STD = 6.0  # ... and less spread than this
FROZEN_DIFF = 0.3  # mean absolute difference between probes a segment apart
MOVED_CORRELATION = 0.35  # structure correlation with the reference below this


class Look(StrEnum):
    BLACK = "black"
    COVERED = "covered"
    FROZEN = "frozen"
    MOVED = "moved"


@dataclass(frozen=True, slots=True)
class FrameStats:
    mean: float
    std: float


def stats(frame: bytes) -> FrameStats:
    _check(frame)
    n = len(frame)
    mean = sum(frame) / n
    var = sum((p - mean) ** 2 for p in frame) / n
    return FrameStats(mean, math.sqrt(var))


def mean_abs_diff(a: bytes, b: bytes) -> float:
    _check(a)
    _check(b)
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def correlation(a: bytes, b: bytes) -> float:
    """Pearson correlation of two frames' pixels (-1..1); 0 when either is flat."""
    sa, sb = stats(a), stats(b)
    if sa.std < 1e-6 or sb.std < 1e-6:
        return 0.0
    cov = sum((x - sa.mean) * (y - sb.mean) for x, y in zip(a, b, strict=True)) / len(a)
    return cov / (sa.std * sb.std)


def judge(frame: bytes, previous: Sequence[bytes], reference: bytes | None) -> Look | None:
    """What is wrong with ``frame`` (None: nothing). ``previous``: the last probes,
    oldest first (frozen needs two identical in a row); ``reference``: the scene
    as it should look (None: not learnt yet)."""
    s = stats(frame)
    if s.std < FLAT_STD:
        return Look.BLACK if s.mean < BLACK_MEAN else Look.COVERED
    if len(previous) >= 2 and all(mean_abs_diff(frame, p) < FROZEN_DIFF for p in previous[-2:]):
        return Look.FROZEN
    if reference is not None and correlation(frame, reference) < MOVED_CORRELATION:
        return Look.MOVED
    return None


def _check(frame: bytes) -> None:
    if len(frame) != FRAME_BYTES:
        raise ValueError(f"a probe frame is {FRAME_BYTES} bytes, got {len(frame)}")


#: A frame this much like the reference becomes the reference (the scene drifts
#: slowly: daylight, a parked car); a moved scene that has lasted RELEARN becomes
#: the new normal (someone turned it on purpose, or was told), so the alert clears.
FOLLOW_CORRELATION = 0.8
RELEARN_PROBES = 120  # an hour of probes at 30 s


@dataclass(slots=True)
class CameraLooks:
    """One camera's probes: the last few frames, the reference, how long moved."""

    previous: list[bytes]
    reference: bytes | None = None
    moved_for: int = 0

    def observe(self, frame: bytes) -> Look | None:
        look = judge(frame, self.previous, self.reference)
        self.previous = [*self.previous[-2:], frame]
        if look is Look.MOVED:
            self.moved_for += 1
            if self.moved_for >= RELEARN_PROBES:
                self.reference, self.moved_for = frame, 0
            return look
        self.moved_for = 0
        follows = self.reference is None or correlation(frame, self.reference) >= FOLLOW_CORRELATION
        if look is None and follows:
            self.reference = frame
        return look
