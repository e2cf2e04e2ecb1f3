// What the playback page says: one message line (loading, nothing to play, a
// part skipped, the end, an error) and, under the timeline, every part without
// playable footage with its reason (gap-notes.ts).
import { h, showMessage } from "../dom";
import { t, type MessageKey } from "../i18n";
import type { Range } from "../timeline";
import { type GapNote, createGapNotes } from "./gap-notes";
import { playbackNotes, skippedMessage } from "./playback-model";

export interface PlaybackMessages {
  /** The message line, under the form. */
  readonly line: HTMLParagraphElement;
  /** The parts without playable footage, under the timeline. */
  readonly notes: HTMLElement;
  /** Say a text (or clear the line with ""). */
  say(text: string, kind?: "error" | "info"): void;
  /** Say a message by its key. */
  tell(key: MessageKey, kind?: "error" | "info"): void;
  /** List the server's gaps and the parts skipped, in the zone. */
  showGaps(serverGaps: readonly GapNote[], skipped: readonly Range[], tz: string): void;
  /** A part (null: not known) was skipped. */
  skipped(part: Range | null, tz: string): void;
  destroy(): void;
}

export function createPlaybackMessages(): PlaybackMessages {
  const line = h("p", { id: "playback-message", class: "message", role: "status", hidden: true });
  const gapNotes = createGapNotes("playback-gaps", "playback.gapsTitle");
  const say = (text: string, kind: "error" | "info" = "error"): void => showMessage(line, text, kind);
  return {
    line,
    notes: gapNotes.element,
    say,
    tell: (key, kind) => say(t(key), kind),
    showGaps: (serverGaps, skipped, tz) => gapNotes.set(playbackNotes(serverGaps, skipped), tz),
    skipped: (part, tz) => say(skippedMessage(part, tz), "info"),
    destroy: gapNotes.destroy,
  };
}
