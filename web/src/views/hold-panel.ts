// Evidence holds on the playback page, for administrators only (the page makes no
// panel for anyone else; the server refuses them anyway, and audits it): hold a
// range of the camera with a reason, see the camera's holds, release one after a
// confirmation. The form is hold-form.ts, the list hold-list.ts, the decisions
// hold-model.ts; the calls evidence-api.ts.
import type { Camera } from "../api";
import { h } from "../dom";
import { evidenceApi } from "../evidence-api";
import { t } from "../i18n";
import { zoneAbbr, type TimeRange } from "../time";
import type { Range } from "../timeline";
import { type HoldForm, createHoldForm } from "./hold-form";
import { type HoldList, createHoldList } from "./hold-list";
import { heldRanges, holdErrorMessage, holdRequest, holdRows, outcomeMessage } from "./hold-model";

export interface HoldPanel {
  readonly element: HTMLElement;
  /** The camera and playback range to hold from (null: none chosen). */
  setSource(camera: Camera | null, range: TimeRange | null): void;
  destroy(): void;
}

/** `onHeld` gets a camera's held ranges each time they are known anew. */
export type HeldListener = (camera: string, held: Range[]) => void;

interface Panel {
  readonly getDate: () => string;
  readonly onHeld: HeldListener;
  readonly form: HoldForm;
  readonly list: HoldList;
  readonly element: HTMLElement;
  camera: Camera | null;
  /** Counts list requests and camera changes: an answer for an earlier one is dropped. */
  generation: number;
  disposed: boolean;
}

/** Ask the API for the camera's holds and show them (and their bands). */
async function refresh(panel: Panel): Promise<void> {
  const { camera } = panel;
  if (!camera) return;
  const current = ++panel.generation;
  panel.list.set({ kind: "loading" }, camera.timezone);
  try {
    const rows = holdRows((await evidenceApi.holds(camera.id)).holds, camera.id);
    if (current !== panel.generation || panel.disposed) return;
    panel.list.set({ kind: "rows", rows }, camera.timezone);
    panel.onHeld(camera.id, heldRanges(rows));
  } catch (error) {
    if (current !== panel.generation || panel.disposed) return;
    panel.list.set({ kind: "failed", message: holdErrorMessage(error, "list", camera.id) }, camera.timezone);
  }
}

async function place(panel: Panel): Promise<void> {
  const { camera, form } = panel;
  if (!camera || !form.validate()) return; // each time field says why
  const asked = holdRequest(camera.id, form.range(panel.getDate(), camera.timezone), form.reason.value);
  if ("problem" in asked) {
    form.say(asked.problem);
    if (!form.reason.value.trim()) form.reason.focus();
    return;
  }
  form.button.disabled = true;
  form.say(t("hold.placing"), "info");
  try {
    const hold = await evidenceApi.place(asked.request);
    if (panel.disposed) return;
    form.say(outcomeMessage("placed", hold, camera.timezone), "info");
    form.reason.value = "";
    if (panel.camera?.id === camera.id) await refresh(panel);
  } catch (error) {
    if (!panel.disposed) form.say(holdErrorMessage(error, "place", camera.id));
  } finally {
    form.button.disabled = !panel.camera;
  }
}

async function release(panel: Panel, id: string): Promise<void> {
  const { camera, form, list } = panel;
  if (!camera) return;
  list.setBusy(true);
  form.say(t("hold.releasing"), "info");
  try {
    const hold = await evidenceApi.release(id);
    if (!panel.disposed) form.say(outcomeMessage("released", hold, camera.timezone), "info");
  } catch (error) {
    if (!panel.disposed) form.say(holdErrorMessage(error, "release", camera.id));
  } finally {
    list.setBusy(false);
  }
  // released, or gone already: either way the list is asked again
  if (!panel.disposed && panel.camera?.id === camera.id) await refresh(panel);
}

function setSource(panel: Panel, camera: Camera | null, range: TimeRange | null): void {
  const changed = camera?.id !== panel.camera?.id;
  panel.camera = camera;
  panel.element.hidden = !camera;
  panel.form.button.disabled = !camera;
  panel.form.setZone(camera ? zoneAbbr(camera.timezone) : "");
  if (!camera) return void panel.generation++;
  if (range) panel.form.show(range, camera.timezone);
  if (changed) {
    panel.form.say("");
    void refresh(panel);
  }
}

export function createHoldPanel(getDate: () => string, onHeld: HeldListener): HoldPanel {
  const form = createHoldForm();
  const list = createHoldList((id) => void release(created, id));
  const element = h(
    "section",
    { id: "hold-panel", class: "hold-panel", hidden: true },
    h("h2", { i18n: "hold.title" }),
    h("p", { class: "hint", i18n: "hold.hint" }),
    form.element,
    list.element,
  );
  const created: Panel = { getDate, onHeld, form, list, element, camera: null, generation: 0, disposed: false };
  form.button.addEventListener("click", () => void place(created));
  return {
    element,
    setSource: (camera, range) => setSource(created, camera, range),
    destroy() {
      created.disposed = true;
      form.destroy();
      list.destroy();
    },
  };
}
