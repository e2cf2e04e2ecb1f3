// Export panel (on the playback page): cut a clip of up to 2 h, follow the job,
// then offer the MP4 (named in site time by the server) and its JSON sidecar for
// download. What the range lacks is said before the export (the API's coverage
// of the range) and after (the job's missing parts): gaps are not padded.
import { ApiError, api, errorMessage, type Camera, type ExportJob, type Gap } from "../api";
import { h, showMessage } from "../dom";
import { formatBytes, formatDuration } from "../format";
import { onLangChange, t } from "../i18n";
import { createTimeField, validateFields } from "./datetime-input";
import { createGapNotes, notesFromGaps } from "./gap-notes";
import { HOUR, rangeFromLocalInputs, toIso, zoneAbbr, type TimeRange } from "../time";

export const MAX_EXPORT_MS = 2 * HOUR;
const POLL_MS = 1000;
/** The coverage of the range is asked for once the times rest this long. */
const CHECK_DELAY_MS = 300;

/** "<name>.json" for "<name>.mp4": the sidecar is saved beside the clip. */
export function sidecarFileName(clip: string): string {
  return `${clip.replace(/\.mp4$/i, "")}.json`;
}

const seconds = (gaps: readonly Gap[]): number =>
  gaps.reduce((sum, gap) => sum + (Date.parse(gap.end) - Date.parse(gap.start)), 0);

/** The default export: the playback range, cut to the maximum export length. */
export function defaultExportRange(playback: TimeRange): TimeRange {
  return { start: playback.start, end: Math.min(playback.end, playback.start + MAX_EXPORT_MS) };
}

const finished = (job: ExportJob): boolean => job.status === "done" || job.status === "failed";

export interface ExportPanel {
  readonly element: HTMLElement;
  /** The camera and playback range the panel exports from (null: nothing loaded). */
  setSource(camera: Camera | null, range: TimeRange | null): void;
  destroy(): void;
}

/** `getDate` gives the playback page's date (its field's text, day first) the times are read on. */
export function createExportPanel(getDate: () => string): ExportPanel {
  let camera: Camera | null = null;
  let job: ExportJob | null = null;
  /** Whether the missing parts shown are the job's (after an export) or the range's. */
  let afterExport = false;
  let pollTimer: number | undefined;
  let polling = 0;
  let checkTimer: number | undefined;
  let checking = 0;
  /** What the range lacks, as the API said before the export (null: not known). */
  let coverage: { missing: Gap[]; missingMs: number; totalMs: number; coveredMs: number } | null = null;

  const [startField, endField] = [createTimeField("export-start"), createTimeField("export-end")];
  const [startInput, endInput] = [startField.input, endField.input];
  const zone = h("span", { class: "tz-abbr" });
  const button = h("button", { id: "export", type: "button", class: "primary", i18n: "export.button" });
  const progress = h("progress", { id: "export-progress", max: 1, value: 0, hidden: true });
  const status = h("p", { id: "export-status", role: "status" });
  const error = h("p", { id: "export-error", class: "message error", role: "alert", hidden: true });
  const download = h("div", { class: "export-download" });
  const coverageText = h("p", { id: "export-coverage", class: "hint", role: "status" });
  const missingList = createGapNotes("export-missing", null);
  const element = h(
    "section",
    { id: "export-panel", class: "export-panel" },
    h("h2", { i18n: "export.title" }),
    h(
      "div",
      { class: "row" },
      h("label", {}, h("span", { i18n: "export.start" }), startField.element),
      h("label", {}, h("span", { i18n: "export.end" }), endField.element),
      zone,
      button,
    ),
    h("p", { class: "hint", i18n: "export.hint" }),
    coverageText,
    missingList.element,
    progress,
    status,
    error,
    download,
  );

  function stopPolling(): void {
    polling++;
    window.clearTimeout(pollTimer);
  }

  /** Before an export: the range's coverage; after: what the job says is not in the file. */
  function renderMissing(): void {
    const tz = camera?.timezone ?? "UTC";
    if (job && afterExport) {
      const missing = job.missing ?? [];
      const missingMs = (job.missing_s ?? seconds(missing) / 1000) * 1000;
      coverageText.textContent = missing.length ? t("export.missingAfter", { missing: formatDuration(missingMs) }) : "";
      missingList.set(notesFromGaps(missing), tz);
      return;
    }
    if (!coverage) {
      missingList.set([], tz);
      return;
    }
    if (coverage.coveredMs <= 0) coverageText.textContent = t("export.nothingCovered");
    else if (!coverage.missing.length) coverageText.textContent = t("export.complete");
    else {
      coverageText.textContent = t("export.missingBefore", {
        missing: formatDuration(coverage.missingMs),
        total: formatDuration(coverage.totalMs),
      });
    }
    missingList.set(notesFromGaps(coverage.missing), tz);
  }

  /** The range the fields say now, if valid. */
  function currentRange(): TimeRange | null {
    if (!camera) return null;
    const range = rangeFromLocalInputs(getDate(), startInput.value, endInput.value, camera.timezone);
    return range && range.end - range.start <= MAX_EXPORT_MS ? range : null;
  }

  async function checkCoverage(generation: number): Promise<void> {
    const range = currentRange();
    if (!camera || !range) return;
    coverageText.textContent = t("export.checking");
    try {
      const found = await api.coverage(camera.id, toIso(range.start), toIso(range.end));
      if (generation !== checking) return;
      coverage = {
        missing: found.missing,
        missingMs: found.missing_s * 1000,
        coveredMs: found.covered_s * 1000,
        totalMs: range.end - range.start,
      };
    } catch {
      if (generation !== checking) return;
      coverage = null;
      coverageText.textContent = "";
    }
    renderMissing();
  }

  /** Ask the API what the range covers once the fields rest (a finished job's link stays). */
  function scheduleCheck(): void {
    const generation = ++checking;
    window.clearTimeout(checkTimer);
    if (job && !finished(job)) return;
    afterExport = false;
    coverage = null;
    coverageText.textContent = "";
    renderMissing();
    checkTimer = window.setTimeout(() => void checkCoverage(generation), CHECK_DELAY_MS);
  }

  function renderJob(): void {
    renderMissing();
    if (!job || !camera) {
      status.textContent = "";
      download.replaceChildren();
      return;
    }
    progress.hidden = false;
    progress.value = job.status === "done" ? 1 : Math.min(1, Math.max(0, job.progress));
    switch (job.status) {
      case "queued":
        status.textContent = t("export.queued");
        break;
      case "running":
        status.textContent = t("export.running", { percent: Math.round(job.progress * 100) });
        break;
      case "failed":
        status.textContent = t("export.failed", { detail: job.error ?? t("error.noDetail") });
        break;
      case "done":
        status.textContent = t("export.done");
        break;
    }
    if (job.status !== "done" || !job.download_url) {
      download.replaceChildren();
      return;
    }
    const details = [
      job.size_bytes !== null ? formatBytes(job.size_bytes) : "",
      job.duration_s !== null ? formatDuration(job.duration_s * 1000) : "",
    ].filter(Boolean);
    download.replaceChildren(
      h(
        "a",
        {
          id: "export-download",
          class: "button primary",
          href: job.download_url,
          download: job.file_name ?? "",
          rel: "noopener",
        },
        t("export.download"),
        details.length ? ` (${details.join(", ")})` : "",
      ),
      ...(job.sidecar_url
        ? [
            h(
              "a",
              {
                id: "export-sidecar",
                class: "button",
                href: job.sidecar_url,
                download: sidecarFileName(job.file_name ?? "export.mp4"),
                rel: "noopener",
              },
              t("export.sidecar"),
            ),
          ]
        : []),
    );
  }

  async function poll(id: string, generation: number): Promise<void> {
    try {
      const next = await api.exportJob(id);
      if (generation !== polling) return;
      job = next;
      showMessage(error, "");
      renderJob();
      if (finished(next)) {
        button.disabled = false;
        return;
      }
    } catch (e) {
      if (generation !== polling) return;
      showMessage(error, errorMessage(e));
      const transient = e instanceof ApiError && (e.status === 0 || e.status >= 500);
      if (!transient) {
        button.disabled = false;
        return;
      }
    }
    pollTimer = window.setTimeout(() => void poll(id, generation), POLL_MS);
  }

  async function start(): Promise<void> {
    if (!camera || !validateFields([startField, endField])) return; // each field says why
    const range = rangeFromLocalInputs(getDate(), startInput.value, endInput.value, camera.timezone);
    if (!range) {
      showMessage(error, t("export.invalidRange"));
      return;
    }
    if (range.end - range.start > MAX_EXPORT_MS) {
      showMessage(error, t("export.tooLong", { max: formatDuration(MAX_EXPORT_MS) }));
      return;
    }
    stopPolling();
    checking++; // a coverage answer still on its way is for the range before
    window.clearTimeout(checkTimer);
    const generation = polling;
    showMessage(error, "");
    job = null;
    afterExport = true;
    renderJob();
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = t("export.submitting");
    try {
      const created = await api.createExport(camera.id, toIso(range.start), toIso(range.end));
      if (generation !== polling) return;
      job = created;
      renderJob();
      if (finished(created)) button.disabled = false;
      else pollTimer = window.setTimeout(() => void poll(created.id, generation), POLL_MS);
    } catch (e) {
      if (generation !== polling) return;
      button.disabled = false;
      progress.hidden = true;
      status.textContent = "";
      showMessage(error, errorMessage(e));
    }
  }

  button.addEventListener("click", () => void start());
  for (const input of [startInput, endInput]) input.addEventListener("input", scheduleCheck);
  const offLang = onLangChange(renderJob);

  return {
    element,
    setSource(nextCamera, range) {
      camera = nextCamera;
      button.disabled = !nextCamera || !range || (job !== null && !finished(job));
      zone.textContent = nextCamera ? zoneAbbr(nextCamera.timezone) : "";
      if (!nextCamera || !range) return;
      const clip = defaultExportRange(range);
      startField.show(clip.start, nextCamera.timezone);
      endField.show(clip.end, nextCamera.timezone);
      scheduleCheck();
    },
    destroy() {
      stopPolling();
      checking++;
      window.clearTimeout(checkTimer);
      missingList.destroy();
      offLang();
      startField.destroy();
      endField.destroy();
    },
  };
}
