// The evidence hold form (admins only): start and end times (site time, on the
// playback page's date), the reason (required: a police report number, a case)
// and the "Hold as evidence" button, with the line that says how it went.
import { h, showMessage } from "../dom";
import { onLangChange, t } from "../i18n";
import { rangeFromLocalInputs, type TimeRange } from "../time";
import { createTimeField, validateFields } from "./datetime-input";
import { MAX_REASON_LENGTH } from "./hold-model";

export interface HoldForm {
  readonly element: HTMLElement;
  readonly button: HTMLButtonElement;
  readonly reason: HTMLInputElement;
  /** The range the fields say on `date` (day first) in the zone, null when invalid. */
  range(date: string, tz: string): TimeRange | null;
  /** Check both times (each says why it is not valid). */
  validate(): boolean;
  show(range: TimeRange, tz: string): void;
  setZone(abbr: string): void;
  /** Say how it went ("" clears the line). */
  say(text: string, kind?: "error" | "info"): void;
  destroy(): void;
}

function reasonInput(): HTMLInputElement {
  return h("input", {
    id: "hold-reason",
    type: "text",
    required: true,
    autocomplete: "off",
    maxlength: MAX_REASON_LENGTH,
    placeholder: t("hold.reasonPlaceholder"),
  });
}

export function createHoldForm(): HoldForm {
  const [startField, endField] = [createTimeField("hold-start"), createTimeField("hold-end")];
  const reason = reasonInput();
  const offLang = onLangChange(() => void (reason.placeholder = t("hold.reasonPlaceholder")));
  const zone = h("span", { class: "tz-abbr" });
  const button = h("button", { id: "hold", type: "button", class: "primary", i18n: "hold.button" });
  const line = h("p", { id: "hold-message", class: "message", role: "status", hidden: true });
  const element = h(
    "div",
    { class: "hold-form" },
    h(
      "div",
      { class: "row" },
      h("label", {}, h("span", { i18n: "hold.start" }), startField.element),
      h("label", {}, h("span", { i18n: "hold.end" }), endField.element),
      zone,
    ),
    h("div", { class: "row" }, h("label", { class: "hold-reason" }, h("span", { i18n: "hold.reason" }), reason), button),
    line,
  );
  return {
    element,
    button,
    reason,
    range: (date, tz) => rangeFromLocalInputs(date, startField.input.value, endField.input.value, tz),
    validate: () => validateFields([startField, endField]),
    show(range, tz) {
      startField.show(range.start, tz);
      endField.show(range.end, tz);
    },
    setZone: (abbr) => void (zone.textContent = abbr),
    say: (text, kind = "error") => showMessage(line, text, kind),
    destroy() {
      offLang();
      startField.destroy();
      endField.destroy();
    },
  };
}
