// Export panel (on the playback page): cut a clip of up to 2 h, follow the job,
// then offer the MP4 (named in site time by the server) and its JSON sidecar for
// download, and the evidence package (ZIP) when exported as evidence. What the range lacks is said before the export (the API's coverage
// of the range) and after (the job's missing parts): gaps are not padded.
// The form is export-form.ts, the job export-job.ts, the decisions export-model.ts.
import type { Camera, ExportJob } from "../api";
import { h, showMessage } from "../dom";
import { onLangChange } from "../i18n";
import { zoneAbbr, type TimeRange } from "../time";
import {
  type CoverageCheck,
  type ExportForm,
  type MissingView,
  createCoverageCheck,
  createExportForm,
  createMissingView,
} from "./export-form";
import { type JobTracker, type JobView, createJobTracker, createJobView } from "./export-job";
import { createSharePanel } from "./share-panel";
import {
  type RangeCoverage,
  defaultExportRange,
  exportable,
  jobFinished,
  missingShown,
  rangeProblem,
} from "./export-model";

export { MAX_EXPORT_MS, defaultExportRange, sidecarFileName } from "./export-model";

export interface ExportPanel {
  readonly element: HTMLElement;
  /** The camera and playback range the panel exports from (null: nothing loaded). */
  setSource(camera: Camera | null, range: TimeRange | null): void;
  destroy(): void;
}

interface Panel {
  /** The playback page's date (its field's text, day first) the times are read on. */
  readonly getDate: () => string;
  readonly form: ExportForm;
  readonly missing: MissingView;
  readonly view: JobView;
  readonly coverageCheck: CoverageCheck;
  readonly jobs: JobTracker;
  camera: Camera | null;
  job: ExportJob | null;
  /** Whether the missing parts shown are the job's (after an export) or the range's. */
  afterExport: boolean;
  /** What the range lacks, as the API said before the export (null: not known). */
  coverage: RangeCoverage | null;
}

function renderJob(panel: Panel): void {
  panel.missing.show(missingShown(panel.job, panel.afterExport, panel.coverage), panel.camera?.timezone ?? "UTC");
  panel.view.show(panel.camera ? panel.job : null);
}

/** The range the fields say now, if it can be exported. */
function currentRange(panel: Panel): TimeRange | null {
  return panel.camera ? exportable(panel.form.range(panel.getDate(), panel.camera.timezone)) : null;
}

/** Ask the API what the range covers once the fields rest (a finished job's link stays). */
function rangeChanged(panel: Panel): void {
  panel.coverageCheck.cancel();
  if (panel.job && !jobFinished(panel.job)) return;
  panel.afterExport = false;
  panel.coverage = null;
  panel.missing.say("");
  renderJob(panel);
  panel.coverageCheck.schedule();
}

async function startExport(panel: Panel): Promise<void> {
  const { camera, form, view } = panel;
  if (!camera || !form.validate()) return; // each field says why
  const range = form.range(panel.getDate(), camera.timezone);
  const problem = rangeProblem(range);
  if (!range || problem) {
    showMessage(view.error, problem ?? "");
    return;
  }
  panel.coverageCheck.cancel(); // a coverage answer still on its way is for the range before
  showMessage(view.error, "");
  panel.job = null;
  panel.afterExport = true;
  renderJob(panel);
  form.button.disabled = true;
  view.submitting();
  await panel.jobs.start(camera.id, range, form.asEvidence());
}

function setSource(panel: Panel, camera: Camera | null, range: TimeRange | null): void {
  panel.camera = camera;
  panel.form.button.disabled = !camera || !range || (panel.job !== null && !jobFinished(panel.job));
  panel.form.setZone(camera ? zoneAbbr(camera.timezone) : "");
  if (!camera || !range) return;
  panel.form.show(defaultExportRange(range), camera.timezone);
  rangeChanged(panel);
}

function createPanel(getDate: () => string): Panel {
  const form = createExportForm();
  const missing = createMissingView();
  const view = createJobView();
  const settle = (): void => void (form.button.disabled = false);
  const panel: Panel = {
    getDate,
    form,
    missing,
    view,
    camera: null,
    job: null,
    afterExport: false,
    coverage: null,
    coverageCheck: createCoverageCheck({
      target: () => {
        const range = currentRange(panel);
        return panel.camera && range ? { camera: panel.camera, range } : null;
      },
      found: (coverage) => {
        panel.coverage = coverage;
        renderJob(panel);
      },
      say: missing.say,
    }),
    jobs: createJobTracker({
      update: (job) => {
        panel.job = job;
        renderJob(panel);
      },
      error: (message) => showMessage(view.error, message),
      settled: settle,
      refused: (message) => {
        settle();
        view.refused(message);
      },
    }),
  };
  return panel;
}

export function createExportPanel(getDate: () => string): ExportPanel {
  const panel = createPanel(getDate);
  const { form, missing, view } = panel;
  const share = createSharePanel(() => {
    const range = currentRange(panel);
    return panel.camera && range ? { camera: panel.camera, range } : null;
  });
  const element = h(
    "section",
    { id: "export-panel", class: "export-panel" },
    h("h2", { i18n: "export.title" }),
    form.row,
    h("p", { class: "hint", i18n: "export.hint" }),
    form.evidence,
    missing.text,
    missing.list,
    view.progress,
    view.status,
    view.error,
    view.download,
    share.element,
  );
  form.button.addEventListener("click", () => void startExport(panel));
  for (const input of form.inputs) input.addEventListener("input", () => rangeChanged(panel));
  const offLang = onLangChange(() => renderJob(panel));
  return {
    element,
    setSource: (camera, range) => setSource(panel, camera, range),
    destroy() {
      panel.jobs.stop();
      share.destroy();
      panel.coverageCheck.cancel();
      missing.destroy();
      offLang();
      form.destroy();
    },
  };
}
