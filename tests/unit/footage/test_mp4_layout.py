"""The top-level boxes of a fragmented MP4, cut short the way a full disk or a
power cut leaves it: where the file should end."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from footage.media.mp4 import complete_length


def box(kind: bytes, payload: int) -> bytes:
    return struct.pack(">I4s", 8 + payload, kind) + b"\0" * payload


INIT = box(b"ftyp", 16) + box(b"moov", 500)
FRAGMENT = box(b"moof", 100) + box(b"mdat", 4000)


def _file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "20261206T021220Z.mp4"
    path.write_bytes(data)
    return path


def test_a_whole_file_is_left_alone(tmp_path: Path) -> None:
    assert complete_length(_file(tmp_path, INIT + FRAGMENT * 3)) is None
    assert complete_length(_file(tmp_path, INIT)) is None


@pytest.mark.parametrize(
    "tail",
    [
        FRAGMENT[:50],  # the moof cut
        FRAGMENT[:108],  # a whole moof, no mdat
        FRAGMENT[:116],  # a whole moof, an mdat header
        FRAGMENT[:-1],  # the mdat one byte short
        b"\0\0\0",  # not even a box header
    ],
)
def test_a_half_written_fragment_goes(tmp_path: Path, tail: bytes) -> None:
    whole = INIT + FRAGMENT * 2
    assert complete_length(_file(tmp_path, whole + tail)) == len(whole)


def test_a_64_bit_box_size_and_a_box_to_the_end(tmp_path: Path) -> None:
    large = struct.pack(">I4sQ", 1, b"mdat", 16 + 100) + b"\0" * 100
    whole = INIT + box(b"moof", 100) + large
    assert complete_length(_file(tmp_path, whole)) is None
    assert complete_length(_file(tmp_path, whole + large[:60])) == len(whole)
    to_end = INIT + box(b"moof", 100) + struct.pack(">I4s", 0, b"mdat") + b"\0" * 77
    assert complete_length(_file(tmp_path, to_end)) is None


@pytest.mark.parametrize("data", [b"m" * 100, b"\x47" * 188 * 3, b""])
def test_what_is_not_an_mp4_is_not_cut(tmp_path: Path, data: bytes) -> None:
    assert complete_length(_file(tmp_path, data)) is None
