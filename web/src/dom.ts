// Minimal DOM building. Elements carrying data-i18n* attributes are re-translated
// by translateTree() when the language changes.
import { t, type MessageKey } from "./i18n";

type Child = Node | string | null | undefined | false;

/** Attributes: true sets an empty attribute; false, null and undefined leave it out. */
export interface Props {
  [attr: string]: string | number | boolean | null | undefined;
  /** Translated text content. */
  i18n?: MessageKey;
  /** Translated title (tooltip). */
  i18nTitle?: MessageKey;
  /** Translated aria-label. */
  i18nLabel?: MessageKey;
}

const I18N_ATTRS = {
  i18nTitle: ["data-i18n-title", "title"],
  i18nLabel: ["data-i18n-label", "aria-label"],
} as const;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "i18n") {
      element.dataset.i18n = String(value);
      element.textContent = t(value as MessageKey);
    } else if (name === "i18nTitle" || name === "i18nLabel") {
      const [dataAttr, attr] = I18N_ATTRS[name];
      element.setAttribute(dataAttr, String(value));
      element.setAttribute(attr, t(value as MessageKey));
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  element.append(
    ...children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false),
  );
  return element;
}

/** Re-apply translations to every data-i18n* element under root. */
export function translateTree(root: ParentNode): void {
  for (const element of root.querySelectorAll<HTMLElement>("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n as MessageKey);
  }
  for (const [dataAttr, attr] of Object.values(I18N_ATTRS)) {
    for (const element of root.querySelectorAll(`[${dataAttr}]`)) {
      element.setAttribute(attr, t(element.getAttribute(dataAttr) as MessageKey));
    }
  }
}

/** Show a message in an element (or hide it when empty). */
export function showMessage(element: HTMLElement, message: string, kind: "error" | "info" = "error"): void {
  element.textContent = message;
  element.hidden = !message;
  element.classList.toggle("error", kind === "error");
}
