"""The capture-time stamp of the simulated cameras: encode/decode on synthetic frames."""

from __future__ import annotations

import random

import pytest

from edge_uploader.harness.camsim import stamp
from edge_uploader.harness.camsim.launcher import CameraSpec

MS = 1_795_671_821_067  # a 2026 capture time


def gray_frame(width: int, height: int, level: int = 128) -> bytearray:
    return bytearray([level]) * (width * height)


def cell_centre(width: int, height: int, row: int, col: int) -> int:
    x, y = stamp.origin(width, height)
    return (y + row * stamp.CELL + stamp.CELL // 2) * width + x + col * stamp.CELL + stamp.CELL // 2


def paint_cell(frame: bytearray, width: int, height: int, row: int, col: int, level: int) -> None:
    x, y = stamp.origin(width, height)
    for line in range(y + row * stamp.CELL, y + (row + 1) * stamp.CELL):
        start = line * width + x + col * stamp.CELL
        frame[start : start + stamp.CELL] = bytes([level]) * stamp.CELL


@pytest.mark.parametrize(("width", "height"), [(640, 360), (320, 240), (1920, 1080), (256, 64)])
@pytest.mark.parametrize("ms", [0, 1, MS, stamp.MAX_MS])
def test_round_trip(width: int, height: int, ms: int) -> None:
    frame = gray_frame(width, height)
    stamp.encode(frame, width, height, ms)
    assert stamp.decode(bytes(frame), width, height) == ms


def test_the_stamp_is_macroblock_aligned_at_the_bottom_left() -> None:
    assert stamp.origin(640, 360) == (0, 288)  # 360 = 22.5 macroblocks: the last 8 lines stay
    assert stamp.origin(320, 240) == (0, 176)
    frame = gray_frame(640, 360)
    stamp.encode(frame, 640, 360, MS)
    changed = [i for i, level in enumerate(frame) if level != 128]
    lines = {i // 640 for i in changed}
    assert (min(lines), max(lines)) == (288, 288 + stamp.BLOCK_HEIGHT - 1)
    assert max(i % 640 for i in changed) == stamp.BLOCK_WIDTH - 1
    assert set(frame[i] for i in changed) <= {stamp.BLACK, stamp.WHITE}


def test_encode_honours_the_line_stride() -> None:
    width, height, stride = 330, 240, 336  # e.g. a plane padded to a multiple of 16
    plane = bytearray(stride * height)
    stamp.encode(memoryview(plane), width, height, MS, stride=stride)
    packed = b"".join(plane[line * stride : line * stride + width] for line in range(height))
    assert stamp.decode(packed, width, height) == MS


def test_decode_survives_noise_like_lossy_compression() -> None:
    rng = random.Random(7)
    frame = gray_frame(640, 360)
    stamp.encode(frame, 640, 360, MS)
    noisy = bytes(min(255, max(0, level + rng.randint(-60, 60))) for level in frame)
    assert stamp.decode(noisy, 640, 360) == MS


def test_a_frame_without_stamp_decodes_to_none() -> None:
    assert stamp.decode(bytes(gray_frame(640, 360)), 640, 360) is None
    assert stamp.decode(bytes(gray_frame(640, 360, level=0)), 640, 360) is None
    assert stamp.decode(bytes(gray_frame(640, 360, level=255)), 640, 360) is None
    assert stamp.decode(bytes(gray_frame(200, 50)), 200, 50) is None  # too small for one


@pytest.mark.parametrize(("row", "col"), [(0, 0), (1, 0), (2, stamp.COLS - 1), (3, 15)])
def test_one_corrupted_guard_cell_voids_the_stamp(row: int, col: int) -> None:
    frame = gray_frame(640, 360)
    stamp.encode(frame, 640, 360, MS)
    level = frame[cell_centre(640, 360, row, col)]
    paint_cell(frame, 640, 360, row, col, stamp.WHITE + stamp.BLACK - level)  # flip it
    assert stamp.decode(bytes(frame), 640, 360) is None


def test_one_corrupted_payload_cell_fails_the_crc() -> None:
    frame = gray_frame(640, 360)
    stamp.encode(frame, 640, 360, MS)
    level = frame[cell_centre(640, 360, 2, 7)]
    paint_cell(frame, 640, 360, 2, 7, stamp.WHITE + stamp.BLACK - level)
    assert stamp.decode(bytes(frame), 640, 360) is None


def test_layout_constants_agree() -> None:
    assert stamp.PAYLOAD_BITS == stamp.MS_BITS + stamp.CRC_BITS
    assert stamp.crc8(b"123456789") == 0xF4  # the CRC-8 (SMBus) check value
    grid = stamp.cells(MS)
    assert [row[0] for row in grid] == [1, 0, 1, 0]
    assert [row[-1] for row in grid] == [0, 1, 0, 1]


def test_encode_rejects_what_it_cannot_stamp() -> None:
    with pytest.raises(ValueError, match="at least 256x64"):
        stamp.encode(gray_frame(200, 200), 200, 200, MS)
    with pytest.raises(ValueError, match="not in"):
        stamp.encode(gray_frame(640, 360), 640, 360, stamp.MAX_MS + 1)
    with pytest.raises(ValueError, match="not in"):
        stamp.encode(gray_frame(640, 360), 640, 360, -1)


def test_camera_spec_passes_stamp_only_when_asked() -> None:
    assert "--stamp" not in CameraSpec(port=8554).argv()
    assert "--stamp" in CameraSpec(port=8554, stamp=True).argv()
