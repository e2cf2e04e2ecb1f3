// Why something is red, in the user's language (reason codes from the API:
// footage/outages.py), and the tools' own words, for admins only.
import { h } from "./dom";
import { dictionaries, t, type MessageKey } from "./i18n";

/** The words for a reason code; an unknown code (a newer server) reads as a generic error. */
export function reasonText(code: string | null | undefined): string {
  const key = `reason.${code ?? "error"}`;
  return t(key in dictionaries.id ? (key as MessageKey) : "reason.error");
}

/**
 * "Detail teknis / Technical details", collapsed, with a tool's raw words
 * (ffprobe, ffmpeg, storage errors; credentials already masked by the server):
 * only for admins, and only when there are words to show.
 */
export function technicalDetails(words: string | null | undefined, admin: boolean): HTMLElement | null {
  if (!admin || !words) return null;
  return h("details", { class: "tech" }, h("summary", { i18n: "reason.technical" }), h("code", {}, words));
}
