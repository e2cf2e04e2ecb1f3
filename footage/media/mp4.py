"""Top-level box layout of our fragmented MP4 segments.

Every stored segment is fMP4 (``ftyp`` + an empty ``moov``, then ``moof``/``mdat``
pairs). HLS plays such a file as two byte ranges of the same URL: the init
section (``EXT-X-MAP``, everything before the first ``moof``) and the media
section (the rest), so no segment has to be split or rewritten to be played.
"""

from __future__ import annotations

import struct
from pathlib import Path

from footage.errors import MediaError

#: ftyp + moov of our segments is 0.6-2 KiB; 64 KiB leaves room for big moovs.
INIT_PROBE_BYTES = 64 * 1024
_HEADER = struct.Struct(">I4s")
_LARGE = struct.Struct(">Q")


def init_section_size(head: bytes) -> int:
    """Bytes before the first ``moof`` box, given the file's first bytes.

    Raises :class:`MediaError` when the data is not a fragmented MP4 whose
    ``moov`` comes before its first fragment within ``head``.
    """
    offset, seen_moov = 0, False
    while offset + _HEADER.size <= len(head):
        size, kind = _HEADER.unpack_from(head, offset)
        header = _HEADER.size
        if size == 1:
            if offset + 16 > len(head):
                break
            (size,) = _LARGE.unpack_from(head, offset + 8)
            header = 16
        if kind == b"moof":
            if not seen_moov:
                raise MediaError("not a fragmented MP4: moof before moov")
            return offset
        if size < header:  # 0 = "to the end of file", or corrupt
            raise MediaError(f"not a fragmented MP4: box {kind!r} has size {size}")
        seen_moov = seen_moov or kind == b"moov"
        offset += size
    raise MediaError(f"no fragment within the first {len(head)} bytes (not fragmented MP4?)")


def read_init_section_size(path: Path) -> int:
    with path.open("rb") as handle:
        return init_section_size(handle.read(INIT_PROBE_BYTES))


def complete_length(path: Path) -> int | None:
    """Where ``path`` should end when its last top-level box is cut short (ffmpeg
    stopped mid-fragment: a full disk, a power cut): after the last whole box, a
    ``moof`` counting only with its whole ``mdat``. None when nothing is cut, or
    when the file does not start as an MP4 does (``ftyp``): not ours to cut."""
    size = path.stat().st_size
    offset = whole = 0
    with path.open("rb") as handle:
        while offset + _HEADER.size <= size:
            handle.seek(offset)
            head = handle.read(16)
            box, kind = _HEADER.unpack_from(head)
            if offset == 0 and kind != b"ftyp":
                return None
            header = _HEADER.size
            if box == 1 and len(head) == 16:
                (box,), header = _LARGE.unpack_from(head, 8), 16
            elif box == 0:  # "to the end of the file"
                box = size - offset
            if box < header or offset + box > size:
                break
            offset += box
            if kind != b"moof":
                whole = offset
    return None if whole == size else whole
