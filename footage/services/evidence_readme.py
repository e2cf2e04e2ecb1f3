"""The READMEs of an evidence package: how a security officer checks it with
standard tools only (``sha256sum``, ``openssl``, ``grep``) or with ``vms verify``;
a package with RFC 3161 tokens also says how to check those (``openssl ts -verify``
with the TSA's CA, which the reader must get from their organisation).

Written from the package's contents, so every command names real files.
"""

from __future__ import annotations

from collections.abc import Mapping

from footage.coverage import GAP_TEXTS
from footage.localtime import format_site_time
from footage.services.evidence_package import PackageContents

_TEXT: Mapping[str, Mapping[str, str]] = {
    "id": {
        "title": "PAKET BUKTI - kamera {camera}, lokasi {site}",
        "range": "Rekaman dari {start} sampai {end} (UTC {ustart} sampai {uend}).",
        "who": "Diekspor oleh {user} pada {at}.",
        "contents": "Isi paket ini:\n"
        "- clip/: klip video untuk ditonton.\n"
        "- segments/: rekaman asli tempat klip dipotong, persis seperti disimpan.\n"
        "- manifests/: daftar rekaman yang ditandatangani perekam lokasi tiap 10 menit\n"
        "  (.sig: tanda tangan; .tsr: cap waktu dari pihak ketiga, bila ada).\n"
        "- keys/: kunci publik lokasi untuk memeriksa tanda tangan itu.\n"
        "- statement.json: keterangan di atas untuk mesin, dengan sidik jari tiap berkas.\n"
        "- SHA256SUMS: sidik jari (SHA-256) tiap berkas.",
        "missing": "Bagian yang tidak ada rekamannya:",
        "no_missing": "Seluruh rentang yang diminta ada rekamannya.",
        "how": "CARA MEMERIKSA (Linux, macOS, atau Windows dengan WSL/Git Bash).\n"
        "Ekstrak ZIP ini, lalu buka terminal di foldernya.",
        "step1": "Langkah 1. Tidak ada berkas yang diubah. Jalankan:\n"
        "    sha256sum -c SHA256SUMS\n"
        "Setiap baris harus berakhir dengan OK (macOS: shasum -a 256 -c SHA256SUMS).",
        "step2": "Langkah 2. Manifes ditandatangani oleh perekam lokasi. Untuk tiap manifes\n"
        'jalankan perintah di bawah; hasilnya harus "Signature Verified Successfully":',
        "step2key": "Cocokkan kunci dengan kunci yang didaftarkan organisasi Anda (base64 di\n"
        "konfigurasi, sites[].signing_keys):",
        "step3": "Langkah 3. Tiap rekaman asli tercatat di manifes yang ditandatangani.\n"
        "Tiap perintah harus menampilkan minimal satu nama manifes:",
        "step4": "Langkah 4. Semua sekaligus, termasuk bahwa tidak ada rekaman yang dibuang dari\n"
        "rantai dan bahwa gambar klip berasal dari rekaman asli:\n"
        "    vms verify {package}\n"
        'Hasil 0 ("TERVERIFIKASI") berarti semua pemeriksaan lolos; jika tidak, setiap\n'
        "masalah disebutkan dengan nama segmennya.",
        "step5": "Langkah 5 (cap waktu). Manifes bercap waktu dari otoritas cap waktu (TSA)\n"
        "pihak ketiga terbukti sudah ada pada waktu itu. Minta sertifikat CA TSA tersebut\n"
        "dari organisasi Anda (simpan sebagai tsa-ca.pem), lalu untuk tiap cap waktu jalankan\n"
        'perintah di bawah; hasilnya harus "Verification: OK":',
        "step5all": "Atau semuanya sekaligus: vms verify {package} --tsa-ca tsa-ca.pem",
        "note": "Catatan: SHA256SUMS ada di dalam paket, jadi langkah 1 saja tidak membuktikan\n"
        "apa-apa; langkah 2 dan 3 mengikatnya pada tanda tangan lokasi. Manifes memuat\n"
        "catatan kamera lain di lokasi yang sama (hanya waktu dan sidik jari, tanpa gambar),\n"
        "karena tanda tangan mencakup manifes utuh.",
    },
    "en": {
        "title": "EVIDENCE PACKAGE - camera {camera}, site {site}",
        "range": "Footage from {start} to {end} (UTC {ustart} to {uend}).",
        "who": "Exported by {user} at {at}.",
        "contents": "What is in this package:\n"
        "- clip/: the video clip to watch.\n"
        "- segments/: the original recordings the clip was cut from, exactly as stored.\n"
        "- manifests/: lists of recordings the site's recorder signed every 10 minutes\n"
        "  (.sig: the signature; .tsr: a third party's time-stamp, when there is one).\n"
        "- keys/: the site's public keys that check those signatures.\n"
        "- statement.json: the facts above for machines, with every file's fingerprint.\n"
        "- SHA256SUMS: the fingerprint (SHA-256) of every file.",
        "missing": "Parts of the range without footage:",
        "no_missing": "The whole requested range has footage.",
        "how": "HOW TO CHECK IT (Linux, macOS, or Windows with WSL/Git Bash).\n"
        "Unpack this ZIP and open a terminal in its folder.",
        "step1": "Step 1. No file was changed. Run:\n"
        "    sha256sum -c SHA256SUMS\n"
        "Every line must end in OK (macOS: shasum -a 256 -c SHA256SUMS).",
        "step2": "Step 2. The manifests were signed by the site's recorder. For each manifest\n"
        'run the command below; it must print "Signature Verified Successfully":',
        "step2key": "Compare each key with the one your organisation registered (the base64 in\n"
        "the configuration, sites[].signing_keys):",
        "step3": "Step 3. Every original recording is listed in a signed manifest.\n"
        "Each command must print at least one manifest name:",
        "step4": "Step 4. Everything at once, including that no recording was taken out of the\n"
        "chain and that the clip's pictures come from the original recordings:\n"
        "    vms verify {package}\n"
        'Exit code 0 ("VERIFIED") means every check passed; otherwise each problem is\n'
        "named with its segment.",
        "step5": "Step 5 (time-stamps). A manifest time-stamped by a third-party time-stamp\n"
        "authority (TSA) provably existed at that time. Get that TSA's CA certificate from\n"
        "your organisation (save it as tsa-ca.pem), then for each time-stamp run the command\n"
        'below; it must print "Verification: OK":',
        "step5all": "Or all at once: vms verify {package} --tsa-ca tsa-ca.pem",
        "note": "Note: SHA256SUMS is inside the package, so step 1 alone proves nothing; steps\n"
        "2 and 3 tie it to the site's signatures. The manifests also list the other cameras\n"
        "of the same site (times and fingerprints only, no pictures), because the\n"
        "signature covers each manifest whole.",
    },
}


def readme(contents: PackageContents, lang: str, package_name: str) -> bytes:
    """The README in ``lang`` (``id`` or ``en``)."""
    text, facts = _TEXT[lang], contents.facts
    tz = facts.timezone
    head = [
        text["title"].format(camera=facts.camera, site=facts.site),
        text["range"].format(start=format_site_time(facts.start, tz),
                             end=format_site_time(facts.end, tz),
                             ustart=f"{facts.start:%Y-%m-%d %H:%M:%S}",
                             uend=f"{facts.end:%Y-%m-%d %H:%M:%S}"),
        text["who"].format(user=facts.exported_by, at=format_site_time(facts.exported_at, tz)),
    ]  # fmt: skip
    parts = ["\n".join(head), text["contents"], _missing(contents, lang), text["how"]]
    parts += [text["step1"], _step2(contents, text), _step3(contents, text)]
    parts += [text["step4"].format(package=package_name)]
    if any(m.token is not None for m in contents.manifests):
        parts.append(_step5(contents, text, package_name))
    parts.append(text["note"])
    return ("\n\n".join(parts) + "\n").encode("utf-8")


def _missing(contents: PackageContents, lang: str) -> str:
    text, tz = _TEXT[lang], contents.facts.timezone
    if not contents.facts.missing:
        return text["no_missing"]
    index = 0 if lang == "id" else 1
    lines = [text["missing"]]
    for gap in contents.facts.missing:
        when = f"{format_site_time(gap.start, tz)} - {format_site_time(gap.end, tz)}"
        lines.append(f"- {when}: {GAP_TEXTS[gap.reason][index]}")
    return "\n".join(lines)


def _step2(contents: PackageContents, text: Mapping[str, str]) -> str:
    lines = [text["step2"]]
    for m in contents.manifests:
        lines.append(f"    openssl pkeyutl -verify -pubin -inkey keys/{m.key_id}.pem -rawin"
                     f" -in {m.file.name} -sigfile {m.signature.name}")  # fmt: skip
    lines += ["", text["step2key"]]
    for k in contents.keys:
        der = f"openssl pkey -pubin -in {k.file.name} -outform DER"
        lines.append(f"    {der} | tail -c 32 | base64")
    return "\n".join(lines)


def _step3(contents: PackageContents, text: Mapping[str, str]) -> str:
    lines = [text["step3"]]
    for s in contents.segments:
        lines.append(f"    grep -l {s.file.sha256} manifests/*.json   # {s.file.name}")
    return "\n".join(lines)


def _step5(contents: PackageContents, text: Mapping[str, str], package_name: str) -> str:
    """Only for a package with RFC 3161 tokens: openssl ts -verify per token."""
    lines = [text["step5"]]
    for m in contents.manifests:
        if m.token is not None:
            lines.append(f"    openssl ts -verify -data {m.file.name} -in {m.token.name}"
                         " -CAfile tsa-ca.pem")  # fmt: skip
    lines += ["", text["step5all"].format(package=package_name)]
    return "\n".join(lines)
