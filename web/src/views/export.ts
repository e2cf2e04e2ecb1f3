// Export panel (on the playback page): cut a clip of up to 2 h, follow the job,
// then offer the MP4 for download.
import { ApiError, api, errorMessage, type Camera, type ExportJob } from "../api";
import { h, showMessage } from "../dom";
import { formatBytes, formatDuration } from "../format";
import { onLangChange, t } from "../i18n";
import { createTimeField, validateFields } from "./datetime-input";
import {
  HOUR,
  compactDateTime,
  formatTime,
  parseIso,
  rangeFromLocalInputs,
  toIso,
  zoneAbbr,
  type TimeRange,
} from "../time";

export const MAX_EXPORT_MS = 2 * HOUR;
const POLL_MS = 1000;

/** "<camera>_<YYYYMMDD-HHMMSS>_<HHMMSS>.mp4" in the site's time. */
export function exportFileName(camera: string, range: TimeRange, tz: string): string {
  const safeCamera = camera.replace(/[^A-Za-z0-9_-]+/g, "-");
  return `${safeCamera}_${compactDateTime(range.start, tz)}_${formatTime(range.end, tz).replaceAll(":", "")}.mp4`;
}

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
  let requested: TimeRange | null = null;
  let pollTimer: number | undefined;
  let polling = 0;

  const [startField, endField] = [createTimeField("export-start"), createTimeField("export-end")];
  const [startInput, endInput] = [startField.input, endField.input];
  const zone = h("span", { class: "tz-abbr" });
  const button = h("button", { id: "export", type: "button", class: "primary", i18n: "export.button" });
  const progress = h("progress", { id: "export-progress", max: 1, value: 0, hidden: true });
  const status = h("p", { id: "export-status", role: "status" });
  const error = h("p", { id: "export-error", class: "message error", role: "alert", hidden: true });
  const download = h("div", { class: "export-download" });
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
    progress,
    status,
    error,
    download,
  );

  function stopPolling(): void {
    polling++;
    window.clearTimeout(pollTimer);
  }

  function renderJob(): void {
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
    const start = parseIso(job.start) ?? requested?.start ?? 0;
    const end = parseIso(job.end) ?? requested?.end ?? 0;
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
          download: exportFileName(job.camera, { start, end }, camera.timezone),
          rel: "noopener",
        },
        t("export.download"),
        details.length ? ` (${details.join(", ")})` : "",
      ),
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
    const generation = polling;
    showMessage(error, "");
    job = null;
    requested = range;
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
    },
    destroy() {
      stopPolling();
      offLang();
      startField.destroy();
      endField.destroy();
    },
  };
}
