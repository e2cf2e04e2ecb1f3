// Indonesian (default) and English texts. Every visible string goes through t().

export type Lang = "id" | "en";

export const LANGS: readonly Lang[] = ["id", "en"];

const STORAGE_KEY = "vms.lang";

const id = {
  "app.title": "CCTV VMS",
  "app.retry": "Coba lagi",

  "nav.live": "Langsung",
  "nav.playback": "Rekaman",
  "nav.status": "Status",
  "nav.logout": "Keluar",
  "nav.switchLanguage": "Switch to English",

  "login.title": "Masuk",
  "login.username": "Nama pengguna",
  "login.password": "Kata sandi",
  "login.submit": "Masuk",
  "login.required": "Isi nama pengguna dan kata sandi.",
  "login.badCredentials": "Nama pengguna atau kata sandi salah.",
  "login.localDisabled": "Login lokal dinonaktifkan di server ini.",
  "login.sso": "Masuk dengan akun perusahaan",
  "login.ssoHint": "Anda akan diarahkan ke halaman masuk perusahaan.",
  "login.ssoFailed": "Gagal masuk: {detail}",

  "error.network": "Tidak dapat menghubungi server. Periksa koneksi Anda.",
  "error.unauthorized": "Sesi berakhir. Silakan masuk kembali.",
  "error.forbidden": "Akses ditolak: {detail}",
  "error.notFound": "Tidak ditemukan: {detail}",
  "error.invalid": "Permintaan tidak valid: {detail}",
  "error.tooManyRequests": "Terlalu banyak percobaan. Coba lagi nanti.",
  "error.tooManyRequestsRetry": "Terlalu banyak percobaan. Coba lagi dalam {seconds} detik.",
  "error.unavailable": "Layanan belum tersedia: {detail}",
  "error.http": "Kesalahan server ({status}): {detail}",
  "error.noDetail": "tanpa keterangan",

  "state.recording": "Merekam",
  "state.offline": "Offline",
  "state.disabled": "Nonaktif",
  "state.nvr": "Folder NVR",
  "state.stopped": "Berhenti",
  "state.starting": "Memulai",

  "reason.unreachable": "Kamera tidak terjangkau (jaringan atau daya kamera)",
  "reason.auth_failed": "Kamera menolak nama pengguna atau kata sandi",
  "reason.stream_not_found": "Alamat stream kamera salah",
  "reason.no_video": "Kamera tidak mengirim video",
  "reason.no_frames": "Kamera berhenti mengirim gambar",
  "reason.stream_ended": "Kamera memutus stream",
  "reason.disk_full": "Disk server lokasi penuh",
  "reason.upload_failing": "Unggahan ke penyimpanan gagal, dicoba ulang",
  "reason.no_uploads": "Tidak ada unggahan lebih dari 15 menit",
  "reason.edge_silent": "Server lokasi tidak melapor (mati atau jaringan putus)",
  "reason.not_running": "Perekam tidak berjalan",
  "reason.nvr_silent": "Tidak ada berkas baru dari NVR",
  "reason.no_recent_footage": "Tidak ada rekaman baru",
  "reason.error": "Kesalahan perekam",
  "reason.technical": "Detail teknis",

  "live.cameras": "Kamera",
  "live.layout": "Tata letak",
  "live.emptySlot": "Pilih kamera dari daftar",
  "live.fullSize": "Tampilkan satu kamera",
  "live.backToGrid": "Kembali ke grid",
  "live.reconnecting": "Menyambung ulang…",
  "live.cameraOffline": "{reason}. Mencoba lagi…",
  "live.nvrOnly": "Direkam oleh NVR: tidak ada tayangan langsung.",
  "live.unavailable": "Tayangan langsung tidak tersedia saat ini.",
  "live.noCameras": "Tidak ada kamera yang dapat Anda akses.",

  "playback.camera": "Kamera",
  "playback.date": "Tanggal",
  "playback.start": "Mulai",
  "playback.end": "Selesai",
  "playback.load": "Tampilkan",
  "playback.play": "Putar",
  "playback.pause": "Jeda",
  "playback.speed": "Kecepatan",
  "playback.loading": "Memuat rekaman…",
  "playback.noFootage": "Tidak ada rekaman pada rentang waktu ini.",
  "playback.noLaterRecording": "Tidak ada rekaman setelah waktu ini.",
  "playback.chooseCamera": "Pilih kamera terlebih dahulu.",
  "playback.invalidRange": "Tanggal atau jam tidak valid.",
  "playback.unknownCamera": "Kamera {camera} tidak ditemukan atau tidak dapat Anda akses.",
  "playback.noCameras": "Tidak ada kamera yang dapat Anda akses.",
  "playback.unsupported": "Browser ini tidak dapat memutar rekaman (Media Source Extensions tidak tersedia).",
  "playback.hevcUnsupported":
    "Rekaman ini berformat HEVC (H.265) yang tidak dapat diputar oleh browser ini. Gunakan Ekspor untuk mengunduh klipnya.",
  "playback.playerError": "Pemutaran gagal ({detail}).",
  "playback.ended": "Akhir rekaman pada rentang ini.",
  "playback.skipped": "Bagian {range} dilewati: {reason}.",
  "playback.gapsTitle": "Bagian tanpa rekaman yang dapat diputar",
  "playback.gapItem": "{range} ({duration}): {reason}",
  "playback.moreGaps": "… dan {n} bagian lain",

  "gap.no_recording": "tidak ada rekaman",
  "gap.unplayable": "rekaman tidak dapat diputar",
  "gap.overlap": "salinan tumpang tindih, disimpan terpisah",
  "gap.kept_apart": "salinan lain, disimpan terpisah",
  "gap.skipped": "tidak dapat diputar",

  "timeline.label": "Linimasa rekaman",
  "timeline.recorded": "Terekam {range}",
  "timeline.gap": "Tidak ada rekaman {range}",
  "timeline.gapReason": "{reason}: {range}",
  "timeline.skipped": "Dilewati, tidak dapat diputar {range}",

  "input.datePlaceholder": "hh/bb/tttt",
  "input.timePlaceholder": "jj:mm:dd",
  "input.required": "Wajib diisi.",
  "input.dateInvalid": "Tanggal tidak valid. Tulis hari/bulan/tahun, mis. {example}.",
  "input.timeInvalid": "Jam tidak valid. Tulis jam:menit:detik (24 jam), mis. {example}.",
  "input.time24h": "Gunakan format 24 jam, mis. {example}, bukan AM/PM.",

  "export.title": "Ekspor klip",
  "export.start": "Mulai",
  "export.end": "Selesai",
  "export.button": "Ekspor",
  "export.hint": "Maksimal 2 jam, pada tanggal yang dipilih di atas.",
  "export.invalidRange": "Jam ekspor tidak valid.",
  "export.tooLong": "Rentang ekspor maksimal {max}.",
  "export.submitting": "Mengirim permintaan…",
  "export.queued": "Dalam antrean…",
  "export.running": "Memproses… {percent}%",
  "export.done": "Selesai.",
  "export.failed": "Ekspor gagal: {detail}",
  "export.download": "Unduh MP4",
  "export.checking": "Memeriksa rekaman pada rentang ini…",
  "export.complete": "Seluruh rentang terekam.",
  "export.missingBefore": "{missing} dari {total} tanpa rekaman; berkas hanya berisi bagian yang terekam:",
  "export.missingAfter": "Tidak ada di berkas ({missing}):",
  "export.nothingCovered": "Tidak ada rekaman yang dapat diekspor pada rentang ini.",
  "export.sidecar": "Unduh keterangan (JSON)",

  "status.title": "Status sistem",
  "status.updated": "Diperbarui {when}",
  "status.adminOnly": "Halaman ini hanya untuk administrator.",
  "status.name": "Lokasi / kamera",
  "status.state": "Keadaan",
  "status.lastUpload": "Unggahan terakhir",
  "status.backlog": "Antrean unggah",
  "status.coverage": "Cakupan 24 jam",
  "status.live": "Siaran langsung",
  "status.watching": "{n} menonton",
  "live.state.idle": "Siaga",
  "live.state.starting": "Memulai",
  "live.state.live": "Tayang",
  "live.state.retrying": "Mencoba ulang",
  "status.stale": "Terlambat",
  "status.siteOk": "Normal",
  "status.backlogSegments": "{n} segmen",
  "status.backlogOldest": "tertua {when}",
  "status.uploadRate": "{rate} Mbit/s",
  "status.drainEta": "habis dalam {eta}",
  "status.compression": "kompresi {ratio}:1",
  "status.newestFootage": "rekaman terbaru {when}",
  "status.lastFile": "berkas terakhir {when}",
  "watch.title": "Folder NVR",
  "watch.file": "Berkas",
  "watch.outcome": "Hasil",
  "watch.reason": "Alasan",
  "watch.when": "Waktu",
  "watch.none": "Belum ada berkas",
  "watch.outcome.waiting": "menunggu",
  "watch.outcome.ingested": "diambil",
  "watch.outcome.duplicate": "duplikat",
  "watch.outcome.quarantined": "dikarantina",
  "watch.outcome.salvaged": "diselamatkan sebagian",
  "watch.outcome.removed": "hilang dari folder",
  "watch.reason.writing": "masih ditulis",
  "watch.reason.incomplete": "belum lengkap, menunggu sisa berkas",
  "watch.reason.earlier_uploading": "menunggu unggahan versi sebelumnya",
  "watch.reason.empty": "berkas kosong",
  "watch.reason.zero_duration": "durasi nol",
  "watch.reason.not_video": "bukan video",
  "watch.reason.unreadable": "berkas rusak, tidak terbaca",
  "watch.reason.truncated": "berkas terpotong, tidak ada yang dapat diputar",
  "watch.reason.cannot_convert": "tidak dapat dikonversi",
  "watch.reason.duplicate": "duplikat dari {earlier}",
  "watch.reason.transcoded": "ditranskode dari {codec}; berkas asli disimpan di {key}",
  "watch.reason.salvaged": "berkas terpotong: {kept} dari {stated} detik diambil; berkas sumber tidak dihapus",
  "watch.reason.new_version": "versi baru dari berkas yang bertambah; versi sebelumnya ditandai diganti",
  "watch.reason.removed": "dihapus dari folder sebelum diambil",

  "rel.now": "baru saja",
  "rel.seconds": "{n} detik lalu",
  "rel.minutes": "{n} menit lalu",
  "rel.hours": "{n} jam lalu",
  "rel.days": "{n} hari lalu",

  "dur.days": "{n} hari",
  "dur.hours": "{n} jam",
  "dur.minutes": "{n} mnt",
  "dur.seconds": "{n} dtk",
} as const;

export type MessageKey = keyof typeof id;

const en: Record<MessageKey, string> = {
  "app.title": "CCTV VMS",
  "app.retry": "Retry",

  "nav.live": "Live",
  "nav.playback": "Playback",
  "nav.status": "Status",
  "nav.logout": "Log out",
  "nav.switchLanguage": "Ganti ke Bahasa Indonesia",

  "login.title": "Log in",
  "login.username": "Username",
  "login.password": "Password",
  "login.submit": "Log in",
  "login.required": "Enter your username and password.",
  "login.badCredentials": "Wrong username or password.",
  "login.localDisabled": "Local login is disabled on this server.",
  "login.sso": "Log in with your company account",
  "login.ssoHint": "You will be redirected to the company sign-in page.",
  "login.ssoFailed": "Login failed: {detail}",

  "error.network": "Cannot reach the server. Check your connection.",
  "error.unauthorized": "Session expired. Please log in again.",
  "error.forbidden": "Access denied: {detail}",
  "error.notFound": "Not found: {detail}",
  "error.invalid": "Invalid request: {detail}",
  "error.tooManyRequests": "Too many attempts. Try again later.",
  "error.tooManyRequestsRetry": "Too many attempts. Try again in {seconds} seconds.",
  "error.unavailable": "Service not available yet: {detail}",
  "error.http": "Server error ({status}): {detail}",
  "error.noDetail": "no details",

  "state.recording": "Recording",
  "state.offline": "Offline",
  "state.disabled": "Disabled",
  "state.nvr": "NVR folder",
  "state.stopped": "Stopped",
  "state.starting": "Starting",

  "reason.unreachable": "Camera unreachable (network or camera power)",
  "reason.auth_failed": "The camera refused the username or password",
  "reason.stream_not_found": "Wrong stream address for the camera",
  "reason.no_video": "The camera sends no video",
  "reason.no_frames": "The camera stopped sending pictures",
  "reason.stream_ended": "The camera ended the stream",
  "reason.disk_full": "The site server's disk is full",
  "reason.upload_failing": "Uploads to storage are failing, retrying",
  "reason.no_uploads": "Nothing uploaded for over 15 minutes",
  "reason.edge_silent": "The site's server is not reporting (down or offline)",
  "reason.not_running": "The recorder is not running",
  "reason.nvr_silent": "No new files from the NVR",
  "reason.no_recent_footage": "No new recordings",
  "reason.error": "Recorder error",
  "reason.technical": "Technical details",

  "live.cameras": "Cameras",
  "live.layout": "Layout",
  "live.emptySlot": "Choose a camera from the list",
  "live.fullSize": "Show this camera only",
  "live.backToGrid": "Back to grid",
  "live.reconnecting": "Reconnecting…",
  "live.cameraOffline": "{reason}. Retrying…",
  "live.nvrOnly": "Recorded by an NVR: no live view.",
  "live.unavailable": "Live view is not available right now.",
  "live.noCameras": "There are no cameras you can access.",

  "playback.camera": "Camera",
  "playback.date": "Date",
  "playback.start": "Start",
  "playback.end": "End",
  "playback.load": "Show",
  "playback.play": "Play",
  "playback.pause": "Pause",
  "playback.speed": "Speed",
  "playback.loading": "Loading recordings…",
  "playback.noFootage": "No recordings in this time range.",
  "playback.noLaterRecording": "No recordings after this time.",
  "playback.chooseCamera": "Choose a camera first.",
  "playback.invalidRange": "Invalid date or time.",
  "playback.unknownCamera": "Camera {camera} was not found or you cannot access it.",
  "playback.noCameras": "There are no cameras you can access.",
  "playback.unsupported": "This browser cannot play recordings (no Media Source Extensions).",
  "playback.hevcUnsupported":
    "These recordings are HEVC (H.265), which this browser cannot play. Use Export to download the clip.",
  "playback.playerError": "Playback failed ({detail}).",
  "playback.ended": "End of the recordings in this range.",
  "playback.skipped": "Part {range} skipped: {reason}.",
  "playback.gapsTitle": "Parts without playable footage",
  "playback.gapItem": "{range} ({duration}): {reason}",
  "playback.moreGaps": "… and {n} more",

  "gap.no_recording": "no recording",
  "gap.unplayable": "recording cannot be played",
  "gap.overlap": "overlapping copy, kept apart",
  "gap.kept_apart": "another copy, kept apart",
  "gap.skipped": "cannot be played",

  "timeline.label": "Recording timeline",
  "timeline.recorded": "Recorded {range}",
  "timeline.gap": "No recording {range}",
  "timeline.gapReason": "{reason}: {range}",
  "timeline.skipped": "Skipped, cannot be played {range}",

  "input.datePlaceholder": "dd/mm/yyyy",
  "input.timePlaceholder": "hh:mm:ss",
  "input.required": "Required.",
  "input.dateInvalid": "Invalid date. Write day/month/year, e.g. {example}.",
  "input.timeInvalid": "Invalid time. Write hours:minutes:seconds (24-hour), e.g. {example}.",
  "input.time24h": "Use 24-hour time, e.g. {example}, not AM/PM.",

  "export.title": "Export clip",
  "export.start": "Start",
  "export.end": "End",
  "export.button": "Export",
  "export.hint": "Up to 2 hours, on the date chosen above.",
  "export.invalidRange": "Invalid export times.",
  "export.tooLong": "An export can be at most {max}.",
  "export.submitting": "Sending request…",
  "export.queued": "Queued…",
  "export.running": "Processing… {percent}%",
  "export.done": "Done.",
  "export.failed": "Export failed: {detail}",
  "export.download": "Download MP4",
  "export.checking": "Checking the recordings in this range…",
  "export.complete": "The whole range is recorded.",
  "export.missingBefore": "{missing} of {total} has no footage; the file holds only the recorded parts:",
  "export.missingAfter": "Not in the file ({missing}):",
  "export.nothingCovered": "There is no footage to export in this range.",
  "export.sidecar": "Download details (JSON)",

  "status.title": "System status",
  "status.updated": "Updated {when}",
  "status.adminOnly": "This page is for administrators only.",
  "status.name": "Site / camera",
  "status.state": "State",
  "status.lastUpload": "Last upload",
  "status.backlog": "Upload backlog",
  "status.coverage": "24 h coverage",
  "status.live": "Live",
  "status.watching": "{n} watching",
  "live.state.idle": "Idle",
  "live.state.starting": "Starting",
  "live.state.live": "On air",
  "live.state.retrying": "Retrying",
  "status.stale": "Stale",
  "status.siteOk": "OK",
  "status.backlogSegments": "{n} segments",
  "status.backlogOldest": "oldest {when}",
  "status.uploadRate": "{rate} Mbit/s",
  "status.drainEta": "empty in {eta}",
  "status.compression": "compression {ratio}:1",
  "status.newestFootage": "newest footage {when}",
  "status.lastFile": "last file {when}",
  "watch.title": "NVR folders",
  "watch.file": "File",
  "watch.outcome": "Outcome",
  "watch.reason": "Reason",
  "watch.when": "When",
  "watch.none": "No file yet",
  "watch.outcome.waiting": "waiting",
  "watch.outcome.ingested": "ingested",
  "watch.outcome.duplicate": "duplicate",
  "watch.outcome.quarantined": "quarantined",
  "watch.outcome.salvaged": "partly salvaged",
  "watch.outcome.removed": "gone from the folder",
  "watch.reason.writing": "still being written",
  "watch.reason.incomplete": "incomplete, waiting for the rest of the file",
  "watch.reason.earlier_uploading": "waiting for the earlier version to be uploaded",
  "watch.reason.empty": "file is empty",
  "watch.reason.zero_duration": "zero duration",
  "watch.reason.not_video": "not a video file",
  "watch.reason.unreadable": "file is damaged and cannot be read",
  "watch.reason.truncated": "file is truncated, nothing in it plays",
  "watch.reason.cannot_convert": "cannot be converted",
  "watch.reason.duplicate": "duplicate of {earlier}",
  "watch.reason.transcoded": "transcoded from {codec}; original kept at {key}",
  "watch.reason.salvaged": "file is truncated: {kept} of {stated} s taken; the source is not deleted",
  "watch.reason.new_version": "new version of a file that grew; the earlier version is marked replaced",
  "watch.reason.removed": "removed from the folder before it was taken",

  "rel.now": "just now",
  "rel.seconds": "{n} s ago",
  "rel.minutes": "{n} min ago",
  "rel.hours": "{n} h ago",
  "rel.days": "{n} d ago",

  "dur.days": "{n} d",
  "dur.hours": "{n} h",
  "dur.minutes": "{n} min",
  "dur.seconds": "{n} s",
};

export const dictionaries: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { id, en };

export const isLang = (value: unknown): value is Lang => (LANGS as readonly unknown[]).includes(value);

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

let current: Lang = ((): Lang => {
  const stored = storage()?.getItem(STORAGE_KEY);
  return isLang(stored) ? stored : "id";
})();

const listeners = new Set<(lang: Lang) => void>();

export function getLang(): Lang {
  return current;
}

/** BCP 47 tag for Intl formatting in the current language. */
export function locale(): string {
  return current === "id" ? "id-ID" : "en-GB";
}

/** Switch language: persisted, reflected in <html lang>, and announced to listeners. */
export function setLang(lang: Lang): void {
  current = lang;
  storage()?.setItem(STORAGE_KEY, lang);
  if (typeof document !== "undefined") document.documentElement.lang = lang;
  for (const listener of listeners) listener(lang);
}

/** Subscribe to language changes; returns the unsubscribe function. */
export function onLangChange(listener: (lang: Lang) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The text for a key in the current language, with {name} placeholders filled. */
export function t(key: MessageKey, vars?: Readonly<Record<string, string | number>>): string {
  const template = dictionaries[current][key];
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in vars ? String(vars[name]) : match,
  );
}
