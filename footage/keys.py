"""The one place that knows how objects and spool files are named.

Object keys are relative to the storage root (bucket prefix or NAS folder)::

    segments/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<YYYYMMDDTHHMMSSZ>.mp4
    thumbnails/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<YYYYMMDDTHHMMSSZ>.jpg
    renditions/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<YYYYMMDDTHHMMSSZ>.<profile>.mp4
    quarantine/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<YYYYMMDDTHHMMSSZ>.<ext>
    segments/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<YYYYMMDDTHHMMSSZ>.original.<ext>

An *original* is the file an NVR dropped when the edge had to transcode it (an
old codec such as MPEG-4 Part 2 or MJPEG): kept next to its segment, under the
camera's segment prefix, so the edge may write it (its IAM policy allows only
``segments/<site>/``) and the camera's retention expires it with the segment.
Ingest never indexes it as footage: it joins its segment's row (derived keys).

A key may carry a *variant*, ``_<stamp>-<16 hex>``: the start of a SHA-256.
Segment keys are write-once (the store refuses an overwrite), so an edge whose
upload finds the key taken sends its file under the variant named by the file's
SHA-256, and ingest keeps it apart from the indexed segment (a duplicate, or a
conflict). Thumbnails and renditions carry their source segment's variant, so
two ingests of different objects for one camera and start never write the same
derived key.

The site comes first so that one IAM policy per site can allow writes under
``segments/<site>/`` only. Dates are the segment's UTC start. Spool files are
``<YYYYMMDDTHHMMSSZ>.mp4`` inside a per-camera folder (an original waiting for
upload: ``<YYYYMMDDTHHMMSSZ>.original.<ext>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from footage.errors import KeyFormatError

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
_ID_RE = re.compile(ID_PATTERN)
_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
#: strftime pattern the recorder hands to ffmpeg's segment muxer (run with TZ=UTC).
RECORDER_FILENAME_PATTERN = "%Y%m%dT%H%M%SZ.mp4"
SEGMENT_EXTENSION = "mp4"
THUMBNAIL_EXTENSION = "jpg"


class KeyKind(StrEnum):
    SEGMENT = "segments"
    THUMBNAIL = "thumbnails"
    RENDITION = "renditions"
    QUARANTINE = "quarantine"


@dataclass(frozen=True, slots=True)
class ParsedKey:
    kind: KeyKind
    site: str
    camera: str
    start: datetime
    extension: str
    profile: str | None = None
    variant: str | None = None

    @property
    def is_original(self) -> bool:
        """The file an NVR dropped, kept beside the segment transcoded from it."""
        return self.kind is KeyKind.SEGMENT and self.profile == ORIGINAL


#: The "profile" part of an original's key and spool name (see the module doc).
ORIGINAL = "original"

#: A variant names its object by content: the first 16 hex digits of its SHA-256.
VARIANT_LENGTH = 16
_VARIANT_RE = re.compile(rf"^[0-9a-f]{{{VARIANT_LENGTH}}}$")
_KEY_RE = re.compile(
    r"^(?P<kind>segments|thumbnails|renditions|quarantine)/"
    r"(?P<site>[^/]+)/(?P<camera>[^/]+)/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"
    r"(?P<fcamera>[^/]+)_(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<variant>[0-9a-f]{16}))?"
    r"(?:\.(?P<profile>[a-z0-9-]+))?\.(?P<ext>[a-z0-9]+)$"
)
_SPOOL_RE = re.compile(
    r"^(?P<stamp>\d{8}T\d{6}Z)(?:\.(?P<original>original))?\.(?P<ext>[a-z0-9]+)$"
)
_EXTENSION_RE = re.compile(r"^[a-z0-9]{1,16}$")


def validate_id(value: str, what: str = "id") -> str:
    """Return ``value`` if it is a safe site/camera id, else raise KeyFormatError."""
    if not _ID_RE.fullmatch(value):  # not match(): "$" would accept a trailing newline
        raise KeyFormatError(
            f"{what} {value!r} must be 1-64 characters of letters, digits, '-' or '_' "
            "and start with a letter or digit"
        )
    return value


def format_stamp(moment: datetime) -> str:
    """``2026-11-25T19:56:00Z`` -> ``20261125T195600Z`` (UTC, whole seconds)."""
    return _as_utc(moment).strftime(_STAMP_FORMAT)


def parse_stamp(stamp: str) -> datetime:
    try:
        return datetime.strptime(stamp, _STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:
        raise KeyFormatError(f"bad timestamp {stamp!r}") from exc


def build_key(
    kind: KeyKind,
    site: str,
    camera: str,
    start: datetime,
    *,
    extension: str | None = None,
    profile: str | None = None,
    variant: str | None = None,
) -> str:
    validate_id(site, "site")
    validate_id(camera, "camera")
    if (
        profile is not None
        and kind is not KeyKind.RENDITION
        and (kind is not KeyKind.SEGMENT or profile != ORIGINAL)
    ):
        raise KeyFormatError("only renditions carry a profile (and originals are segments)")
    if kind is KeyKind.RENDITION and not profile:
        raise KeyFormatError("a rendition key needs a profile")
    if variant is not None:
        _check_variant(kind, variant)
    ext = extension or (THUMBNAIL_EXTENSION if kind is KeyKind.THUMBNAIL else SEGMENT_EXTENSION)
    utc = _as_utc(start)
    stamp = f"{format_stamp(utc)}-{variant}" if variant else format_stamp(utc)
    suffix = f".{profile}.{ext}" if profile else f".{ext}"
    return f"{kind.value}/{site}/{camera}/{utc:%Y/%m/%d}/{camera}_{stamp}{suffix}"


def variant_of(sha256: str) -> str:
    """The variant name of an object with this SHA-256 (hex)."""
    variant = sha256[:VARIANT_LENGTH].lower()
    if not _VARIANT_RE.fullmatch(variant):
        raise KeyFormatError(f"not a SHA-256: {sha256!r}")
    return variant


def _check_variant(kind: KeyKind, variant: str) -> None:
    del kind  # every kind may carry one: derived objects name their source's content
    if not _VARIANT_RE.fullmatch(variant):
        raise KeyFormatError(f"a variant is {VARIANT_LENGTH} lower-case hex digits: {variant!r}")


def build_camera_prefix(kind: KeyKind, site: str, camera: str) -> str:
    """Every key of ``kind`` for one camera starts with this (S3 lifecycle rules)."""
    validate_id(site, "site")
    validate_id(camera, "camera")
    return f"{kind.value}/{site}/{camera}/"


def build_day_prefix(kind: KeyKind, site: str, camera: str, day: date) -> str:
    """Every key of ``kind`` for one camera and one UTC day starts with this."""
    validate_id(site, "site")
    validate_id(camera, "camera")
    return f"{kind.value}/{site}/{camera}/{day:%Y/%m/%d}/"


#: Footage under an evidence hold is moved here in stores whose lifecycle rules
#: delete by prefix (S3); no rule covers this prefix.
EVIDENCE_PREFIX = "evidence/"


def build_evidence_key(key: str) -> str:
    """``segments/HO/...`` -> ``evidence/segments/HO/...`` (idempotent)."""
    if key.startswith(EVIDENCE_PREFIX):
        return key
    parse_key(key)  # only footage keys are held
    return EVIDENCE_PREFIX + key


def parse_evidence_key(key: str) -> ParsedKey:
    """The footage key inside an evidence key."""
    if not key.startswith(EVIDENCE_PREFIX):
        raise KeyFormatError(f"not an evidence key: {key!r}")
    return parse_key(key[len(EVIDENCE_PREFIX) :])


#: Export jobs: ``exports/<id>/job.json``, their parts and the finished MP4.
#: Kept one day (S3 lifecycle rule; the retention job on-prem).
EXPORTS_PREFIX = "exports/"
_EXPORT_ID_RE = re.compile(r"^[0-9a-f]{32}$")
_EXPORT_FILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
#: Each site's edge publishes its state here (recorders, backlog), once a minute.
STATUS_PREFIX = "status/"


def validate_export_id(export_id: str) -> str:
    if not _EXPORT_ID_RE.match(export_id):
        raise KeyFormatError(f"not an export id: {export_id!r}")
    return export_id


def build_export_key(export_id: str, name: str) -> str:
    validate_export_id(export_id)
    if not _EXPORT_FILE_RE.match(name):
        raise KeyFormatError(f"not an export file name: {name!r}")
    return f"{EXPORTS_PREFIX}{export_id}/{name}"


def parse_export_key(key: str) -> tuple[str, str]:
    """Inverse of :func:`build_export_key`: (export id, file name)."""
    rest = key.removeprefix(EXPORTS_PREFIX)
    export_id, _, name = rest.partition("/")
    if rest == key or build_export_key(export_id, name) != key:
        raise KeyFormatError(f"not an export key: {key!r}")
    return export_id, name


def build_status_key(site: str) -> str:
    return f"{STATUS_PREFIX}{validate_id(site, 'site')}.json"


def build_segment_key(site: str, camera: str, start: datetime, variant: str | None = None) -> str:
    return build_key(KeyKind.SEGMENT, site, camera, start, variant=variant)


def build_original_key(
    site: str, camera: str, start: datetime, extension: str, variant: str | None = None
) -> str:
    """Where the file an NVR dropped is kept beside the segment transcoded from it."""
    return build_key(KeyKind.SEGMENT, site, camera, start, extension=_extension(extension),
                     profile=ORIGINAL, variant=variant)  # fmt: skip


def build_upload_key(
    site: str, camera: str, start: datetime, spool_name: str, variant: str | None = None
) -> str:
    """The key a spool file goes up under: a segment, or an original (by its name)."""
    match = _SPOOL_RE.match(spool_name)
    if match and match["original"]:
        return build_original_key(site, camera, start, match["ext"], variant)
    return build_segment_key(site, camera, start, variant)


def build_thumbnail_key(site: str, camera: str, start: datetime, variant: str | None = None) -> str:
    return build_key(KeyKind.THUMBNAIL, site, camera, start, variant=variant)


def build_rendition_key(
    site: str, camera: str, start: datetime, profile: str, variant: str | None = None
) -> str:
    return build_key(KeyKind.RENDITION, site, camera, start, profile=profile, variant=variant)


def build_quarantine_key(key: str, variant: str | None = None) -> str:
    """The quarantine twin of any segment or rendition key (its variant kept,
    unless ``variant`` names one)."""
    parsed = parse_key(key)
    return build_key(
        KeyKind.QUARANTINE, parsed.site, parsed.camera, parsed.start,
        extension=parsed.extension, variant=variant or parsed.variant,
    )  # fmt: skip


def parse_key(key: str) -> ParsedKey:
    """Inverse of :func:`build_key`; raises KeyFormatError on anything else."""
    match = _KEY_RE.match(key)
    if not match:
        raise KeyFormatError(f"not a footage key: {key!r}")
    start = parse_stamp(match["stamp"])
    camera = match["camera"]
    if match["fcamera"] != camera or f"{start:%Y/%m/%d}" != "/".join(
        (match["y"], match["m"], match["d"])
    ):
        raise KeyFormatError(f"inconsistent footage key: {key!r}")
    kind = KeyKind(match["kind"])
    parsed = ParsedKey(
        kind, match["site"], camera, start, match["ext"], match["profile"], match["variant"]
    )
    try:
        rebuilt = build_key(
            kind, parsed.site, camera, start, extension=parsed.extension,
            profile=parsed.profile, variant=parsed.variant,
        )  # fmt: skip
    except KeyFormatError as exc:
        raise KeyFormatError(f"not a footage key: {key!r} ({exc})") from exc
    if rebuilt != key:
        raise KeyFormatError(f"not a canonical footage key: {key!r}")
    return parsed


def build_spool_name(start: datetime, extension: str = SEGMENT_EXTENSION) -> str:
    return f"{format_stamp(start)}.{extension}"


def build_original_spool_name(start: datetime, extension: str) -> str:
    """``<stamp>.original.<ext>``: an NVR's file waiting for upload beside its segment."""
    return f"{format_stamp(start)}.{ORIGINAL}.{_extension(extension)}"


def original_extension(file_name: str) -> str:
    """The extension an original keeps: the dropped file's, lower-case, else ``bin``."""
    suffix = file_name.rpartition(".")[2].lower() if "." in file_name else ""
    return suffix if _EXTENSION_RE.match(suffix) else "bin"


def _extension(extension: str) -> str:
    if not _EXTENSION_RE.match(extension):
        raise KeyFormatError(f"not a file extension: {extension!r}")
    return extension


def parse_spool_name(name: str) -> datetime:
    match = _SPOOL_RE.match(name)
    if not match:
        raise KeyFormatError(f"not a spool segment name: {name!r}")
    return parse_stamp(match["stamp"])


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise KeyFormatError("naive datetime: times must be timezone-aware")
    return moment.astimezone(UTC)


#: A camera's live stream is named by its id; its sub-stream (grid tiles) by ``<id>__sub``.
SUB_STREAM_SUFFIX = "__sub"


def build_stream_name(camera: str, sub: bool = False) -> str:
    validate_id(camera, "camera")
    if camera.endswith(SUB_STREAM_SUFFIX):
        raise KeyFormatError(f"camera id must not end with {SUB_STREAM_SUFFIX!r}: {camera!r}")
    return f"{camera}{SUB_STREAM_SUFFIX}" if sub else camera


def parse_stream_name(stream: str) -> tuple[str, bool]:
    """``(camera, sub)`` of a live stream name."""
    sub = stream.endswith(SUB_STREAM_SUFFIX)
    camera = stream.removesuffix(SUB_STREAM_SUFFIX) if sub else stream
    validate_id(camera, "camera")
    return camera, sub
