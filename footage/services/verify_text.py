"""What ``vms verify`` says, in Indonesian or English: one line per problem
(naming the file, segment or record), then the notes, then the verdict."""

from __future__ import annotations

from collections.abc import Mapping

from footage.services.verify_checks import Problem, Report

LANGUAGES = ("id", "en")

#: code -> (Indonesian, English); ``{s}`` is the subject
_TEXTS: Mapping[str, tuple[str, str]] = {
    "package_unreadable": ("Paket tidak dapat dibaca: {s}", "The package cannot be read: {s}"),
    "sums_unreadable": ("SHA256SUMS hilang atau rusak", "SHA256SUMS is missing or damaged"),
    "statement_unreadable": ("statement.json hilang, diubah, atau rusak",
                             "statement.json is missing, altered or damaged"),
    "file_missing": ("Berkas {s} hilang dari paket", "File {s} is missing from the package"),
    "file_altered": ("Berkas {s} telah diubah (SHA-256 tidak cocok dengan SHA256SUMS)",
                     "File {s} was altered (its SHA-256 does not match SHA256SUMS)"),
    "file_unlisted": ("Berkas {s} ditambahkan ke paket (tidak ada di SHA256SUMS)",
                      "File {s} was added to the package (not in SHA256SUMS)"),
    "signature_missing": ("Manifes {s} tidak bertanda tangan", "Manifest {s} has no signature"),
    "bad_signature": ("Tanda tangan manifes {s} tidak sah", "The signature of manifest {s} fails"),
    "manifest_unreadable": ("Manifes {s} rusak atau diubah", "Manifest {s} is damaged or edited"),
    "manifest_chain": ("Rantai manifes terputus: {s}", "The manifest chain is broken: {s}"),
    "no_manifest": ("Tidak ada manifes bertanda tangan untuk kamera {s}",
                    "No signed manifest lists camera {s}"),
    "key_not_registered": ("Kunci {s} dalam paket TIDAK sama dengan kunci terdaftar di konfigurasi",
                           "Key {s} in the package is NOT the key registered in the config"),
    "key_registered": ("Kunci {s} sama dengan kunci terdaftar di konfigurasi",
                       "Key {s} matches the key registered in the config"),
    "chain_altered": ("Catatan {s} telah diubah", "Record {s} was altered"),
    "chain_missing": ("Catatan hilang dari rantai sebelum {s}", "Records are missing before {s}"),
    "chain_inserted": ("Catatan {s} disisipkan", "Record {s} was inserted"),
    "chain_reordered": ("Catatan {s} tidak berurutan", "Record {s} is out of order"),
    "chain_broken_prev": ("Rantai terputus di {s}", "The chain is broken at {s}"),
    "chain_forked": ("Rantai bercabang di {s}", "The chain forks at {s}"),
    "chain_restarted": ("Rantai baru dimulai di {s} (perangkat lokasi diganti)",
                        "A new chain began at {s} (the site's box was replaced)"),
    "segment_altered": ("Segmen {s} telah diubah (SHA-256 berbeda dari catatan bertanda tangan)",
                        "Segment {s} was altered (its SHA-256 differs from its signed record)"),
    "segment_missing": ("Segmen {s} telah dihapus (tercatat tetapi tidak ada)",
                        "Segment {s} was deleted (recorded but not there)"),
    "segment_inserted": ("Segmen {s} palsu atau disisipkan (tidak tercatat di rantai)",
                         "Segment {s} is forged or inserted (no chain record lists it)"),
    "segment_reordered": ("Segmen {s} berisi rekaman segmen lain (ditukar)",
                          "Segment {s} holds another segment's recording (swapped)"),
    "clip_unreadable": ("Klip {s} tidak dapat dibaca", "The clip {s} cannot be read"),
    "clip_foreign_frames": ("Klip {s} berisi gambar yang tidak berasal dari segmen asli",
                            "The clip {s} holds frames that do not come from the segments"),
    "honest_gap": ("Celah jujur (kamera offline, tercatat): {s}",
                   "Honest gap (camera offline, recorded): {s}"),
    "honest_dropped": ("Segmen hilang di lokasi (tercatat): {s}",
                       "Segment lost at the site (recorded): {s}"),
    "no_record": ("Tanpa rekaman dan tanpa catatan (rantai utuh): {s}",
                  "No footage and no record (the chain is whole): {s}"),
    "timestamp_token": ("Cap waktu RFC 3161 ada: {s}", "RFC 3161 time-stamp token present: {s}"),
    "timestamp_verified": ("Cap waktu RFC 3161 manifes {s} sah",
                           "The RFC 3161 time-stamp of manifest {s} verifies"),
    "timestamp_absent": ("Manifes {s} tanpa cap waktu (belum ada saat paket dibuat)",
                         "Manifest {s} has no time-stamp (none yet when packaged)"),
    "timestamp_invalid": ("Cap waktu {s} TIDAK sah", "The time-stamp {s} does NOT verify"),
    "timestamp_none": ("Tidak ada cap waktu RFC 3161 di paket ({s} manifes), padahal --tsa-ca"
                       " diberikan", "No RFC 3161 time-stamp in the package ({s} manifests),"
                       " yet --tsa-ca was given"),
}  # fmt: skip
_VERDICT = {
    "id": ("TERVERIFIKASI: semua pemeriksaan lolos", "GAGAL: {n} masalah"),
    "en": ("VERIFIED: every check passed", "FAILED: {n} problems"),
}
_NOTES = {"id": "Catatan:", "en": "Notes:"}


def language(requested: str | None, env_lang: str | None) -> str:
    """``--lang`` if given, else the environment's LANG (``id_ID.UTF-8`` -> id;
    ``en_*`` -> en), else Indonesian."""
    if requested in LANGUAGES:
        return requested
    prefix = (env_lang or "")[:2].lower()
    return prefix if prefix in LANGUAGES else "id"


def line(problem: Problem, lang: str) -> str:
    template = _TEXTS[problem.code][LANGUAGES.index(lang)]
    text = template.format(s=problem.subject)
    return f"{text} ({problem.detail})" if problem.detail else text


def render(report: Report, lang: str) -> list[str]:
    lines = [f"- {line(p, lang)}" for p in report.problems]
    if report.notes:
        lines += [_NOTES[lang], *(f"  {line(n, lang)}" for n in report.notes)]
    counts = ", ".join(f"{k}={v}" for k, v in sorted(report.counts.items()))
    good, bad = _VERDICT[lang]
    verdict = good if report.ok else bad.format(n=len(report.problems))
    return [*lines, f"{verdict} [{counts}]"]
