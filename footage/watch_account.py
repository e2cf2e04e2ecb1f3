"""The account of an NVR drop folder: what became of every file dropped into it.

Each file is ``waiting`` (still being written, or incomplete), ``ingested``
(taken into the spool; its source is deleted once the stored copy is
verified), a ``duplicate`` of a file already taken, ``quarantined`` (left where
it is, with the reason), ``salvaged`` (it never finished: what decodes was
taken, the source is kept) or ``removed`` (gone from the folder before it was
taken). Reasons are codes with parameters, shown to people in Indonesian and
English (the web viewer has the same texts in web/src/messages-*.ts); the tools' own
words stay in ``detail``, for administrators.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict


class FileOutcome(StrEnum):
    WAITING = "waiting"
    INGESTED = "ingested"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    SALVAGED = "salvaged"
    REMOVED = "removed"


class DropReason(StrEnum):
    WRITING = "writing"
    INCOMPLETE = "incomplete"
    EARLIER_UPLOADING = "earlier_uploading"
    EMPTY = "empty"
    ZERO_DURATION = "zero_duration"
    NOT_VIDEO = "not_video"
    UNREADABLE = "unreadable"
    TRUNCATED = "truncated"
    CANNOT_CONVERT = "cannot_convert"
    DUPLICATE = "duplicate"
    TRANSCODED = "transcoded"
    SALVAGED = "salvaged"
    NEW_VERSION = "new_version"
    REMOVED = "removed"


#: (Indonesian, English); ``{name}`` placeholders come from the reason's parameters.
REASON_TEXTS: dict[DropReason, tuple[str, str]] = {
    DropReason.WRITING: ("masih ditulis", "still being written"),
    DropReason.INCOMPLETE: (
        "belum lengkap, menunggu sisa berkas",
        "incomplete, waiting for the rest of the file",
    ),
    DropReason.EARLIER_UPLOADING: (
        "menunggu unggahan versi sebelumnya",
        "waiting for the earlier version to be uploaded",
    ),
    DropReason.EMPTY: ("berkas kosong", "file is empty"),
    DropReason.ZERO_DURATION: ("durasi nol", "zero duration"),
    DropReason.NOT_VIDEO: ("bukan video", "not a video file"),
    DropReason.UNREADABLE: ("berkas rusak, tidak terbaca", "file is damaged and cannot be read"),
    DropReason.TRUNCATED: (
        "berkas terpotong, tidak ada yang dapat diputar",
        "file is truncated, nothing in it plays",
    ),
    DropReason.CANNOT_CONVERT: ("tidak dapat dikonversi", "cannot be converted"),
    DropReason.DUPLICATE: ("duplikat dari {earlier}", "duplicate of {earlier}"),
    DropReason.TRANSCODED: (
        "ditranskode dari {codec}; berkas asli disimpan di {key}",
        "transcoded from {codec}; original kept at {key}",
    ),
    DropReason.SALVAGED: (
        "berkas terpotong: {kept} dari {stated} detik diambil; berkas sumber tidak dihapus",
        "file is truncated: {kept} of {stated} s taken; the source is not deleted",
    ),
    DropReason.NEW_VERSION: (
        "versi baru dari berkas yang bertambah; versi sebelumnya ditandai diganti",
        "new version of a file that grew; the earlier version is marked replaced",
    ),
    DropReason.REMOVED: (
        "dihapus dari folder sebelum diambil",
        "removed from the folder before it was taken",
    ),
}

#: Old codecs the edge transcodes to H.264, by their names for people.
CODEC_NAMES = {
    "mpeg4": "MPEG-4 Part 2",
    "mjpeg": "MJPEG",
    "msmpeg4v3": "MS MPEG-4 v3 (DivX 3)",
    "msmpeg4v2": "MS MPEG-4 v2",
    "h263": "H.263",
    "mpeg2video": "MPEG-2",
    "mpeg1video": "MPEG-1",
}


def codec_name(codec: str) -> str:
    return CODEC_NAMES.get(codec, codec)


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def reason_text(code: DropReason, params: dict[str, str] | None = None) -> str:
    """``"berkas kosong / file is empty"``: both languages, for logs and the CLI."""
    indonesian, english = REASON_TEXTS[code]
    values = _Params(params or {})
    return f"{indonesian.format_map(values)} / {english.format_map(values)}"


class WatchedFileReport(BaseModel):
    model_config = ConfigDict(extra="ignore")  # newer edges may add fields

    name: str  # relative to the folder
    outcome: str  # FileOutcome
    reason_code: str | None = None  # DropReason
    reason_params: dict[str, str] = {}
    reason: str | None = None  # both languages
    detail: str | None = None  # the tools' words, for administrators
    size: int = 0
    updated_at: AwareDatetime | None = None


class WatchFolderReport(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: str
    camera: str
    site: str
    counts: dict[str, int] = {}  # FileOutcome -> files
    files: list[WatchedFileReport] = []  # waiting ones, then the latest with a reason
