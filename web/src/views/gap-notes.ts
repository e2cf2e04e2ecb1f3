// What a range lacks, said in words: each part without playable footage (from
// the server, with its reason code) or skipped by the player, in the site's
// time. Used under the playback timeline and in the export panel.
import type { Gap } from "../api";
import { h } from "../dom";
import { formatDuration } from "../format";
import { type MessageKey, dictionaries, onLangChange, t } from "../i18n";
import { formatDayFirst, formatTime, parseIso, zoneAbbr } from "../time";

/** A part of a range where nothing plays (epoch ms), and why. */
export interface GapNote {
  start: number;
  end: number;
  /** A server reason code (gap.*) or "skipped" (the player gave up on it). */
  reason: string;
  /** The segment's own words, shown on hover only. */
  detail: string | null;
}

/** Notes shown before "… and N more". */
export const MAX_NOTES = 8;

/** The reason in the current language; an unknown code reads as "cannot be played". */
export function gapReason(reason: string): string {
  const key = `gap.${reason}`;
  return key in dictionaries.id ? t(key as MessageKey) : t("gap.unplayable");
}

/** "10:02:00–10:03:00 WIB", or with day-first dates when it spans days. */
export function formatPart(start: number, end: number, tz: string): string {
  const zone = zoneAbbr(tz, start);
  if (formatDayFirst(start, tz) === formatDayFirst(end - 1, tz)) {
    return `${formatTime(start, tz)}–${formatTime(end, tz)} ${zone}`;
  }
  return `${formatDayFirst(start, tz)} ${formatTime(start, tz)} – ${formatDayFirst(end, tz)} ${formatTime(end, tz)} ${zone}`;
}

export function notesFromGaps(gaps: readonly Gap[]): GapNote[] {
  return gaps
    .map((gap) => ({ start: parseIso(gap.start) ?? NaN, end: parseIso(gap.end) ?? NaN, reason: gap.reason, detail: gap.detail }))
    .filter((note) => Number.isFinite(note.start) && Number.isFinite(note.end) && note.end > note.start);
}

export interface GapNotes {
  readonly element: HTMLElement;
  /** Show these notes (sorted by time) in the zone `tz`; none hides the list. */
  set(notes: readonly GapNote[], tz: string): void;
  destroy(): void;
}

export function createGapNotes(id: string, titleKey: MessageKey | null): GapNotes {
  let notes: GapNote[] = [];
  let tz = "UTC";
  const list = h("ul", { class: "gap-list" });
  const title = titleKey ? h("h3", { i18n: titleKey }) : null;
  const element = h("div", { id, class: "gap-notes", hidden: true }, ...(title ? [title] : []), list);

  function render(): void {
    element.hidden = notes.length === 0;
    const items = notes.slice(0, MAX_NOTES).map((note) =>
      h(
        "li",
        { "data-reason": note.reason, "data-start": String(note.start), title: note.detail ?? "" },
        t("playback.gapItem", {
          range: formatPart(note.start, note.end, tz),
          duration: formatDuration(note.end - note.start),
          reason: gapReason(note.reason),
        }),
      ),
    );
    const more = notes.length - MAX_NOTES;
    list.replaceChildren(...items, ...(more > 0 ? [h("li", { class: "more" }, t("playback.moreGaps", { n: more }))] : []));
  }

  const offLang = onLangChange(render);
  return {
    element,
    set(next, zone) {
      notes = [...next].sort((a, b) => a.start - b.start);
      tz = zone;
      render();
    },
    destroy: offLang,
  };
}
