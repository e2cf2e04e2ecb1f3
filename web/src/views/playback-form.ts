// The playback form: which camera, and the date and times to play in the
// camera's site time (day-first, 24-hour text fields, not the browser's locale).
import type { Camera } from "../api";
import type { SiteGroup } from "../catalog";
import { h } from "../dom";
import { rangeFromLocalInputs, zoneAbbr, type TimeRange } from "../time";
import { type SiteTimeField, createDateField, createTimeField, validateFields } from "./datetime-input";

export interface PlaybackForm {
  readonly element: HTMLFormElement;
  readonly select: HTMLSelectElement;
  /** The date field's text (day first): the export panel reads its times on it. */
  date(): string;
  /** The sites' cameras, grouped by site with its zone. */
  setCameras(groups: readonly SiteGroup[]): void;
  /** Select a camera (or none) and show its zone. */
  showCamera(camera: Camera | null): void;
  /** Show a range in the zone. */
  fill(range: TimeRange, tz: string): void;
  /** Check every field (each says why it is not valid). */
  validate(): boolean;
  /** The range the fields say in the zone, null when it is no range. */
  range(tz: string): TimeRange | null;
  destroy(): void;
}

function cameraOptions(groups: readonly SiteGroup[]): HTMLOptGroupElement[] {
  return groups.map((group) =>
    h(
      "optgroup",
      { label: `${group.site.name} (${zoneAbbr(group.site.timezone)})`, "data-site": group.site.id },
      ...group.cameras.map((cam) => h("option", { value: cam.id }, cam.name)),
    ),
  );
}

const labelled = (key: "playback.camera" | "playback.date" | "playback.start" | "playback.end", field: HTMLElement) =>
  h("label", {}, h("span", { i18n: key }), field);

export function createPlaybackForm(): PlaybackForm {
  const select = h("select", { id: "camera", required: true });
  const [dateField, startField, endField] = [
    createDateField("date"),
    createTimeField("start-time"),
    createTimeField("end-time"),
  ];
  const fields: SiteTimeField[] = [dateField, startField, endField];
  const zone = h("span", { class: "tz-abbr", id: "tz-abbr" });
  const element = h(
    "form",
    { class: "pb-controls", id: "playback-form" },
    labelled("playback.camera", select),
    labelled("playback.date", dateField.element),
    labelled("playback.start", startField.element),
    labelled("playback.end", endField.element),
    zone,
    h("button", { id: "load", type: "submit", class: "primary", i18n: "playback.load" }),
  );
  return {
    element,
    select,
    date: () => dateField.input.value,
    setCameras: (groups) => select.replaceChildren(...cameraOptions(groups)),
    showCamera(camera) {
      select.value = camera?.id ?? "";
      zone.textContent = camera ? zoneAbbr(camera.timezone) : "";
      zone.title = camera?.timezone ?? "";
    },
    fill(range, tz) {
      dateField.show(range.start, tz);
      startField.show(range.start, tz);
      endField.show(range.end, tz);
    },
    validate: () => validateFields(fields),
    range: (tz) => rangeFromLocalInputs(dateField.input.value, startField.input.value, endField.input.value, tz),
    destroy: () => fields.forEach((field) => field.destroy()),
  };
}
