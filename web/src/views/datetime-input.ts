// Date and time fields in the site's zone that read and show "06/12/2026" and
// "05:40:20" (24 h, day first) in every browser: <input type=date|time> follows
// the browser's locale instead (an en-US browser shows 12/06/2026 and AM/PM).
// ISO "2026-12-06" and "05.40.20" are accepted too; a value that is no date or
// time says so under the field, in the page's language.
import { h } from "../dom";
import { onLangChange, t, type MessageKey } from "../i18n";
import { dateText, formatDayFirst, formatTime, parseDateText, parseTimeText, timeText } from "../time";

export interface SiteTimeField {
  /** The field and its message, to place in a label. */
  readonly element: HTMLElement;
  readonly input: HTMLInputElement;
  /** Show an instant's date (or time of day) in the zone. */
  show(instant: number, tz: string): void;
  /** Check the text now; false (and the reason shown) when it is not valid. */
  validate(): boolean;
  destroy(): void;
}

interface Kind {
  placeholder: MessageKey;
  invalid: MessageKey;
  /** The canonical text of a valid value, null when invalid. */
  normalize(text: string): string | null;
  format(instant: number, tz: string): string;
  /** What the message shows as an example (31/12: day first, unmistakably). */
  example: string;
  inputmode: string;
  maxlength: number;
}

const DATE_KIND: Kind = {
  placeholder: "input.datePlaceholder",
  invalid: "input.dateInvalid",
  normalize: (text) => {
    const date = parseDateText(text);
    return date && dateText(date);
  },
  format: formatDayFirst,
  example: "31/12/2026",
  inputmode: "numeric",
  maxlength: 10,
};

const TIME_KIND: Kind = {
  placeholder: "input.timePlaceholder",
  invalid: "input.timeInvalid",
  normalize: (text) => {
    const time = parseTimeText(text);
    return time && timeText(time);
  },
  format: (instant, tz) => formatTime(instant, tz),
  example: "17:30:00",
  inputmode: "numeric",
  maxlength: 8,
};

/** 12-hour input ("5:30 PM") gets its own hint: this page counts 24 hours. */
const TWELVE_HOUR = /\b[ap]\.?\s*m\.?$/i;

/** Why a field's (trimmed) text is not valid, or null when it is. */
function fieldProblem(kind: Kind, text: string, normalized: string | null): MessageKey | null {
  if (!text) return "input.required";
  if (normalized !== null) return null;
  return kind === TIME_KIND && TWELVE_HOUR.test(text) ? "input.time24h" : kind.invalid;
}

function createField(kind: Kind, id: string): SiteTimeField {
  const input = h("input", {
    id,
    type: "text",
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    inputmode: kind.inputmode,
    maxlength: kind.maxlength + 4, // room for stray spaces
    placeholder: t(kind.placeholder),
    "aria-describedby": `${id}-error`,
  });
  const error = h("small", { id: `${id}-error`, class: "field-error", role: "alert", hidden: true });
  const element = h("span", { class: "site-time-field" }, input, error);
  let problem: MessageKey | null = null;

  function render(): void {
    input.placeholder = t(kind.placeholder);
    const message = problem ? t(problem, { example: kind.example }) : "";
    error.textContent = message;
    error.hidden = !message;
    input.setCustomValidity(message);
    input.toggleAttribute("aria-invalid", problem !== null);
  }

  function validate(): boolean {
    const text = input.value.trim();
    const normalized = text ? kind.normalize(text) : null;
    if (normalized !== null) input.value = normalized;
    problem = fieldProblem(kind, text, normalized);
    render();
    return problem === null;
  }

  input.addEventListener("change", validate);
  input.addEventListener("input", () => {
    if (problem !== null && kind.normalize(input.value) !== null) {
      problem = null;
      render();
    }
  });
  const offLang = onLangChange(render);

  return {
    element,
    input,
    show(instant, tz) {
      input.value = kind.format(instant, tz);
      problem = null;
      render();
    },
    validate,
    destroy: offLang,
  };
}

/** A date field: "06/12/2026" (day first), ISO accepted. */
export function createDateField(id: string): SiteTimeField {
  return createField(DATE_KIND, id);
}

/** A 24-hour time field: "05:40:20", seconds optional. */
export function createTimeField(id: string): SiteTimeField {
  return createField(TIME_KIND, id);
}

/** Validate every field (each shows its own reason); true when all are valid. */
export function validateFields(fields: readonly SiteTimeField[]): boolean {
  return fields.map((field) => field.validate()).every(Boolean);
}
