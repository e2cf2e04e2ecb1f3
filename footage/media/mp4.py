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
