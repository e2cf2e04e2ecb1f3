"""What an alert says, in Indonesian or English, with the site's own clock.

Texts are data: one template per rule and event per language, filled from the
condition's facts plus ``site``, ``camera`` and ``time`` (site-local, WIB/WITA/WIT).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from footage.alerts.models import Event, Rule
from footage.localtime import format_site_time
from footage.notify.base import Language

_Texts = dict[tuple[Rule, Event], str]

_ID: _Texts = {
    (Rule.CAMERA_OFFLINE, Event.OPEN): "Kamera {camera} di {site} mati sejak {since}.",
    (Rule.CAMERA_OFFLINE, Event.CLEAR): "Kamera {camera} di {site} merekam lagi ({time}).",
    (Rule.SITE_DOWN, Event.OPEN): "Semua {cameras} kamera di {site} mati sejak {since}.",
    (Rule.SITE_DOWN, Event.CLEAR): "Kamera di {site} merekam lagi ({time}).",
    (Rule.TAMPERING, Event.OPEN): "Gangguan kamera {camera} di {site}: {what} (sejak {since}).",
    (Rule.TAMPERING, Event.CLEAR): "Gambar kamera {camera} di {site} normal lagi ({time}).",
    (Rule.SITE_SILENT, Event.OPEN): "{site} tidak melapor sejak {since}.",
    (Rule.SITE_SILENT, Event.CLEAR): "{site} melapor lagi ({time}).",
    (Rule.UPLOAD_BACKLOG, Event.OPEN): "Antrean unggah {site} tertinggal: {detail}.",
    (Rule.UPLOAD_BACKLOG, Event.CLEAR): "Antrean unggah {site} normal lagi ({time}).",
    (Rule.SPOOL_FULL, Event.OPEN): "Disk rekaman {site} terisi {percent}% ({time}).",
    (Rule.SPOOL_FULL, Event.CLEAR): "Disk rekaman {site} normal lagi ({time}).",
    (Rule.FOOTAGE_DROPPED, Event.NOTE): "{site}: {count} rekaman dibuang karena disk penuh.",
    (Rule.RECORDING_GAP, Event.OPEN): "Rekaman {camera} di {site} terputus {minutes} menit"
    " dalam 24 jam terakhir.",
    (Rule.RECORDING_GAP, Event.CLEAR): "Rekaman {camera} di {site} lengkap lagi ({time}).",
    (Rule.QUARANTINE, Event.NOTE): "{site}: {count} berkas dikarantina saat ingest.",
    (Rule.DRILL_FAILED, Event.NOTE): "Uji pemulihan gagal untuk {count} rekaman ({time}).",
    (Rule.FAILED_LOGINS, Event.OPEN): "{count} kali gagal masuk untuk pengguna {user} ({time}).",
    (Rule.FAILED_LOGINS, Event.CLEAR): "Percobaan masuk gagal untuk {user} berhenti ({time}).",
    (Rule.DIGEST, Event.NOTE): "Ringkasan harian {site}: {recorded} rekaman, {uploaded} terunggah,"
    " {waiting} antre, {dropped} dibuang, {quarantined} dikarantina.",
    (Rule.TEST, Event.NOTE): "Pesan uji dari cctv-vms ({time}). Saluran ini berfungsi.",
}
_EN: _Texts = {
    (Rule.CAMERA_OFFLINE, Event.OPEN): "Camera {camera} at {site} offline since {since}.",
    (Rule.CAMERA_OFFLINE, Event.CLEAR): "Camera {camera} at {site} is recording again ({time}).",
    (Rule.SITE_DOWN, Event.OPEN): "All {cameras} cameras at {site} offline since {since}.",
    (Rule.SITE_DOWN, Event.CLEAR): "Cameras at {site} are recording again ({time}).",
    (Rule.TAMPERING, Event.OPEN): "Camera {camera} at {site} tampered: {what} (since {since}).",
    (Rule.TAMPERING, Event.CLEAR): "Camera {camera} at {site}: picture normal again ({time}).",
    (Rule.SITE_SILENT, Event.OPEN): "{site} has not reported since {since}.",
    (Rule.SITE_SILENT, Event.CLEAR): "{site} is reporting again ({time}).",
    (Rule.UPLOAD_BACKLOG, Event.OPEN): "{site} upload backlog behind: {detail}.",
    (Rule.UPLOAD_BACKLOG, Event.CLEAR): "{site} upload backlog normal again ({time}).",
    (Rule.SPOOL_FULL, Event.OPEN): "{site} recording disk {percent}% full ({time}).",
    (Rule.SPOOL_FULL, Event.CLEAR): "{site} recording disk has room again ({time}).",
    (Rule.FOOTAGE_DROPPED, Event.NOTE): "{site}: {count} recordings dropped, disk full.",
    (Rule.RECORDING_GAP, Event.OPEN): "Camera {camera} at {site} missed {minutes} minutes"
    " of recording in the last 24 hours.",
    (Rule.RECORDING_GAP, Event.CLEAR): "Camera {camera} at {site} recording complete ({time}).",
    (Rule.QUARANTINE, Event.NOTE): "{site}: {count} files quarantined at ingest.",
    (Rule.DRILL_FAILED, Event.NOTE): "Restore drill failed for {count} recordings ({time}).",
    (Rule.FAILED_LOGINS, Event.OPEN): "{count} failed logins for user {user} ({time}).",
    (Rule.FAILED_LOGINS, Event.CLEAR): "Failed logins for {user} have stopped ({time}).",
    (
        Rule.DIGEST,
        Event.NOTE,
    ): "Daily digest for {site}: {recorded} recordings, {uploaded} uploaded,"
    " {waiting} waiting, {dropped} dropped, {quarantined} quarantined.",
    (Rule.TEST, Event.NOTE): "Test message from cctv-vms ({time}). This channel works.",
}
_TAMPER = {
    Language.ID: {"black": "gambar hitam", "frozen": "gambar membeku", "covered": "lensa tertutup",
                  "moved": "arah kamera berubah"},
    Language.EN: {"black": "picture black", "frozen": "picture frozen", "covered": "lens covered",
                  "moved": "camera moved"},
}  # fmt: skip
_SUBJECT = {Language.ID: "[CCTV] {site}: {first}", Language.EN: "[CCTV] {site}: {first}"}


class _Facts(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def render(rule: Rule, event: Event, language: Language, facts: Mapping[str, str], *,
           site: str, timezone: str, at: datetime,
           since: datetime | None = None) -> tuple[str, str]:  # fmt: skip
    """(subject, text) in ``language``; times on the site's clock (``timezone``)."""
    texts = _ID if language is Language.ID else _EN
    values = _Facts(facts)
    values.update(site=site, time=format_site_time(at, timezone),
                  since=format_site_time(since or at, timezone))  # fmt: skip
    values.setdefault("camera", "?")
    if "what" in facts:
        values["what"] = _TAMPER[language].get(facts["what"], facts["what"])
    text = texts[(rule, event)].format_map(values)
    first = text.split(":")[0] if rule is Rule.DIGEST else text.split(" (")[0]
    return _SUBJECT[language].format(site=site, first=first.rstrip(".")), text
