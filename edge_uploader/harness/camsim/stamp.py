"""A machine-readable capture-time stamp burned into the luma of simulated camera frames.

Measuring live-video latency (camera capture -> HLS playlist, camera -> browser) by reading
the burned-in clock with OCR is slow and imprecise (one-second text). With `--stamp`,
`gst_camera.py` writes the wall-clock time at which each raw frame reaches the encoder
(Unix epoch milliseconds) into the frame itself, as a grid of black and white squares that
survives lossy H.264/H.265 at low bitrate. Decoding a frame anywhere downstream (an HLS
fragment, a recording, a browser canvas) then gives the exact capture time of that frame.

Layout (all constants below; a decoder in another language only needs this paragraph):

* a grid of ROWS x COLS = 4 x 16 cells of CELL = 16x16 px, i.e. 256x64 px, at the
  bottom-left of the frame: x = 0, y = (height // 16) * 16 - 64, so every cell is one
  16x16 macroblock (360 lines -> y = 288; the last 8 lines stay untouched);
* each cell is solid luma Y = 235 (bit 1) or Y = 16 (bit 0); only the Y plane is written;
* guard cells: the first column of rows 0..3 is 1, 0, 1, 0 and the last column is the
  inverse, 0, 1, 0, 1 (a checkered border no flat or natural area produces);
* the 14 inner cells of each row, read row by row, left to right, are 56 payload bits,
  most significant first: 48 bits of the capture time in ms (enough until the year
  10889), then a CRC-8 (polynomial 0x07, init 0) of those ms as 6 big-endian bytes;
* a decoder averages the centre 8x8 px of each cell and thresholds at 128; a frame whose
  guards or CRC do not match carries no stamp.

This module has no dependencies beyond the standard library: it is imported both by the
project venv (tests, bench) and by gst_camera.py under Debian's /usr/bin/python3.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from typing import NamedTuple

CELL = 16  # px; one H.264 macroblock, so each cell is coded as one flat block
ROWS = 4
COLS = 16
BLOCK_WIDTH = COLS * CELL  # 256 px: fits the 320x240 test cameras
BLOCK_HEIGHT = ROWS * CELL  # 64 px
BLACK = 16  # limited-range luma of bit 0
WHITE = 235  # limited-range luma of bit 1
THRESHOLD = 128
SAMPLE = 8  # the decoder averages the centre SAMPLE x SAMPLE px of each cell
MS_BITS = 48
CRC_BITS = 8
PAYLOAD_BITS = ROWS * (COLS - 2)  # 56 = MS_BITS + CRC_BITS
MAX_MS = (1 << MS_BITS) - 1
LEFT_GUARD = (1, 0, 1, 0)  # first column, row by row; the last column is the inverse

_CELL_BYTES = (bytes([BLACK]) * CELL, bytes([WHITE]) * CELL)
_SAMPLE_OFFSET = (CELL - SAMPLE) // 2


def origin(width: int, height: int) -> tuple[int, int]:
    """Top-left pixel (x, y) of the stamp in a `width` x `height` frame."""
    if width < BLOCK_WIDTH or height < BLOCK_HEIGHT:
        raise ValueError(f"a stamp needs a frame of at least {BLOCK_WIDTH}x{BLOCK_HEIGHT} px")
    return 0, (height // CELL) * CELL - BLOCK_HEIGHT


def crc8(data: bytes) -> int:
    """CRC-8 with polynomial x^8 + x^2 + x + 1 (0x07), initial value 0, no reflection."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def cells(ms: int) -> list[list[int]]:
    """The bit (0 black, 1 white) of every cell, row by row, guards included."""
    if not 0 <= ms <= MAX_MS:
        raise ValueError(f"stamp time {ms} ms is not in 0..2**{MS_BITS}-1")
    payload = (ms << CRC_BITS) | crc8(ms.to_bytes(MS_BITS // 8, "big"))
    bits = [(payload >> shift) & 1 for shift in range(PAYLOAD_BITS - 1, -1, -1)]
    inner = COLS - 2
    return [
        [guard, *bits[row * inner : (row + 1) * inner], 1 - guard]
        for row, guard in enumerate(LEFT_GUARD)
    ]


def encode(
    y_plane: bytearray | memoryview, width: int, height: int, ms: int, stride: int | None = None
) -> None:
    """Write the stamp of `ms` into a writable 8-bit luma plane, in place.

    `stride` is the distance in bytes between two lines (default `width`). The cost is one
    slice assignment per pixel line of the stamp (64), a few tens of microseconds.
    """
    stride = stride or width
    x, y = origin(width, height)
    for row, bits in enumerate(cells(ms)):
        line = b"".join(_CELL_BYTES[bit] for bit in bits)
        top = (y + row * CELL) * stride + x
        for offset in range(top, top + CELL * stride, stride):
            y_plane[offset : offset + BLOCK_WIDTH] = line


def decode(gray: bytes | bytearray | memoryview, width: int, height: int) -> int | None:
    """The capture time (epoch ms) stamped in an 8-bit gray frame, or None if it has none.

    `gray` is `width` x `height` tightly packed luma bytes, e.g. ffmpeg's `-pix_fmt gray`
    output (full or limited range: both sides of the threshold survive the conversion).
    """
    if len(gray) < width * height:
        raise ValueError(f"{len(gray)} bytes are less than a {width}x{height} gray frame")
    try:
        x, y = origin(width, height)
    except ValueError:
        return None
    area = SAMPLE * SAMPLE * THRESHOLD
    bits: list[int] = []
    for row in range(ROWS):
        for col in range(COLS):
            left = x + col * CELL + _SAMPLE_OFFSET
            top = y + row * CELL + _SAMPLE_OFFSET
            total = 0
            for line in range(top, top + SAMPLE):
                start = line * width + left
                total += sum(gray[start : start + SAMPLE])
            bits.append(1 if total >= area else 0)
    return _payload_ms(bits)


def _payload_ms(bits: list[int]) -> int | None:
    """The ms of the decoded cell bits (row by row), or None if guards or CRC mismatch."""
    payload = 0
    for row, guard in enumerate(LEFT_GUARD):
        line = bits[row * COLS : (row + 1) * COLS]
        if line[0] != guard or line[-1] != 1 - guard:
            return None
        for bit in line[1:-1]:
            payload = (payload << 1) | bit
    ms, crc = payload >> CRC_BITS, payload & ((1 << CRC_BITS) - 1)
    return ms if crc8(ms.to_bytes(MS_BITS // 8, "big")) == crc else None


class FrameStamp(NamedTuple):
    """One decoded frame: its presentation time in the media and its stamp (None: none)."""

    pts: float  # seconds, as in the file (ffmpeg -copyts); nan if the frame had none
    ms: int | None  # capture time, Unix epoch ms


# showinfo logs one line per frame: "[Parsed_showinfo_0 @ 0x...] n:   0 pts: 0 pts_time:0 ..."
_SHOWINFO = re.compile(r"\bn:\s*\d+\s+pts:\s*\S+\s+pts_time:\s*(\S+)")


def frame_stamps(
    source: str,
    limit: int | None = None,
    input_args: Sequence[str] = (),
    timeout_s: float | None = None,
) -> list[FrameStamp]:
    """Decode the video of a file or URL with ffmpeg and read the stamp of every frame.

    `source` is anything ffmpeg opens (an .mp4, an HLS .ts fragment or playlist, an RTSP
    URL with `input_args=["-rtsp_transport", "tcp"]`...); give a live source a `limit` of
    frames. Only the bottom-left stamp area is cropped out and converted to gray by
    ffmpeg, so a long file costs little memory. Raises RuntimeError if ffmpeg fails.
    """
    crop = f"crop={BLOCK_WIDTH}:{BLOCK_HEIGHT}:0:trunc(ih/{CELL})*{CELL}-{BLOCK_HEIGHT}"
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-loglevel", "info"]
    cmd += [*input_args, "-copyts", "-i", source, "-map", "0:v:0", "-an", "-sn", "-dn"]
    cmd += ["-fps_mode", "passthrough", "-vf", f"showinfo,{crop}"]
    if limit is not None:
        cmd += ["-frames:v", str(limit)]
    cmd += ["-f", "rawvideo", "-pix_fmt", "gray", "-"]
    done = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
    stderr = done.stderr.decode(errors="replace")
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg could not decode {source}: {stderr.strip()[-2000:]}")
    size = BLOCK_WIDTH * BLOCK_HEIGHT  # the cropped frame has its stamp at (0, 0)
    frames = [done.stdout[i : i + size] for i in range(0, len(done.stdout) - size + 1, size)]
    pts = [_seconds(m.group(1)) for m in _SHOWINFO.finditer(stderr)]
    if len(pts) < len(frames):
        raise RuntimeError(f"ffmpeg logged {len(pts)} frame times for {len(frames)} frames")
    return [
        FrameStamp(t, decode(frame, BLOCK_WIDTH, BLOCK_HEIGHT))
        for t, frame in zip(pts, frames, strict=False)
    ]


def first_stamp(source: str, input_args: Sequence[str] = ()) -> int | None:
    """The capture time stamped in the first frame of `source`, None if it has none."""
    stamps = frame_stamps(source, limit=1, input_args=input_args)
    return stamps[0].ms if stamps else None


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:  # NOPTS
        return float("nan")
