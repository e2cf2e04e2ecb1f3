"""The one place that knows how objects and spool files are named.

Object keys are relative to the storage root (bucket prefix or NAS folder)::

    segments/retention=<days>/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<stamp>.mp4
    segments/retention=<days>/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<stamp>.original.<ext>
    thumbnails/retention=<days>/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<stamp>.jpg
    thumbnails/retention=<days>/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<window>.sprite.jpg
    quarantine/retention=<days>/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<stamp>.<ext>
    renditions/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<stamp>.<profile>.mp4

``<stamp>`` is the segment's UTC start, ``YYYYMMDDTHHMMSSZ``.

The *retention class* (``retention=<days>``, the camera's ``retention_days``
when the object was written) comes right after the kind, so that the bucket's
lifecycle has one rule per (kind, class) in use, however many cameras share it,
instead of rules per camera (1,000 rules per bucket was a 332-camera ceiling).
``=`` cannot appear in a site id (:data:`ID_PATTERN`), so a class never reads
as a site. A camera whose retention changes writes into the new class from then
on; what it already stored keeps the class it was written under, and so the
expiry of that class (the retention sweep is the net for anything the class
rules do not cover). Renditions are made on demand and have their own short
lifecycle under ``renditions/``: they carry no class. Keys written before the
class existed (``segments/<site>/...``) still parse, with ``retention_days``
None, so old NAS data stays readable; the sweep expires them by the camera's
current retention.

An *original* is the file an NVR dropped when the edge had to transcode it (an
old codec such as MPEG-4 Part 2 or MJPEG): kept next to its segment, under the
camera's segment prefix, so the edge may write it (its IAM policy allows only
``segments/retention=<days>/<site>/``) and the class expires it with the segment.
Ingest never indexes it as footage: it joins its segment's row (derived keys).

A *sprite* is one JPEG per camera per :data:`SPRITE_WINDOW` of UTC time (the
window's start is its stamp), the edge's thumbnails of every segment starting in
that window side by side: tile ``i`` covers the segments that start in the
window's ``i``-th :data:`SPRITE_TILE_SECONDS` (:func:`sprite_tile`).

A key may carry a *variant*, ``_<stamp>-<16 hex>``: the start of a SHA-256.
Segment keys are write-once (the store refuses an overwrite), so an edge whose
upload finds the key taken sends its file under the variant named by the file's
SHA-256, and ingest keeps it apart from the indexed segment (a duplicate, or a
conflict). Thumbnails and renditions carry their source segment's variant, so
two ingests of different objects for one camera and start never write the same
derived key.

The class and the site come first so that one IAM policy per site can allow
writes under ``segments/retention=<days>/<site>/`` for each class its cameras
use. Dates are the segment's UTC start. Spool files are
``<YYYYMMDDTHHMMSSZ>.mp4`` inside a per-camera folder (an original waiting for
upload: ``<YYYYMMDDTHHMMSSZ>.original.<ext>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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


#: Kinds whose keys carry a retention class (renditions have their own lifecycle).
CLASSED_KINDS = frozenset({KeyKind.SEGMENT, KeyKind.THUMBNAIL, KeyKind.QUARANTINE})
#: Bounds of a retention class, the same as a camera's ``retention_days``.
MIN_RETENTION_DAYS = 1
MAX_RETENTION_DAYS = 3650
#: A camera's retention when its config says none (``Camera.retention_days``).
DEFAULT_RETENTION_DAYS = 180
_CLASS_LABEL = "retention="


@dataclass(frozen=True, slots=True)
class ParsedKey:
    kind: KeyKind
    site: str
    camera: str
    start: datetime
    extension: str
    profile: str | None = None
    variant: str | None = None
    #: The key's retention class; None for a rendition or a key written before classes.
    retention_days: int | None = None

    @property
    def is_original(self) -> bool:
        """The file an NVR dropped, kept beside the segment transcoded from it."""
        return self.kind is KeyKind.SEGMENT and self.profile == ORIGINAL

    @property
    def is_sprite(self) -> bool:
        """A camera's thumbnails of one :data:`SPRITE_WINDOW` in one JPEG."""
        return self.kind is KeyKind.THUMBNAIL and self.profile == SPRITE


#: The "profile" part of an original's key and spool name (see the module doc).
ORIGINAL = "original"
#: The "profile" part of a sprite's key.
SPRITE = "sprite"
#: A sprite covers this much UTC time, windows aligned on the hour.
SPRITE_WINDOW = timedelta(minutes=10)
#: One tile per this many seconds of the window: segments starting in it share the tile.
SPRITE_TILE_SECONDS = 60
#: Tiles in one sprite (10).
SPRITE_TILES = int(SPRITE_WINDOW.total_seconds()) // SPRITE_TILE_SECONDS

#: A variant names its object by content: the first 16 hex digits of its SHA-256.
VARIANT_LENGTH = 16
_VARIANT_RE = re.compile(rf"^[0-9a-f]{{{VARIANT_LENGTH}}}$")
_KEY_RE = re.compile(
    r"^(?P<kind>segments|thumbnails|renditions|quarantine)/"
    r"(?:retention=(?P<retention>[1-9][0-9]{0,4})/)?"
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


def validate_retention_days(days: int) -> int:
    """Return ``days`` if it names a retention class, else raise KeyFormatError."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise KeyFormatError(f"a retention class is a whole number of days: {days!r}")
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise KeyFormatError(
            f"a retention class is {MIN_RETENTION_DAYS}-{MAX_RETENTION_DAYS} days: {days}"
        )
    return days


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
    retention_days: int | None,
    extension: str | None = None,
    profile: str | None = None,
    variant: str | None = None,
) -> str:
    """The key of one object. ``retention_days`` is the class of a segment, thumbnail
    or quarantined file (None only to name one written before classes existed, or
    a rendition, which never has one)."""
    _check_profile(kind, profile, start, variant)
    if variant is not None:
        _check_variant(kind, variant)
    ext = extension or (THUMBNAIL_EXTENSION if kind is KeyKind.THUMBNAIL else SEGMENT_EXTENSION)
    utc = _as_utc(start)
    stamp = f"{format_stamp(utc)}-{variant}" if variant else format_stamp(utc)
    suffix = f".{profile}.{ext}" if profile else f".{ext}"
    day = build_day_prefix(kind, site, camera, utc.date(), retention_days=retention_days)
    return f"{day}{camera}_{stamp}{suffix}"


def _check_profile(
    kind: KeyKind, profile: str | None, start: datetime, variant: str | None
) -> None:
    if kind is KeyKind.RENDITION and not profile:
        raise KeyFormatError("a rendition key needs a profile")
    if profile is None or kind is KeyKind.RENDITION:
        return
    if kind is KeyKind.SEGMENT and profile == ORIGINAL:
        return
    if kind is KeyKind.THUMBNAIL and profile == SPRITE:
        if variant is not None or _as_utc(start) != sprite_window_start(start):
            raise KeyFormatError("a sprite is named by its window's start and has no variant")
        return
    raise KeyFormatError("only renditions carry a profile (originals, sprites aside)")


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


def build_class_prefix(kind: KeyKind, retention_days: int | None) -> str:
    """Every key of ``kind`` in one retention class starts with this (lifecycle rules).
    None: the kind's prefix before classes (and renditions', which have none)."""
    if retention_days is None:
        return f"{kind.value}/"
    if kind not in CLASSED_KINDS:
        raise KeyFormatError(f"{kind.value} keys carry no retention class")
    return f"{kind.value}/{_CLASS_LABEL}{validate_retention_days(retention_days)}/"


def build_site_prefix(kind: KeyKind, site: str, retention_days: int | None) -> str:
    """Every key of ``kind`` for one site in one class starts with this (edge IAM)."""
    return f"{build_class_prefix(kind, retention_days)}{validate_id(site, 'site')}/"


def build_camera_prefix(
    kind: KeyKind, site: str, camera: str, *, retention_days: int | None
) -> str:
    """Every key of ``kind`` for one camera in one class starts with this."""
    return f"{build_site_prefix(kind, site, retention_days)}{validate_id(camera, 'camera')}/"


def build_day_prefix(
    kind: KeyKind, site: str, camera: str, day: date, *, retention_days: int | None
) -> str:
    """Every key of ``kind`` for one camera, one class and one UTC day starts with this."""
    return (
        f"{build_camera_prefix(kind, site, camera, retention_days=retention_days)}{day:%Y/%m/%d}/"
    )


#: Footage under an evidence hold is moved here in stores whose lifecycle rules
#: delete by prefix (S3); no rule covers this prefix.
EVIDENCE_PREFIX = "evidence/"


def build_evidence_key(key: str) -> str:
    """``segments/HO/...`` -> ``evidence/segments/HO/...`` (idempotent); a signed
    manifest's files (``manifests/...``) likewise."""
    if key.startswith(EVIDENCE_PREFIX):
        return key
    if key.startswith(MANIFESTS_PREFIX):
        parse_manifest_key(key)
    else:
        parse_key(key)  # only footage keys and manifests are held
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


def build_segment_key(
    site: str, camera: str, start: datetime, variant: str | None = None, *, retention_days: int
) -> str:
    return build_key(KeyKind.SEGMENT, site, camera, start, retention_days=retention_days,
                     variant=variant)  # fmt: skip


def build_original_key(
    site: str, camera: str, start: datetime, extension: str, variant: str | None = None,
    *, retention_days: int,
) -> str:  # fmt: skip
    """Where the file an NVR dropped is kept beside the segment transcoded from it."""
    ext = _extension(extension)
    return build_key(KeyKind.SEGMENT, site, camera, start, retention_days=retention_days,
                     extension=ext, profile=ORIGINAL, variant=variant)  # fmt: skip


def build_upload_key(
    site: str, camera: str, start: datetime, spool_name: str, variant: str | None = None,
    *, retention_days: int,
) -> str:  # fmt: skip
    """The key a spool file goes up under: a segment, or an original (by its name),
    in the camera's retention class at the time of the upload."""
    match = _SPOOL_RE.match(spool_name)
    if match and match["original"]:
        return build_original_key(site, camera, start, match["ext"], variant,
                                  retention_days=retention_days)  # fmt: skip
    return build_segment_key(site, camera, start, variant, retention_days=retention_days)


def build_thumbnail_key(
    site: str, camera: str, start: datetime, variant: str | None = None,
    *, retention_days: int | None,
) -> str:  # fmt: skip
    """A segment's thumbnail, in its segment's class (None: a segment from before classes)."""
    return build_key(KeyKind.THUMBNAIL, site, camera, start, retention_days=retention_days,
                     variant=variant)  # fmt: skip


def build_rendition_key(
    site: str, camera: str, start: datetime, profile: str, variant: str | None = None
) -> str:
    return build_key(KeyKind.RENDITION, site, camera, start, retention_days=None,
                     profile=profile, variant=variant)  # fmt: skip


def build_quarantine_key(key: str, variant: str | None = None) -> str:
    """The quarantine twin of any segment or rendition key (its variant and class
    kept, unless ``variant`` names one; a rendition's twin has no class)."""
    parsed = parse_key(key)
    return build_key(
        KeyKind.QUARANTINE, parsed.site, parsed.camera, parsed.start,
        retention_days=parsed.retention_days, extension=parsed.extension,
        variant=variant or parsed.variant,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class SpriteTile:
    """Where a segment's thumbnail goes: tile ``index`` of the sprite at ``key``."""

    key: str
    index: int
    window_start: datetime


def sprite_window_start(start: datetime) -> datetime:
    """The start of the :data:`SPRITE_WINDOW` (UTC, aligned on the hour) holding ``start``."""
    utc = _as_utc(start).replace(microsecond=0)
    window = int(SPRITE_WINDOW.total_seconds())
    into = (utc.minute * 60 + utc.second) % window
    return utc - timedelta(seconds=into)


def build_sprite_key(site: str, camera: str, window_start: datetime, *, retention_days: int) -> str:
    """The sprite of one camera's :data:`SPRITE_WINDOW` starting at ``window_start``."""
    return build_key(KeyKind.THUMBNAIL, site, camera, window_start,
                     retention_days=retention_days, profile=SPRITE)  # fmt: skip


def sprite_tile(site: str, camera: str, start: datetime, *, retention_days: int) -> SpriteTile:
    """The sprite and tile of the segment starting at ``start``: tile ``i`` holds the
    segments that start in seconds ``[60 i, 60 (i + 1))`` of the window (the first
    one of them, by convention of the sprite maker, when several do)."""
    window = sprite_window_start(start)
    index = int((_as_utc(start) - window).total_seconds()) // SPRITE_TILE_SECONDS
    key = build_sprite_key(site, camera, window, retention_days=retention_days)
    return SpriteTile(key, index, window)


def parse_sprite_key(key: str) -> ParsedKey:
    """Inverse of :func:`build_sprite_key`; raises KeyFormatError on any other key."""
    parsed = parse_key(key)
    if not parsed.is_sprite:
        raise KeyFormatError(f"not a sprite key: {key!r}")
    return parsed


def parse_key(key: str) -> ParsedKey:
    """Inverse of :func:`build_key` (legacy keys without a class included: their
    ``retention_days`` is None); raises KeyFormatError on anything else."""
    match = _KEY_RE.match(key)
    if not match:
        raise KeyFormatError(f"not a footage key: {key!r}")
    start = parse_stamp(match["stamp"])
    camera = match["camera"]
    if match["fcamera"] != camera or f"{start:%Y/%m/%d}" != "/".join(
        (match["y"], match["m"], match["d"])
    ):
        raise KeyFormatError(f"inconsistent footage key: {key!r}")
    days = int(match["retention"]) if match["retention"] else None
    parsed = ParsedKey(KeyKind(match["kind"]), match["site"], camera, start, match["ext"],
                       match["profile"], match["variant"], days)  # fmt: skip
    try:
        rebuilt = build_key(
            parsed.kind, parsed.site, camera, start, retention_days=days,
            extension=parsed.extension, profile=parsed.profile, variant=parsed.variant,
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


#: Signed chain manifests (footage.manifest): one per site per 10 minutes, with its
#: detached signature (``.sig``) and, where a TSA is configured, its RFC 3161 token
#: (``.tsr``)::
#:
#:     manifests/retention=<days>/<site>/<YYYY>/<MM>/<DD>/<site>_<stamp>.json
#:
#: ``<days>`` is the longest retention of the site's cameras when it was written
#: (a manifest outlives every segment it covers); ``<stamp>`` its ``issued_at``.
MANIFESTS_PREFIX = "manifests/"
MANIFEST_EXTENSIONS = ("json", "sig", "tsr")
MANIFEST_BODY, MANIFEST_SIGNATURE, MANIFEST_TOKEN = MANIFEST_EXTENSIONS
_MANIFEST_RE = re.compile(
    r"^manifests/retention=(?P<retention>[1-9][0-9]{0,4})/(?P<site>[^/]+)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/(?P<fsite>[^/]+)_(?P<stamp>\d{8}T\d{6}Z)"
    r"\.(?P<ext>json|sig|tsr)$"
)


@dataclass(frozen=True, slots=True)
class ManifestKey:
    site: str
    issued_at: datetime
    retention_days: int
    extension: str = "json"


def announcement_filter(segment_events: bool) -> tuple[str, str]:
    """The key filter (prefix, suffix) of the bucket notification that feeds ingest:
    every segment upload, or each site manifest's signature (written after its
    ``.json``: the manifest is whole when it is announced)."""
    return (f"{KeyKind.SEGMENT}/", "") if segment_events else (
        MANIFESTS_PREFIX, f".{MANIFEST_SIGNATURE}")  # fmt: skip


def build_manifest_site_prefix(site: str, retention_days: int) -> str:
    """Every manifest of ``site`` in one class starts with this (edge IAM)."""
    return f"{MANIFESTS_PREFIX}{_CLASS_LABEL}{validate_retention_days(retention_days)}/" + (
        f"{validate_id(site, 'site')}/"
    )


def build_manifest_day_prefix(site: str, day: date, *, retention_days: int) -> str:
    """Every manifest of ``site`` issued on one UTC day, in one class."""
    return f"{build_manifest_site_prefix(site, retention_days)}{day:%Y/%m/%d}/"


def build_manifest_key(
    site: str, issued_at: datetime, *, retention_days: int, extension: str = "json"
) -> str:
    """The manifest (``json``), its signature (``sig``) or its time-stamp token (``tsr``)."""
    if extension not in MANIFEST_EXTENSIONS:
        raise KeyFormatError(f"a manifest file is one of {MANIFEST_EXTENSIONS}: {extension!r}")
    moment = _as_utc(issued_at)
    prefix = build_manifest_day_prefix(site, moment.date(), retention_days=retention_days)
    return f"{prefix}{site}_{format_stamp(moment)}.{extension}"


def parse_manifest_key(key: str) -> ManifestKey:
    """Inverse of :func:`build_manifest_key`; raises KeyFormatError on any other key."""
    match = _MANIFEST_RE.match(key)
    if not match or match["site"] != match["fsite"]:
        raise KeyFormatError(f"not a manifest key: {key!r}")
    parsed = ManifestKey(match["site"], parse_stamp(match["stamp"]), int(match["retention"]),
                         match["ext"])  # fmt: skip
    try:
        rebuilt = build_manifest_key(parsed.site, parsed.issued_at, extension=parsed.extension,
                                     retention_days=parsed.retention_days)  # fmt: skip
    except KeyFormatError as exc:
        raise KeyFormatError(f"not a manifest key: {key!r} ({exc})") from exc
    if rebuilt != key:
        raise KeyFormatError(f"not a canonical manifest key: {key!r}")
    return parsed


def chain_object_name(key: str) -> str:
    """A segment key as chain records name it: no retention class, no evidence prefix
    (``segments/<site>/<camera>/<YYYY>/<MM>/<DD>/<camera>_<stamp>[-<variant>].<ext>``)."""
    parsed = parse_evidence_key(key) if key.startswith(EVIDENCE_PREFIX) else parse_key(key)
    if parsed.kind is not KeyKind.SEGMENT:
        raise KeyFormatError(f"chain records name segments only: {key!r}")
    return build_key(
        parsed.kind, parsed.site, parsed.camera, parsed.start, retention_days=None,
        extension=parsed.extension, profile=parsed.profile, variant=parsed.variant,
    )  # fmt: skip
