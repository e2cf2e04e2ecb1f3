// An export job after the form: creating it, polling it every second until it is
// done or failed (a network or server error is retried, another is not), and
// showing its progress, status and download links (the clip, its sidecar and, for
// an export as evidence, the package: the job is done once the package is written).
import { api, errorMessage, type ExportJob } from "../api";
import { h, showMessage } from "../dom";
import { t } from "../i18n";
import { toIso, type TimeRange } from "../time";
import { isTransient, jobFinished, jobLinks, jobProgress, jobStatusText } from "./export-model";

const POLL_MS = 1000;

export interface JobHooks {
  /** The job as created or as last polled. */
  update(job: ExportJob): void;
  /** An error to show ("" clears it). */
  error(message: string): void;
  /** Nothing more to wait for: the job finished, or cannot be followed. */
  settled(): void;
  /** The export could not be created. */
  refused(message: string): void;
}

export interface JobTracker {
  /** Create an export of the camera's range (as evidence: with its package) and follow it
   * (following the one before stops). */
  start(cameraId: string, range: TimeRange, evidence: boolean): Promise<void>;
  /** Stop following: an answer still on its way is dropped. */
  stop(): void;
}

export function createJobTracker(hooks: JobHooks): JobTracker {
  let timer: number | undefined;
  let generation = 0;
  const stop = (): void => {
    generation++;
    window.clearTimeout(timer);
  };
  const later = (id: string, current: number): void => {
    timer = window.setTimeout(() => void poll(id, current), POLL_MS);
  };
  async function poll(id: string, current: number): Promise<void> {
    try {
      const next = await api.exportJob(id);
      if (current !== generation) return;
      hooks.error("");
      hooks.update(next);
      if (jobFinished(next)) return hooks.settled();
    } catch (e) {
      if (current !== generation) return;
      hooks.error(errorMessage(e));
      if (!isTransient(e)) return hooks.settled();
    }
    later(id, current);
  }
  async function start(cameraId: string, range: TimeRange, evidence: boolean): Promise<void> {
    stop();
    const current = generation;
    try {
      const created = await api.createExport(cameraId, toIso(range.start), toIso(range.end), evidence);
      if (current !== generation) return;
      hooks.update(created);
      if (jobFinished(created)) hooks.settled();
      else later(created.id, current);
    } catch (e) {
      if (current === generation) hooks.refused(errorMessage(e));
    }
  }
  return { start, stop };
}

/** The links of a done job (export-model.jobLinks): each saved under the server's name. */
function downloadLinks(job: ExportJob): HTMLElement[] {
  return jobLinks(job).map((link) =>
    h(
      "a",
      {
        id: link.id,
        class: link.primary ? "button primary" : "button",
        href: link.href,
        download: link.fileName,
        rel: "noopener",
      },
      t(link.label),
      link.details,
    ),
  );
}

export interface JobView {
  readonly progress: HTMLProgressElement;
  readonly status: HTMLParagraphElement;
  readonly error: HTMLParagraphElement;
  readonly download: HTMLDivElement;
  /** Show a job (null: none, and nothing to download). */
  show(job: ExportJob | null): void;
  /** The export is being created. */
  submitting(): void;
  /** The export could not be created: why. */
  refused(message: string): void;
}

export function createJobView(): JobView {
  const progress = h("progress", { id: "export-progress", max: 1, value: 0, hidden: true });
  const status = h("p", { id: "export-status", role: "status" });
  const error = h("p", { id: "export-error", class: "message error", role: "alert", hidden: true });
  const download = h("div", { class: "export-download" });
  const show = (job: ExportJob | null): void => {
    if (!job) {
      status.textContent = "";
      download.replaceChildren();
      return;
    }
    progress.hidden = false;
    progress.value = jobProgress(job);
    status.textContent = jobStatusText(job);
    download.replaceChildren(...downloadLinks(job));
  };
  const submitting = (): void => {
    progress.hidden = false;
    progress.value = 0;
    status.textContent = t("export.submitting");
  };
  const refused = (message: string): void => {
    progress.hidden = true;
    status.textContent = "";
    showMessage(error, message);
  };
  return { progress, status, error, download, show, submitting, refused };
}
