// The export form: start and end times (site time, on the playback page's date),
// the export button, "Export as evidence" (with the line saying what it adds),
// and what the range lacks, asked of the API once the times rest (before an
// export) or said by the job (after one).
import { api, type Camera } from "../api";
import { h } from "../dom";
import { t } from "../i18n";
import { rangeFromLocalInputs, toIso, type TimeRange } from "../time";
import { createTimeField, validateFields } from "./datetime-input";
import { type RangeCoverage, type MissingShown, rangeCoverage } from "./export-model";
import { createGapNotes, notesFromGaps } from "./gap-notes";

/** The coverage of the range is asked for once the times rest this long. */
const CHECK_DELAY_MS = 300;

export interface ExportForm {
  readonly row: HTMLElement;
  readonly button: HTMLButtonElement;
  readonly inputs: readonly HTMLInputElement[];
  /** The "Export as evidence" checkbox and the line saying what it adds. */
  readonly evidence: HTMLElement;
  /** Whether to export as evidence (a ZIP with the originals, signed manifests, a README). */
  asEvidence(): boolean;
  /** The range the fields say on `date` (day first) in the zone, null when invalid. */
  range(date: string, tz: string): TimeRange | null;
  /** Check both fields (each says why it is not valid). */
  validate(): boolean;
  show(range: TimeRange, tz: string): void;
  setZone(abbr: string): void;
  destroy(): void;
}

/** "Export as evidence": unchecked by default; its hint says what the package adds. */
function evidenceChoice(): { element: HTMLElement; box: HTMLInputElement } {
  const box = h("input", { id: "export-evidence", type: "checkbox" });
  const element = h(
    "div",
    { class: "export-evidence" },
    h("label", {}, box, h("span", { i18n: "export.evidence" })),
    h("p", { class: "hint", i18n: "export.evidenceHint" }),
  );
  return { element, box };
}

export function createExportForm(): ExportForm {
  const [startField, endField] = [createTimeField("export-start"), createTimeField("export-end")];
  const zone = h("span", { class: "tz-abbr" });
  const button = h("button", { id: "export", type: "button", class: "primary", i18n: "export.button" });
  const row = h(
    "div",
    { class: "row" },
    h("label", {}, h("span", { i18n: "export.start" }), startField.element),
    h("label", {}, h("span", { i18n: "export.end" }), endField.element),
    zone,
    button,
  );
  const evidence = evidenceChoice();
  return {
    row,
    button,
    inputs: [startField.input, endField.input],
    evidence: evidence.element,
    asEvidence: () => evidence.box.checked,
    range: (date, tz) => rangeFromLocalInputs(date, startField.input.value, endField.input.value, tz),
    validate: () => validateFields([startField, endField]),
    show(range, tz) {
      startField.show(range.start, tz);
      endField.show(range.end, tz);
    },
    setZone: (abbr) => void (zone.textContent = abbr),
    destroy() {
      startField.destroy();
      endField.destroy();
    },
  };
}

/** The words on what a range (or a finished file) lacks, and the list of those parts. */
export interface MissingView {
  readonly text: HTMLParagraphElement;
  readonly list: HTMLElement;
  show(shown: MissingShown, tz: string): void;
  say(text: string): void;
  destroy(): void;
}

export function createMissingView(): MissingView {
  const text = h("p", { id: "export-coverage", class: "hint", role: "status" });
  const notes = createGapNotes("export-missing", null);
  return {
    text,
    list: notes.element,
    show(shown, tz) {
      if (shown.text !== undefined) text.textContent = shown.text;
      notes.set(notesFromGaps(shown.gaps), tz);
    },
    say: (words) => void (text.textContent = words),
    destroy: notes.destroy,
  };
}

export interface CoverageHooks {
  /** The camera and the range to ask about now, or null. */
  target(): { camera: Camera; range: TimeRange } | null;
  /** What the range lacks (null: not known). */
  found(coverage: RangeCoverage | null): void;
  say(text: string): void;
}

export interface CoverageCheck {
  /** Ask once the fields rest (an earlier question is dropped). */
  schedule(): void;
  /** Drop the question pending or on its way. */
  cancel(): void;
}

export function createCoverageCheck(hooks: CoverageHooks): CoverageCheck {
  let timer: number | undefined;
  let generation = 0;
  const cancel = (): void => {
    generation++;
    window.clearTimeout(timer);
  };
  async function check(current: number): Promise<void> {
    const target = hooks.target();
    if (!target) return;
    const { camera, range } = target;
    hooks.say(t("export.checking"));
    let coverage: RangeCoverage | null = null;
    try {
      coverage = rangeCoverage(await api.coverage(camera.id, toIso(range.start), toIso(range.end)), range);
    } catch {
      if (current === generation) hooks.say("");
    }
    if (current === generation) hooks.found(coverage);
  }
  const schedule = (): void => {
    cancel();
    const current = generation;
    timer = window.setTimeout(() => void check(current), CHECK_DELAY_MS);
  };
  return { schedule, cancel };
}
