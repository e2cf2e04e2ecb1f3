"""Is a video file whole, judged by what its container declares about itself?

A copy that stalls (a slow SMB share, an NVR pausing its export) leaves a file
that is stable for a while and reads as video, yet ends early. Most containers
say how long they are before their data ends, so a cut is visible without
decoding anything:

* MP4/MOV: every top-level box states its size; the index (``moov``) must be
  there, and a fragmented file's last ``moof`` must have its whole ``mdat``.
* AVI: each ``RIFF`` chunk states its size (0 until the writer finishes it).
* Matroska: the ``Segment`` states its size (unless written as "unknown").
* MPEG-TS: a file of whole 188-byte (M2TS: 192-byte) packets.

:func:`declared_cut` returns why a file is cut, or None when its container
says nothing is missing (or says nothing at all: other formats).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

_BOX = struct.Struct(">I4s")
_U64 = struct.Struct(">Q")
_U32LE = struct.Struct("<I")
_EBML_ID = b"\x1a\x45\xdf\xa3"
_SEGMENT_ID = b"\x18\x53\x80\x67"
_MP4_TYPES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"styp", b"pnot"}


def sniff(head: bytes) -> str:
    """``mp4``, ``avi``, ``mkv``, ``ts`` or ``other`` from a file's first bytes."""
    if len(head) >= 8 and head[4:8] in _MP4_TYPES:
        return "mp4"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:4] == _EBML_ID:
        return "mkv"
    if _ts_packet(head) is not None:
        return "ts"
    return "other"


def declared_cut(path: Path) -> str | None:
    """Why ``path`` is not whole by its container's own account, else None."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(4096)
        kind = sniff(head)
        if kind == "mp4":
            return _mp4_cut(handle, size)
        if kind == "avi":
            return _riff_cut(handle, size)
        if kind == "mkv":
            return _mkv_cut(head, size)
    if kind == "ts":
        packet = _ts_packet(head) or 188
        if size % packet:
            return f"ends inside a {packet}-byte transport packet ({size % packet} bytes of it)"
    return None


def _mp4_cut(handle: BinaryIO, size: int) -> str | None:
    """Walk the top-level boxes (see the module doc)."""
    offset, seen, last = 0, set[bytes](), b""
    while offset < size:
        header = _read(handle, offset, 16)
        if len(header) < _BOX.size:
            return f"ends inside a box header at byte {offset}"
        box, kind = _BOX.unpack_from(header)
        head_len = _BOX.size
        if box == 1:
            if len(header) < 16:
                return f"ends inside a box header at byte {offset}"
            (box,), head_len = _U64.unpack_from(header, 8), 16
        elif box == 0:  # "to the end of the file": only a last box may say so
            box = size - offset
        if box < head_len:
            return f"box {_name(kind)} at byte {offset} has an impossible size {box}"
        if offset + box > size:
            return (f"box {_name(kind)} at byte {offset} declares {box} bytes, "
                    f"{size - offset} are there")  # fmt: skip
        seen.add(kind)
        last = kind
        offset += box
    if b"moov" not in seen:
        return "no moov box (the index of an MP4 is written when it is finished)"
    if last == b"moof":
        return "its last fragment (moof) has no media (mdat) yet"
    return None


def _riff_cut(handle: BinaryIO, size: int) -> str | None:
    offset = 0
    while offset + 8 <= size:
        header = _read(handle, offset, 12)
        if header[:4] != b"RIFF":
            return None  # trailing data outside the RIFF chunks: not ours to judge
        (chunk,) = _U32LE.unpack_from(header, 4)
        if chunk == 0:
            return "the AVI header is not finished (its RIFF size is still 0)"
        if offset + 8 + chunk > size:
            return (f"RIFF chunk at byte {offset} declares {chunk + 8} bytes, "
                    f"{size - offset} are there")  # fmt: skip
        offset += 8 + chunk + (chunk & 1)
    return None


def _mkv_cut(head: bytes, size: int) -> str | None:
    ebml = _element(head, 0)
    if ebml is None:
        return None
    _, data_at, ebml_size = ebml
    segment_at = data_at + (ebml_size or 0)
    segment = _element(head, segment_at)
    if segment is None or head[segment_at : segment_at + 4] != _SEGMENT_ID:
        return None
    _, body, length = segment
    if length is None:
        return None  # written with an unknown size (live): the container cannot say
    if body + length > size:
        return f"the Matroska segment declares {body + length} bytes, {size} are there"
    return None


def _element(data: bytes, at: int) -> tuple[int, int, int | None] | None:
    """(id length, data offset, data size or None for "unknown") of an EBML element."""
    id_len = _vint_length(data, at)
    if id_len is None:
        return None
    size_at = at + id_len
    size_len = _vint_length(data, size_at)
    if size_len is None or size_at + size_len > len(data):
        return None
    raw = int.from_bytes(data[size_at : size_at + size_len], "big")
    value = raw & ((1 << (7 * size_len)) - 1)
    unknown = value == (1 << (7 * size_len)) - 1
    return id_len, size_at + size_len, None if unknown else value


def _vint_length(data: bytes, at: int) -> int | None:
    if at >= len(data) or data[at] == 0:
        return None
    return 8 - data[at].bit_length() + 1


def _ts_packet(head: bytes) -> int | None:
    """188 (MPEG-TS) or 192 (M2TS) when sync bytes repeat at that stride."""
    for packet, first in ((188, 0), (192, 4)):
        marks = range(first, min(len(head), first + 3 * packet), packet)
        if len(marks) >= 2 and all(head[i] == 0x47 for i in marks):
            return packet
    return None


def _read(handle: BinaryIO, offset: int, count: int) -> bytes:
    handle.seek(offset)
    return handle.read(count)


def _name(kind: bytes) -> str:
    return repr(kind.decode("latin-1"))
