// Indonesian (default) and English texts. Every visible string goes through t().
// The texts themselves are in messages-id.ts and messages-en.ts.
import { en } from "./messages-en";
import { type MessageKey, id } from "./messages-id";

export type { MessageKey };

export type Lang = "id" | "en";

export const LANGS: readonly Lang[] = ["id", "en"];

const STORAGE_KEY = "vms.lang";

export const dictionaries: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { id, en };

export const isLang = (value: unknown): value is Lang => (LANGS as readonly unknown[]).includes(value);

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

let current: Lang = ((): Lang => {
  const stored = storage()?.getItem(STORAGE_KEY);
  return isLang(stored) ? stored : "id";
})();

const listeners = new Set<(lang: Lang) => void>();

export function getLang(): Lang {
  return current;
}

/** BCP 47 tag for Intl formatting in the current language. */
export function locale(): string {
  return current === "id" ? "id-ID" : "en-GB";
}

/** Switch language: persisted, reflected in <html lang>, and announced to listeners. */
export function setLang(lang: Lang): void {
  current = lang;
  storage()?.setItem(STORAGE_KEY, lang);
  if (typeof document !== "undefined") document.documentElement.lang = lang;
  for (const listener of listeners) listener(lang);
}

/** Subscribe to language changes; returns the unsubscribe function. */
export function onLangChange(listener: (lang: Lang) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The text for a key in the current language, with {name} placeholders filled. */
export function t(key: MessageKey, vars?: Readonly<Record<string, string | number>>): string {
  const template = dictionaries[current][key];
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    name in vars ? String(vars[name]) : match,
  );
}
