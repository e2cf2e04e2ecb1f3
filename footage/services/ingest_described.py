"""Ingest from a HEAD: a segment its edge described is indexed without a GET or ffmpeg.

The edge describes each segment it recorded in the object's metadata
(footage.description). For a camera whose policy keeps footage as uploaded
(``copy``: the default), ingest writes the catalog row from that description,
if and only if every check below holds; anything else (an NVR file, another
uploader, a transcoding policy, a missing, malformed or inconsistent
description) takes the FFmpeg path as before: download, hash, probe, and
quarantine what does not play or does not match its SHA-256.

Checks, all against what the HEAD shows and the camera's configuration:

* a recording of the edge itself: not an NVR file (``origin=nvr``), not a new
  version of another object, not a transcode of an original;
* a well-formed description of this reader's version;
* its site, camera and start are the key's (ingest already refused a key
  whose camera is not configured at that site);
* its size is the object's size;
* **its SHA-256 is the one the store vouches for** (``ObjectInfo.stored_sha256``):
  S3 checked it on the PUT (``ChecksumSHA256``, with ``server_checksums``), or
  the NAS hashed what it wrote. A multipart upload has no whole-object SHA-256
  on S3 (only each part's), GCS offers none: those go the FFmpeg path, which
  hashes the bytes itself;
* a codec a camera sends (H.264 or H.265), a picture size, a frame rate and an
  init section that a recorded segment can have, and a duration no longer than
  the camera's segment length plus :data:`CUT_SLACK` (cut at keyframes).

What a forged description can do. Only an edge's credentials can write under
its site's prefix, so a forger is that site's edge (a stolen box): it can
misplace or mislabel **its own site's** footage only, which it could already
do by recording anything it likes. A wrong duration stretches or shortens that
segment on its camera's timeline (never past the camera's segment length plus
the slack, never before its start); a wrong codec or picture size makes the
viewer fail to play that segment; a wrong init size breaks the HLS byte ranges
of that segment. It cannot: write a row for another site's camera (the key's
site is the camera's site, or the object is refused); replace a segment that
is indexed (write-once keys, and ``_place`` keeps a second object apart);
claim bytes it did not send (the SHA-256 must be the store's own) or a size
it did not send; reach ffmpeg with a crafted file through this path.
"""

from __future__ import annotations

from datetime import timedelta

from footage.description import DescriptionError, SegmentDescription, from_metadata
from footage.keys import ParsedKey, sprite_tile
from footage.media.mp4 import INIT_PROBE_BYTES
from footage.models import ObjectInfo, Segment
from footage.profiles import VideoCodec
from footage.retention import expiry
from footage.services.ingest_types import CameraPolicy
from footage.storage import META_ORIGIN, META_ORIGINAL, META_SUPERSEDES
from footage.thumbnails import tile_reference

#: The codecs a recorder stores as the camera sent them (anything else is probed).
CAMERA_CODECS = frozenset({"h264", "hevc"})
#: A recorder cuts at the first keyframe after the segment length: a long GOP
#: (10-15 s on CCTV) or a late keyframe makes a segment this much longer at most.
CUT_SLACK = timedelta(seconds=30)
_MIN_SIDE, _MAX_SIDE = 16, 8192
_MAX_FPS = 240.0
#: Bytes of the smallest init section (ftyp + moov) a real segment has.
_MIN_INIT = 64


def trusted_description(
    policy: CameraPolicy, parsed: ParsedKey, head: ObjectInfo
) -> SegmentDescription | str:
    """The description ingest may index from, or why the object must be probed."""
    meta = head.metadata
    if meta.get(META_ORIGIN) or meta.get(META_SUPERSEDES) or meta.get(META_ORIGINAL):
        return "not a segment its edge recorded (an NVR file, a new version, a transcode)"
    if policy.profile.codec is not VideoCodec.COPY:
        return f"the camera's policy transcodes ({policy.profile_name})"
    try:
        described = from_metadata(meta)
    except DescriptionError as exc:
        return str(exc)
    return _disagreement(policy, parsed, head, described) or described


def _disagreement(
    policy: CameraPolicy, parsed: ParsedKey, head: ObjectInfo, d: SegmentDescription
) -> str:
    """What in the description disagrees with the object or the camera ("" if nothing)."""
    if (d.site, d.camera, d.start) != (parsed.site, parsed.camera, parsed.start):
        return "its site, camera or start is not the key's"
    if d.size != head.size:
        return f"it claims {d.size} bytes, the object has {head.size}"
    if head.stored_sha256 is None:
        return "the store does not vouch for its SHA-256"
    if head.stored_sha256 != d.sha256:
        return "its SHA-256 is not the stored bytes' (as the store checked them)"
    return _implausible(policy, d)


def _implausible(policy: CameraPolicy, d: SegmentDescription) -> str:
    """What no recorded segment of this camera looks like ("" if it could be one)."""
    longest = timedelta(seconds=policy.segment_seconds) + CUT_SLACK
    if d.codec not in CAMERA_CODECS:
        return f"codec {d.codec} is not one a camera records as is"
    if not 0 < d.duration_ms <= longest.total_seconds() * 1000:
        return f"a duration of {d.duration_s:.3f} s (this camera's segments: up to {longest})"
    if not (_MIN_SIDE <= d.width <= _MAX_SIDE and _MIN_SIDE <= d.height <= _MAX_SIDE):
        return f"a picture of {d.width}x{d.height}"
    if not 0 < d.fps <= _MAX_FPS:
        return f"{d.fps} frames per second"
    if not _MIN_INIT <= d.init_size <= min(INIT_PROBE_BYTES, d.size - 1):
        return f"an init section of {d.init_size} bytes"
    return ""


def described_row(
    policy: CameraPolicy, parsed: ParsedKey, head: ObjectInfo, d: SegmentDescription
) -> Segment:
    """The catalog row of a segment indexed from its description. Its thumbnail is
    its tile of the camera's sprite when its edge says it sends one (``sprite``);
    ingest makes and stores none."""
    days = parsed.retention_days or policy.retention_days
    tile = sprite_tile(parsed.site, parsed.camera, parsed.start, retention_days=days)
    thumbnail = tile_reference(tile) if policy.thumbnails and d.sprite else None
    return Segment(
        camera=parsed.camera, site=parsed.site, start=parsed.start, end=d.end,
        size_bytes=head.size, sha256=d.sha256, key=head.key, codec=d.codec, width=d.width,
        height=d.height, fps=d.fps, audio_codec=d.audio_codec, thumbnail_key=thumbnail,
        expires_at=expiry(d.end, policy.retention_days), source_etag=head.etag,
        init_size=d.init_size,
    )  # fmt: skip
