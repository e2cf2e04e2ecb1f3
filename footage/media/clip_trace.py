"""Do a clip's frames come from these segments? A decode-free check.

An export is a stream copy: every compressed packet of the clip is a packet of
one of the segments, byte for byte, except that the concat demuxer puts the
codec's parameter sets (H.264 SPS/PPS, HEVC VPS/SPS/PPS, and access-unit
delimiters) in front of keyframes. So both sides are read with ffmpeg's
``filter_units`` bitstream filter removing those NAL units, and the ``framemd5``
muxer prints an MD5 per packet (stream copy: nothing is decoded)::

    ffmpeg -i F -map 0:v:0 -map 0:a:0? -c copy -bsf:v filter_units=remove_types=...
           -f framemd5 -

Every clip packet must then be found, stream by stream, among the segments'
packets (same stream, size and MD5) at a later place than the one before
(segment order, then packet order). What this proves: each picture and sound
packet of the clip is one the camera recorded into these segments, in their
order; a frame added, altered or moved fails. It does not prove that nothing
between the clip's frames was left out (the segments prove what was recorded).
A re-encoded clip fails the check: its packets are new; then only the original
segments are proven, and the clip is a rendering of them to be compared by eye.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from footage.errors import MediaError
from footage.media.commands import FFMPEG
from footage.media.runner import run_tool

#: NAL unit types that the concat demuxer may add before keyframes.
PARAMETER_UNITS = {"h264": "7|8|9", "hevc": "32|33|34|35"}
_TIMEOUT_S = 600

Packet = tuple[int, int, str]  # (output stream, size, MD5)


def codec_command(path: Path) -> list[str]:
    """The first video packet only: framemd5's header names the codec."""
    return [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-i", str(path),
            "-map", "0:v:0", "-c", "copy", "-frames:v", "1", "-f", "framemd5", "-"]  # fmt: skip


def packets_md5_command(path: Path, codec: str) -> list[str]:
    units = PARAMETER_UNITS.get(codec)
    bsf = ["-bsf:v", f"filter_units=remove_types={units}"] if units else []
    return [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-i", str(path),
            "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", *bsf,
            "-f", "framemd5", "-"]  # fmt: skip


def parse_codec(framemd5: str) -> str:
    for line in framemd5.splitlines():
        if line.startswith("#codec_id 0:"):
            return line.split(":", 1)[1].strip()
    raise MediaError("no video stream")


def parse_packets(framemd5: str) -> list[Packet]:
    """``stream, dts, pts, duration, size, md5`` lines -> (stream, size, md5)."""
    packets: list[Packet] = []
    for line in framemd5.splitlines():
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 6:
            raise MediaError(f"unexpected framemd5 line: {line!r}")
        packets.append((int(fields[0]), int(fields[4]), fields[5]))
    return packets


def file_packets(path: Path) -> list[Packet]:
    codec = parse_codec(run_tool(codec_command(path), _TIMEOUT_S))
    return parse_packets(run_tool(packets_md5_command(path, codec), _TIMEOUT_S))


@dataclass(frozen=True, slots=True)
class Trace:
    total: int  # clip packets
    matched: int
    #: the first clip packet not found in order: (its index, its stream), or None
    first_unmatched: tuple[int, int] | None


def trace(clip: Sequence[Packet], sources: Sequence[Sequence[Packet]]) -> Trace:
    """Match the clip's packets against the segments' (pure)."""
    where: dict[Packet, list[tuple[int, int]]] = {}
    for s, packets in enumerate(sources):
        for p, packet in enumerate(packets):
            where.setdefault(packet, []).append((s, p))
    last: dict[int, tuple[int, int]] = {}
    matched, first = 0, None
    for index, packet in enumerate(clip):
        after = last.get(packet[0], (-1, -1))
        place = next((w for w in where.get(packet, ()) if w > after), None)
        if place is None:
            first = first or (index, packet[0])
            continue
        last[packet[0]] = place
        matched += 1
    return Trace(len(clip), matched, first)
