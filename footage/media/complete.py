"""Is a dropped video file finished? Its container's own account, then its end decoded.

Stability (size and mtime unchanged for a while) only says nobody wrote lately.
A file is whole when, besides:

1. its container declares nothing missing (footage.media.layout: MP4 boxes, the
   AVI RIFF size, the Matroska segment size, whole transport packets), and
2. its last seconds decode without an error, up to its stated duration (within
   half a second): the frames its index or header promise are really there.

A header-first MP4 copied to 40 % probes fine (its index says 20 s) but fails
(1); a transport stream cut on a packet boundary passes (1) and fails (2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from footage.errors import MediaError
from footage.media.commands import tail_decode_command
from footage.media.layout import declared_cut
from footage.media.runner import run_tool_stderr
from footage.models import MediaInfo

#: How much of the end is decoded: a few GOPs of a typical NVR export.
TAIL_SECONDS = 3.0
#: The decoded end may fall this much short of the stated duration (rounding, the
#: last frame's own length, audio longer than video).
END_TOLERANCE_S = 0.5
#: "[h264 @ 0x55a9b1a3a700] corrupted macroblock": the address says nothing to anyone.
_ADDRESS = re.compile(r" @ 0x[0-9a-f]+")


@dataclass(frozen=True, slots=True)
class Completeness:
    whole: bool
    detail: str = ""  # why not, in the tools' terms (for administrators)


def check_whole(path: Path, info: MediaInfo, tail_s: float = TAIL_SECONDS) -> Completeness:
    """Whether ``path`` (already probed as ``info``) is finished; see the module doc."""
    cut = declared_cut(path)
    if cut is not None:
        return Completeness(False, cut)
    window = min(tail_s, info.duration_s)
    try:
        out, err = run_tool_stderr(tail_decode_command(path, tail_s), 60 + 10 * tail_s)
    except MediaError as exc:
        return Completeness(False, f"its end does not decode: {exc}")
    errors = [_ADDRESS.sub("", line.strip()) for line in err.splitlines()
              if line.strip() and line[0] != " "]  # fmt: skip
    if errors:
        return Completeness(False, f"its end does not decode: {errors[0]}")
    decoded = decoded_end(out)
    if decoded is None:
        return Completeness(False, f"no frame decodes in its last {window:.1f} s")
    if decoded < window - END_TOLERANCE_S:
        short = window - decoded
        return Completeness(
            False, f"its last {short:.1f} s of a stated {info.duration_s:.1f} s do not decode"
        )
    return Completeness(True)


def decoded_end(framecrc: str) -> float | None:
    """Seconds from the start of the decoded window to the end of its last frame, of
    any stream (``framecrc`` output), or None when no frame was decoded."""
    bases: dict[str, Fraction] = {}
    end: float | None = None
    for line in framecrc.splitlines():
        if line.startswith("#tb "):
            index, _, fraction = line[4:].partition(":")
            bases[index.strip()] = Fraction(fraction.strip())
        elif line and not line.startswith("#"):
            fields = [part.strip() for part in line.split(",")]
            base = bases.get(fields[0]) if len(fields) >= 4 else None
            if base:
                frame_end = float((int(fields[2]) + int(fields[3])) * base)
                end = frame_end if end is None else max(end, frame_end)
    return end
